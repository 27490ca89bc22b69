"""The aging report (api.md §10 "Aging"): what customers owed on a day, by how long past due."""

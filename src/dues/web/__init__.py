"""The finance team's web app under /app and the customer portal under /portal (api.md §12).

Server-rendered pages over the same services as the API: a page parses its form, calls one service
function with the signed-in user, and renders the answer; every rule (roles, approvals, amounts) is the
service's, so a page can never do what the API would refuse. ``common`` holds what every page shares
(layout, headers, who is signed in, the check of a form's origin, errors as pages); each area is a
subpackage with its ``pages.py`` and, where it needs queries of its own, a ``repository.py``.
"""

"""Health endpoints for load balancers and orchestrators: is the process alive, can it serve."""

"""Health of the running service: /healthz for load balancers and people, and the admin page's panel."""

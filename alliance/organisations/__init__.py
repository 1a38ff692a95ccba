"""Organisation membership: join requests, invitations, roles, and the organisation admin's page."""

"""A user's settings: API tokens (create, list, revoke)."""

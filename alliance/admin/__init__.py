"""Platform administration: verifying organisations, users, the mail outbox."""

"""Accounts: registration, login, passwords, password reset."""

"""Pledges: a buyer organisation's planned purchase volumes in a demand round."""

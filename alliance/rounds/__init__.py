"""Demand rounds and their public joint statement of demand."""

"""Alliances and their membership."""

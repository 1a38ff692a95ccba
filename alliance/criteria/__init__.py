"""Criteria sets: versioned per alliance and category, draft → published → retired."""

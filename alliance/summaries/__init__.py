"""Demand summaries: what an alliance's leads publish to the market from a snapshot.

operations.py drafts, publishes, withdraws and supersedes them; alliance.signals.tables turns a snapshot's public_data
into the tables every reader gets (page, CSV, XLSX); exports.py and ocds.py write the downloads.
"""

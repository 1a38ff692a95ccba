"""RQ job functions (thin: they call domain code) and the worker entry point (`python -m workers`)."""

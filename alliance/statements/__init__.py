"""Joint statements of demand: drafted and published by an alliance's leads, signed by its buyers."""

"""Upstream side: credentials (auth files), their selection, and built-in executors."""

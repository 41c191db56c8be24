"""Shared mechanisms: audit, crypto, working days, jobs, page helpers."""

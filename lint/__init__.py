"""Project lint helpers run from the repository root (not part of the running app)."""

"""Staff pages of the registry."""

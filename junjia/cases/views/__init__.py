"""Staff pages of cases."""

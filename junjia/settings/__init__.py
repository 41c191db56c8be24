"""Settings split by mode: embedded (default), production, test."""

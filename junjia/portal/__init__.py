"""Public pages (no log-in): service guides, appointment booking, rating a case."""

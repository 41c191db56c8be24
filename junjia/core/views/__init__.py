"""Views of the shared mechanisms (health, jobs, audit log)."""

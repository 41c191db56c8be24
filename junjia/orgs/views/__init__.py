"""Staff pages of orgs: dashboard, regions, stations, staff, audit log, jobs."""

"""Background work of visits: the campaigns' coverage counts every 45 s, contact coverage
every five minutes (coverage.py, scheduled in apps.py)."""

from django_tasks import task

from . import coverage


@task()
def refresh_coverage() -> int:
    """Idempotent and safe to overlap (a campaign being counted is skipped, its rows are
    written only where they changed)."""
    return coverage.refresh_campaigns()


@task()
def refresh_contact_coverage() -> int:
    """Idempotent; an overlapping run skips its turn."""
    return coverage.refresh_contacts()

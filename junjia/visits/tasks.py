"""Background work of visits: the coverage counts (coverage.refresh), every 45 s."""

from django_tasks import task

from . import coverage


@task()
def refresh_coverage() -> int:
    """Idempotent and safe to overlap (a campaign being counted is skipped, its rows are
    written only where they changed)."""
    return coverage.refresh()

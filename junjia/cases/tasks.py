"""Background work of cases: the deadline scan (hourly; one pass a day takes effect)."""

from django_tasks import task

from .services import scan_deadlines


@task()
def scan_case_deadlines() -> dict:
    return scan_deadlines()

"""A working-day calendar for tests that count from today, whatever today is."""

import datetime as dt

from django.utils import timezone

from junjia.core.models import CalendarYear
from junjia.core.workdays.services import calendar_seed_from_package, calendar_year_save


def known_calendar(today: dt.date | None = None, *, actor=None) -> None:
    """The package's holidays, and this year and next where the package does not cover them
    yet, entered as an administrator would once the State Council publishes them (here only
    元旦 off): a limit counted from a December day reaches into next year, which the package
    learns of only late in the year, or after it."""
    today = today or timezone.localdate()
    calendar_seed_from_package()
    for year in (today.year, today.year + 1):
        if not CalendarYear.objects.filter(year=year).exists():
            calendar_year_save(
                actor=actor,
                year=year,
                notice="测试：管理员录入的当年/次年安排",
                schedule=f"{year}-01-01 休 元旦",
            )

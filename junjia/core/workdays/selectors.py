"""Reads for the calendar pages: the known years with counts, and one year as month grids."""

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from junjia.core.models import CalendarDay, CalendarYear, DayKind

from .calendar import WorkingDayCalendar

WEEK_HEADER = ["一", "二", "三", "四", "五", "六", "日"]


def year_summaries():
    return (
        CalendarYear.objects.select_related("entered_by")
        .annotate(
            holiday_count=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
            workday_count=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
        )
        .order_by("-year")
    )


def get_year(year: int) -> CalendarYear:
    return get_object_or_404(CalendarYear.objects.select_related("entered_by"), year=year)


@dataclass(frozen=True)
class Cell:
    date: dt.date | None
    # "holiday" 法定节假日, "workday" 调休上班, "weekend" 周末休息, "" 普通工作日
    state: str = ""
    name: str = ""


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[Cell]]


def year_months(calendar_year: CalendarYear) -> tuple[list[Month], list[CalendarDay]]:
    """Twelve month grids (weeks start on Monday) and the list of exceptions."""
    days = list(calendar_year.days.order_by("date"))
    by_date = {d.date: d for d in days}
    months = []
    grid = pycalendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(calendar_year.year, month):
            weeks.append([_cell(day, month, by_date) for day in week])
        months.append(Month(month, weeks))
    return months, days


def _cell(day: dt.date, month: int, by_date: dict) -> Cell:
    if day.month != month:
        return Cell(None)
    exception = by_date.get(day)
    if exception is not None:
        return Cell(day, exception.kind, exception.name)
    return Cell(day, "weekend" if day.weekday() >= 5 else "")


def working_days_in(calendar_year: CalendarYear) -> int:
    return WorkingDayCalendar().working_days_in_year(calendar_year.year)

"""The shared working-day calendar (工作日历): statutory holidays and make-up working days.

Deadlines everywhere are counted with these functions; see calendar.py for the conventions.
For many dates at once, create one WorkingDayCalendar and call its methods.
"""

from .calendar import (
    PROVISIONAL_NOTE,
    UNKNOWN_YEAR,
    UnknownCalendarYear,
    WorkingDayCalendar,
    add_working_days,
    calendar_of,
    is_estimate,
    is_working_day,
    missing_next_year_warning,
    next_working_day,
    working_days_between,
)

__all__ = [
    "PROVISIONAL_NOTE",
    "UNKNOWN_YEAR",
    "UnknownCalendarYear",
    "WorkingDayCalendar",
    "add_working_days",
    "calendar_of",
    "is_estimate",
    "is_working_day",
    "missing_next_year_warning",
    "next_working_day",
    "working_days_between",
]

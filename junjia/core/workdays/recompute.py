"""Open deadlines recomputed when the calendar of a year changes: a provisional year made
official, or an official one corrected.

Apps register a recomputer. Given the first year changed and two calendars — as the database
stood before the change and after it — it moves each open deadline from that year on to the
date the new schedule gives, writes the change with its audit row, and returns what moved.
A deadline is recomputed from its start: the same number of working days after the same start
(`moved_due`). The owners are told here, once per moved item, in the schedule's transaction.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from junjia.core import notifications

from .calendar import UnknownCalendarYear, WorkingDayCalendar
from .schedule import MAX_YEAR

# Deadlines counted today reach a year or so ahead; the before-calendar keeps this many years.
SPAN_YEARS = 3


@dataclass(frozen=True)
class Moved:
    owner: object  # the user told of the change
    label: str  # what the deadline belongs to, e.g. "办件 3205…-0001 的承诺办结日期"
    old: dt.date
    new: dt.date
    link: str = ""


Recomputer = Callable[..., list[Moved]]  # (*, year, before, after, actor) -> moved items
_RECOMPUTERS: list[Recomputer] = []

MOVED_TEXT = "{year} 年节假日安排已录入：{label}由 {old} 调整为 {new}。"


def register(recomputer: Recomputer) -> None:
    if recomputer not in _RECOMPUTERS:
        _RECOMPUTERS.append(recomputer)


def before_change(first: int, last: int | None = None) -> WorkingDayCalendar:
    """The calendar as it stands now for the years first..last and a few after (deadlines
    reach ahead); take it before writing the schedule."""
    last = first if last is None else last
    return WorkingDayCalendar().preload(first, min(last + SPAN_YEARS, MAX_YEAR))


def moved_due(
    before: WorkingDayCalendar, after: WorkingDayCalendar, start: dt.date, due: dt.date
) -> dt.date | None:
    """Where a deadline `due`, counted from `start` under `before`, falls under `after`;
    None when it cannot be recounted (a start after the due date, a year not counted)."""
    if due <= start:
        return None
    try:
        days = before.working_days_between(start, due)
        return after.nth_working_day_after(start, days) if days >= 1 else None
    except UnknownCalendarYear:
        return None


def recompute_year(*, year: int, before: WorkingDayCalendar, actor=None) -> list[Moved]:
    """Run every registered recomputer for the years from `year` on; tell the owners."""
    after = WorkingDayCalendar()
    moved: list[Moved] = []
    for recomputer in _RECOMPUTERS:
        moved.extend(recomputer(year=year, before=before, after=after, actor=actor))
    for item in moved:
        notifications.notify(
            [item.owner],
            MOVED_TEXT.format(year=year, label=item.label, old=item.old, new=item.new),
            link=item.link,
        )
    return moved

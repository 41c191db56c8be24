"""What other apps may use from staffing: who is away, who stands in for whom (A/B), who
handles a matter today (the first handler, and their B while they are away), and the writes
that keep windows, leave and lunch duty — for any module that assigns work (cases,
petitions, visits). Functions and message constants only, no model class."""

from .errors import LEAVE_CLASH, LEAVE_DATES, StaffingError
from .selectors import (
    cover_for,
    handler_ids,
    has_records,
    leave_on,
    on_leave,
    stand_ins_for,
    station_has_windows,
    totals_between,
    users_away,
    windows_as_primary,
)
from .services import demo_restamp, leave_record, lunch_duty_set, window_save

__all__ = [
    "LEAVE_CLASH",
    "LEAVE_DATES",
    "StaffingError",
    "cover_for",
    "demo_restamp",
    "handler_ids",
    "has_records",
    "leave_on",
    "leave_record",
    "lunch_duty_set",
    "on_leave",
    "stand_ins_for",
    "station_has_windows",
    "totals_between",
    "users_away",
    "window_save",
    "windows_as_primary",
]

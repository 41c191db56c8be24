"""Reads of staff availability: who is away, who stands in for whom (A/B), who handles a
matter today (首办负责制, AB角工作制, 000 §7), and the lists behind the rota pages."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from junjia.core import clock
from junjia.core.workdays import UnknownCalendarYear, WorkingDayCalendar
from junjia.orgs.api import region_scope

from .models import Leave, LunchDuty, WindowPost
from .permissions import window_scope
from .roles import LEAVE, VIEW

LUNCH_DAYS = 10

# --- who is away, who stands in ---------------------------------------------------------------


def _leave_on(day: dt.date) -> Q:
    return Q(start_date__lte=day, end_date__gte=day)


def on_leave(user, day: dt.date) -> bool:
    return Leave.objects.filter(_leave_on(day), user=user).exists()


def leave_on(user_id: int, day: dt.date) -> Leave | None:
    """The person's leave covering `day` (the one ending first), or None."""
    return Leave.objects.filter(_leave_on(day), user_id=user_id).order_by("end_date").first()


def users_away(user_ids: Iterable[int], day: dt.date) -> set[int]:
    """Which of these people are on leave on `day` (one query)."""
    away = Leave.objects.filter(_leave_on(day), user_id__in=set(user_ids))
    return set(away.values_list("user_id", flat=True))


def windows_as_primary(user_id: int) -> list[WindowPost]:
    """The windows where the person is A, with their A and B."""
    return list(
        WindowPost.objects.filter(primary_id=user_id)
        .select_related("primary", "backup")
        .order_by("pk")
    )


def stand_ins_for(user, day: dt.date) -> list[int]:
    """The people whose work `user` covers on `day`: those away whose B `user` is."""
    primaries = WindowPost.objects.filter(backup=user).values_list("primary_id", flat=True)
    away = Leave.objects.filter(_leave_on(day), user_id__in=primaries)
    return list(away.values_list("user_id", flat=True).distinct())


def handler_ids(owner_id: int, day: dt.date | None = None) -> set[int]:
    """Who handles a matter first taken by `owner_id` (首办负责制): its first handler, and
    while they are away the B of each of their windows too (AB角工作制)."""
    day = day or clock.today()
    handlers = {owner_id}
    if Leave.objects.filter(_leave_on(day), user_id=owner_id).exists():
        backups = WindowPost.objects.filter(primary_id=owner_id).values_list("backup_id", flat=True)
        handlers |= set(backups)
    return handlers


def cover_for(owner_id: int, day: dt.date) -> dict | None:
    """While the first handler is away: their leave and the Bs handling in their place."""
    leave = leave_on(owner_id, day)
    if leave is None:
        return None
    return {"leave": leave, "backups": [w.backup for w in windows_as_primary(owner_id)]}


# --- the rota pages -----------------------------------------------------------------------


def _away(user_field: str, day: dt.date):
    return Exists(Leave.objects.filter(_leave_on(day), user_id=OuterRef(user_field)))


def windows(actor, day: dt.date, station=None) -> QuerySet[WindowPost]:
    """Windows in reach with whether A and B are away on `day`."""
    qs = WindowPost.objects.filter(window_scope(actor, VIEW))
    if station is not None:
        qs = qs.filter(station=station)
    return (
        qs.annotate(a_away=_away("primary_id", day), b_away=_away("backup_id", day))
        .select_related("station", "primary", "backup")
        .order_by("station__region__code", "name", "pk")
    )


def uncovered_windows(actor, day: dt.date) -> list[WindowPost]:
    """AB rule (000 §7): at least one of A and B on duty. These have both away."""
    return list(windows(actor, day).filter(a_away=True, b_away=True)[:100])


def leaves(actor, day: dt.date) -> QuerySet[Leave]:
    """Current and upcoming leave in reach, soonest first."""
    qs = Leave.objects.filter(region_scope(actor, LEAVE), end_date__gte=day)
    return qs.select_related("user__station", "created_by").order_by("start_date", "pk")


def away_on(actor, day: dt.date, station=None) -> QuerySet[Leave]:
    qs = Leave.objects.filter(region_scope(actor, VIEW), _leave_on(day))
    if station is not None:
        qs = qs.filter(user__station=station)
    return qs.select_related("user__station").order_by("user__station__region__code", "pk")


def lunch_duty_on(station, day: dt.date) -> LunchDuty | None:
    return LunchDuty.objects.filter(station=station, date=day).select_related("user").first()


def lunch_rota(station, days: list[dt.date]) -> dict:
    duties = LunchDuty.objects.filter(station=station, date__in=days).select_related("user")
    return {d.date: d for d in duties}


def away_by_day(station, days: list[dt.date]) -> dict:
    """{day: ids of the station's staff on leave that day}."""
    if not days:
        return {}
    leaves = Leave.objects.filter(
        user__station=station, start_date__lte=days[-1], end_date__gte=days[0]
    ).values_list("user_id", "start_date", "end_date")
    return {day: frozenset(u for u, start, end in leaves if start <= day <= end) for day in days}


ESTIMATED_DAYS = (
    "{year} 年的节假日安排尚未录入，{year} 年的值班日暂按法定节假日估算（调休上班日未计入），"
    "安排公布录入后请核对。"
)


def coming_working_days(start: dt.date, count: int = LUNCH_DAYS) -> tuple[list, str]:
    """The next `count` working days from `start`, and a Chinese message when the calendar
    stops short (a year whose holidays are not entered)."""
    days, day = [], start
    calendar = WorkingDayCalendar()
    try:
        while len(days) < count:
            if calendar.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
    except UnknownCalendarYear as exc:
        return days, str(exc)
    estimated = sorted({d.year for d in days if calendar.is_estimate(d)})
    if estimated:
        return days, ESTIMATED_DAYS.format(year=estimated[0])
    return days, ""


# --- what a demo of another app needs ----------------------------------------------------------


def station_has_windows(station) -> bool:
    return WindowPost.objects.filter(station=station).exists()


def has_records() -> bool:
    """Whether any window, leave or lunch duty is recorded at all."""
    return any(model.objects.exists() for model in (WindowPost, Leave, LunchDuty))


def totals_between(low: int, high: int) -> dict[str, int]:
    """Windows, leave and lunch duties of the regions whose keys lie in [low, high]."""
    inside = {"region_key__gte": low, "region_key__lte": high}
    return {
        "窗口（AB角）": WindowPost.objects.filter(**inside).count(),
        "请假": Leave.objects.filter(**inside).count(),
        "午间值班": LunchDuty.objects.filter(**inside).count(),
    }

"""Reads behind the rota pages that the cases selectors do not cover: stations and staff in
reach, windows with who is away today, leave, the lunch rota, loops and evaluations."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from junjia.core import clock
from junjia.core.workdays import UnknownCalendarYear, WorkingDayCalendar, is_working_day
from junjia.orgs.api import active_staff_of, get_for_actor, get_station_for_actor, region_scope

from .. import selectors
from ..choices import LoopStage
from ..models import Evaluation, Leave, LunchDuty, RectificationLoop, WindowPost

LUNCH_DAYS = 10


def today() -> dt.date:
    return clock.today()


def case_url(case_id: int) -> str:
    """The case page (views/work.py); the path the cases notifications use otherwise."""
    try:
        return reverse("cases:case_detail", args=[case_id])
    except NoReverseMatch:
        return f"/cases/{case_id}/"


def pick_station(actor, capability: str, raw: str | None, *, default_own: bool = True):
    """The station named by ?station= (404 outside reach), else the actor's own station."""
    if raw:
        return get_station_for_actor(actor, raw, capability=capability)
    if default_own and actor.station_id:
        return get_station_for_actor(actor, actor.station_id, capability=capability)
    return None


def staff_of(station) -> QuerySet:
    # Also the REST evaluations' check of the next owner (cases/rest/evaluations.py).
    return active_staff_of(station)


def _away(user_field: str, day: dt.date):
    return Exists(
        Leave.objects.filter(user_id=OuterRef(user_field), start_date__lte=day, end_date__gte=day)
    )


def windows(actor, day: dt.date, station=None) -> QuerySet[WindowPost]:
    """Windows in reach with whether A and B are away on `day`."""
    qs = WindowPost.objects.filter(region_scope(actor, "cases.view"))
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


def leaves(actor, day: dt.date, station=None) -> QuerySet[Leave]:
    """Current and upcoming leave in reach, soonest first."""
    qs = Leave.objects.filter(region_scope(actor, "cases.leave"), end_date__gte=day)
    if station is not None:
        qs = qs.filter(user__station=station)
    return qs.select_related("user__station", "created_by").order_by("start_date", "pk")


def away_on(actor, day: dt.date, station=None) -> QuerySet[Leave]:
    qs = Leave.objects.filter(
        region_scope(actor, "cases.view"), start_date__lte=day, end_date__gte=day
    )
    if station is not None:
        qs = qs.filter(user__station=station)
    return qs.select_related("user__station").order_by("user__station__region__code", "pk")


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


def lunch_duty_context(station, day: dt.date | None = None) -> dict:
    """For cases/_lunch_duty.html: today's lunch duty at `station`, and whether today has
    lunch service at all (working days only). Other pages call this and merge the result."""
    day = day or today()
    try:
        working = is_working_day(day)
    except UnknownCalendarYear:
        working = False
    return {
        "lunch_duty": selectors.lunch_duty_today(station, day) if station else None,
        "lunch_service_today": working and station is not None,
    }


def loop_for(actor, pk) -> RectificationLoop:
    return get_for_actor(
        RectificationLoop.objects.select_related(
            "evaluation__case__station",
            "evaluation__case__item_version__item",
            "evaluation__owner",
            "evaluation__entered_by",
            "owner",
        ),
        actor,
        "cases.view",
        pk=pk,
    )


def closed_loops(actor, limit: int = 50) -> list[RectificationLoop]:
    return list(
        RectificationLoop.objects.filter(region_scope(actor, "cases.view"), stage=LoopStage.CLOSED)
        .select_related("evaluation__case", "owner")
        .order_by("-closed_at")[:limit]
    )


def evaluations_for(
    actor, *, by: str, label: str, since: dt.date | None, only_bad: bool
) -> QuerySet[Evaluation]:
    """The evaluations behind one bar of selectors.satisfaction: grouped by the same names."""
    qs = Evaluation.objects.filter(region_scope(actor, "cases.analysis"))
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if label:
        if by == "station":
            qs = qs.filter(case__station__name=label)
        elif by == "item":
            qs = qs.filter(item__name=label)
        elif by == "clerk":
            qs = qs.filter(
                Q(owner__full_name=label) | Q(owner__full_name="", owner__username=label)
            )
        elif by == "month":
            start = _month_start(label)
            end = (start + dt.timedelta(days=32)).replace(day=1)
            tz = timezone.get_current_timezone()
            qs = qs.filter(
                created_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=tz),
                created_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=tz),
            )
    if only_bad:
        from ..choices import SATISFIED_LEVELS

        qs = qs.exclude(score__in=SATISFIED_LEVELS)
    return qs.select_related("case__station", "item", "owner", "loop").order_by(
        "-created_at", "-pk"
    )


def _month_start(label: str) -> dt.date:
    try:
        year, month = (int(part) for part in label.split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise Http404("月份格式应为 YYYY-MM。") from exc


def unrated_completed(actor, limit: int = 20) -> list:
    """Recently completed cases without an evaluation, for paper-form entry."""
    from ..choices import CaseStatus
    from ..models import Case

    return list(
        Case.objects.filter(
            region_scope(actor, "cases.handle"),
            status=CaseStatus.COMPLETED,
            evaluation__isnull=True,
        )
        .select_related("item_version__item", "owner", "station")
        .order_by("-completed_at")[:limit]
    )

"""Reads behind the rota pages that the cases selectors do not cover: stations and staff in
reach, loops and evaluations."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from junjia.cases import roles
from junjia.core import clock
from junjia.orgs.api import active_staff_of, get_for_actor, get_station_for_actor, region_scope

from ..choices import LoopStage
from ..models import Evaluation, RectificationLoop


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
        roles.VIEW,
        pk=pk,
    )


def closed_loops(actor, limit: int = 50) -> list[RectificationLoop]:
    return list(
        RectificationLoop.objects.filter(region_scope(actor, roles.VIEW), stage=LoopStage.CLOSED)
        .select_related("evaluation__case", "owner")
        .order_by("-closed_at")[:limit]
    )


def evaluations_for(
    actor, *, by: str, label: str, since: dt.date | None, only_bad: bool
) -> QuerySet[Evaluation]:
    """The evaluations behind one bar of selectors.satisfaction: grouped by the same names."""
    qs = Evaluation.objects.filter(region_scope(actor, roles.ANALYSIS))
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
            region_scope(actor, roles.HANDLE),
            status=CaseStatus.COMPLETED,
            evaluation__isnull=True,
        )
        .select_related("item_version__item", "owner", "station")
        .order_by("-completed_at")[:limit]
    )

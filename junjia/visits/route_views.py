"""Route lists (走访路线单, issue 13 "a printable route list per visitor"): 我的走访 for the
member of staff logged in — her people across live campaigns whose window is open or opens
within ROUTE_AHEAD working days, grouped by village and address, soonest closing first, each
linked to recording the visit — and a printable list for one visitor (staff or volunteer)
that the responsible station hands out. Names, masked identity numbers and addresses: each
page is audited, the printable one as an export of personal data."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from junjia.core import audit, clock
from junjia.core.models import AuditAction
from junjia.core.workdays import UnknownCalendarYear, calendar_of
from junjia.orgs.api import has_capability, jurisdiction_of

from . import assignment, errors, roles, selectors
from .permissions import may_assign_here

NOT_A_VISITOR = "您没有记录走访的权限，没有走访路线单。"


def route_horizon(request, today):
    """The last day a window may open on and still be on the route list: ROUTE_AHEAD
    working days on, through the shared calendar (today alone when its year is not known)."""
    try:
        return calendar_of(request).add_working_days(today, selectors.ROUTE_AHEAD)
    except UnknownCalendarYear:
        return today


def record_route_view(actor, *, page: str, visitor_id=None, volunteer_id=None, count: int = 0):
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT if page.endswith("print") else AuditAction.VIEW,
        object_type="visits.route",
        region_key=juris.low if juris else None,
        extra={"page": page, "visitor": visitor_id, "volunteer": volunteer_id, "rows": count},
    )


@login_required
def my_route(request):
    """我的走访: the people assigned to me, by village and address."""
    actor = request.user
    if not has_capability(actor, roles.RECORD):
        raise PermissionDenied(NOT_A_VISITOR)
    today = clock.today()
    members = list(
        selectors.route_members(actor, today, visitor=actor, ahead=route_horizon(request, today))
    )
    record_route_view(actor, page="visits.route", visitor_id=actor.pk, count=len(members))
    return render(
        request,
        "visits/route.html",
        {
            "groups": selectors.route_groups(members),
            "count": len(members),
            "today": today,
            "visitors": _printable_visitors(actor) if may_assign_here(actor) else None,
        },
    )


def _printable_visitors(actor) -> dict:
    return {
        "staff": list(assignment.staff_visitors(actor)),
        "volunteers": list(assignment.volunteers_for(actor)),
    }


@login_required
def route_print(request):
    """A printable route list: mine (no parameter), or — for whoever assigns at her
    station — one member of staff's (?visitor=) or one volunteer's (?volunteer=)."""
    actor = request.user
    if not has_capability(actor, roles.RECORD):
        raise PermissionDenied(NOT_A_VISITOR)
    visitor, volunteer = actor, None
    raw_visitor = request.GET.get("visitor", "").strip()
    raw_volunteer = request.GET.get("volunteer", "").strip()
    if raw_visitor or raw_volunteer:
        if not may_assign_here(actor):
            raise PermissionDenied(errors.NOT_ROUTE_PRINTER)
        if raw_volunteer:
            volunteer = _one(assignment.volunteers_for(actor), raw_volunteer, "志愿走访人员")
            visitor = None
        elif raw_visitor != str(actor.pk):
            visitor = _one(assignment.staff_visitors(actor), raw_visitor, "走访人员")
    today = clock.today()
    members = list(
        selectors.route_members(
            actor,
            today,
            visitor=visitor,
            volunteer=volunteer,
            ahead=route_horizon(request, today),
        )
    )
    record_route_view(
        actor,
        page="visits.route.print",
        visitor_id=visitor.pk if visitor else None,
        volunteer_id=volunteer.pk if volunteer else None,
        count=len(members),
    )
    if visitor is not None:
        who = visitor.full_name or visitor.username
    else:
        who = f"志愿者{volunteer.name}"
    return render(
        request,
        "visits/route_print.html",
        {
            "groups": selectors.route_groups(members),
            "count": len(members),
            "who": who,
            "today": today,
            "juris": jurisdiction_of(actor),
        },
    )


def _one(queryset, raw: str, label: str):
    found = queryset.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise Http404(f"未找到该{label}，或不在您的辖区内。")
    return found

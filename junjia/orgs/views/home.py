"""The home page (工作台): the user's to-do list from every workflow, then their station and
jurisdiction at a glance."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from junjia.core import audit, clock, todo
from junjia.core.models import AuditAction
from junjia.core.workdays import calendar_of, missing_next_year_warning

from .. import selectors
from ..permissions import has_capability
from ..roles import CALENDAR_MANAGE


@login_required
def home(request):
    warning = None
    if has_capability(request.user, CALENDAR_MANAGE):
        warning = missing_next_year_warning(clock.today())
    sections = todo.todo_for(request.user, calendar=calendar_of(request))
    if sections:
        # The list names people (masked numbers): one audit row per showing, as every list.
        shown = {s["kind"]: len(s["items"]) for s in sections}
        audit.record(
            actor=request.user,
            action=AuditAction.VIEW,
            object_type="core.todo",
            object_repr="工作台待办",
            region_key=request.user.region_key,
            extra={"sections": shown},
        )
    return render(
        request,
        "orgs/home.html",
        {
            "todo": sections,
            "summary": selectors.dashboard_summary(request.user),
            "calendar_warning": warning,
        },
    )

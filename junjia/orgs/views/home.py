"""The home page (工作台): the user's to-do list from every workflow, then their station and
jurisdiction at a glance."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from junjia.core import clock, todo
from junjia.core.workdays import missing_next_year_warning

from .. import selectors
from ..permissions import has_capability
from ..roles import CALENDAR_MANAGE


@login_required
def home(request):
    warning = None
    if has_capability(request.user, CALENDAR_MANAGE):
        warning = missing_next_year_warning(clock.today())
    return render(
        request,
        "orgs/home.html",
        {
            "todo": todo.todo_for(request.user),
            "summary": selectors.dashboard_summary(request.user),
            "calendar_warning": warning,
        },
    )

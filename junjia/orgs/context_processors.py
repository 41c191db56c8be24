"""Template context for the page shell: the user's station, jurisdiction and navigation."""

from junjia.core import todo
from junjia.core.navigation import navigation_for
from junjia.core.workdays import calendar_of

from .permissions import has_capability, jurisdiction_of


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    gated = request.path.startswith("/accounts/")  # log-in steps: nothing else to go to
    return {
        "shell_jurisdiction": jurisdiction_of(user),
        "shell_station": user.station if user.station_id else None,
        "shell_nav": []
        if gated
        else navigation_for(
            request,
            lambda cap: has_capability(user, cap),
            {"orgs:home": todo.urgent_count(user, calendar_of(request))},
        ),
    }

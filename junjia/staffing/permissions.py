"""Who may see and change windows, leave and lunch duty: the jurisdiction kernel on
region_key, cut by the staffing capabilities (roles.py)."""

from django.db.models import Q

from junjia.orgs.api import get_for_actor, region_scope

from .models import WindowPost
from .roles import ROTA


def window_scope(actor, capability: str = ROTA) -> Q:
    return region_scope(actor, capability)


def get_window_for_actor(actor, pk, capability: str = ROTA) -> WindowPost:
    """The window, 404 outside the actor's reach for `capability`."""
    return get_for_actor(
        WindowPost.objects.select_related("station__region", "primary", "backup"),
        actor,
        capability,
        pk=pk,
    )

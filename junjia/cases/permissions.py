"""Who may see cases and their satellites: the jurisdiction kernel on region_key."""

from django.db.models import Q

from junjia.cases import roles
from junjia.orgs.api import get_for_actor, region_scope

from .models import Case


def case_scope(actor, capability: str = roles.VIEW) -> Q:
    return region_scope(actor, capability)


def get_case_for_actor(actor, pk, capability: str = roles.VIEW) -> Case:
    return get_for_actor(
        Case.objects.select_related("item_version__item", "station", "owner", "recipient"),
        actor,
        capability,
        pk=pk,
    )

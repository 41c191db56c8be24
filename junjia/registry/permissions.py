"""Who may see and change recipient files: the jurisdiction kernel, applied to region_key."""

from django.db.models import Q

from junjia.orgs.api import can_reach, get_for_actor, region_scope
from junjia.registry import roles

from .models import Recipient


def recipient_scope(actor, capability: str = roles.VIEW) -> Q:
    return region_scope(actor, capability)


def can_view_recipient(actor, recipient: Recipient) -> bool:
    return can_reach(actor, roles.VIEW, recipient.region_key)


def can(actor, capability: str, recipient) -> bool:
    return can_reach(actor, capability, recipient.region_key)


def get_recipient_for_actor(actor, pk, capability: str = roles.VIEW, for_update=False) -> Recipient:
    return get_for_actor(
        Recipient.objects.select_related("household_region", "responsible_clerk"),
        actor,
        capability,
        pk=pk,
        for_update=for_update,
    )

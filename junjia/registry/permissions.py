"""Who may see and change recipient files: the jurisdiction kernel, applied to region_key."""

from django.db.models import Q

from junjia.orgs.api import can_reach, get_for_actor, region_scope

from .models import Recipient


def recipient_scope(actor, capability: str = "registry.view") -> Q:
    return region_scope(actor, capability)


def can_view_recipient(actor, recipient: Recipient) -> bool:
    return can_reach(actor, "registry.view", recipient.region_key)


def can(actor, capability: str, recipient) -> bool:
    return can_reach(actor, capability, recipient.region_key)


def get_recipient_for_actor(
    actor, pk, capability: str = "registry.view", for_update=False
) -> Recipient:
    return get_for_actor(
        Recipient.objects.select_related("household_region", "responsible_clerk"),
        actor,
        capability,
        pk=pk,
        for_update=for_update,
    )

"""What other apps may use from orgs: the jurisdiction kernel and region look-ups."""

from .choices import ADMIN_ROLES, CENTRE_LEVELS, Level, Role
from .codes import CodeError, key_of, level_of, subtree_range
from .models import Region, RoleGrant, Station, User
from .permissions import (
    Jurisdiction,
    can_reach,
    capabilities,
    get_for_actor,
    has_capability,
    jurisdiction_of,
    region_scope,
    require_capability,
    scoped,
)
from .roles import register_capabilities


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def known_region_code(code: str) -> bool:
    return Region.objects.filter(code=code).exists()


def holding_station(region_key: int) -> Station | None:
    """The station of the region with this key, or the nearest one above it."""
    return (
        Station.objects.filter(region__key__lte=region_key, region__key_high__gte=region_key)
        .select_related("region")
        .order_by("-region__level")
        .first()
    )


__all__ = [
    "ADMIN_ROLES",
    "CENTRE_LEVELS",
    "CodeError",
    "Jurisdiction",
    "Level",
    "Region",
    "Role",
    "RoleGrant",
    "Station",
    "User",
    "can_reach",
    "capabilities",
    "get_for_actor",
    "has_capability",
    "holding_station",
    "jurisdiction_of",
    "key_of",
    "known_region_code",
    "level_of",
    "region_by_code",
    "region_scope",
    "register_capabilities",
    "require_capability",
    "scoped",
    "subtree_range",
]

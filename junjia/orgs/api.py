"""What other apps may use from orgs: the jurisdiction kernel, region and station look-ups.
Functions only: no model class, so other apps never query orgs' tables themselves."""

import random
from collections.abc import Callable

from .choices import ADMIN_ROLES, CENTRE_LEVELS, Level, Role
from .codes import CodeError, ancestor_key, ancestor_keys, key_of, level_of, subtree_range
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
from .roles import declare_capability, declared_capabilities, register_capabilities
from .selectors import (
    active_staff_in_reach,
    active_staff_of,
    active_station,
    active_stations,
    counties_with_villages,
    get_station_for_actor,
    holding_station,
    known_region_code,
    known_region_codes,
    local_region_rows,
    local_regions,
    region_by_code,
    region_codes,
    region_facts,
    region_has_station,
    region_within,
    regions_by_codes,
    regions_within,
    station_heads,
    station_heads_above,
    station_people,
    station_staff,
    station_staff_roles,
    stations_in_reach,
    top_active_station,
)


def ensure_scale_staff(province, *, full_name: Callable[[random.Random], str]) -> int:
    """Stations and staff for a province at scale (orgs.demo); imported when called, so the
    demo's name tools load only for the demo."""
    from .demo import ensure_scale_staff as ensure

    return ensure(province, full_name=full_name)


__all__ = [
    "ADMIN_ROLES",
    "CENTRE_LEVELS",
    "CodeError",
    "Jurisdiction",
    "Level",
    "Role",
    "active_staff_in_reach",
    "active_staff_of",
    "active_station",
    "active_stations",
    "ancestor_key",
    "ancestor_keys",
    "can_reach",
    "capabilities",
    "counties_with_villages",
    "declare_capability",
    "declared_capabilities",
    "ensure_scale_staff",
    "get_for_actor",
    "get_station_for_actor",
    "has_capability",
    "holding_station",
    "jurisdiction_of",
    "key_of",
    "known_region_code",
    "known_region_codes",
    "level_of",
    "local_region_rows",
    "local_regions",
    "region_by_code",
    "region_codes",
    "region_facts",
    "region_has_station",
    "region_scope",
    "region_within",
    "regions_by_codes",
    "regions_within",
    "register_capabilities",
    "require_capability",
    "scoped",
    "station_heads",
    "station_heads_above",
    "station_people",
    "station_staff",
    "station_staff_roles",
    "stations_in_reach",
    "subtree_range",
    "top_active_station",
]

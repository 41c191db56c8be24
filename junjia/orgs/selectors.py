"""Reads for regions, stations and staff: the pages' through the jurisdiction scope, and the
look-ups other apps reach through api.py."""

from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet

from .choices import Level, Role
from .codes import ancestor_keys
from .models import Region, RoleGrant, Station, User
from .permissions import get_for_actor, jurisdiction_of, region_scope
from .roles import REGION_VIEW, STAFF_VIEW, STATION_VIEW


def region_queryset(actor) -> QuerySet[Region]:
    """Regions in the actor's subtree, plus the chain of ancestors is NOT included."""
    return Region.objects.filter(region_scope(actor, REGION_VIEW, field="key"))


def get_region_for_actor(actor, code: str) -> Region:
    return get_for_actor(
        Region.objects.select_related("parent"), actor, REGION_VIEW, field="key", code=code
    )


def root_region(actor) -> Region | None:
    juris = jurisdiction_of(actor)
    return Region.objects.get(pk=juris.region_id) if juris else None


def region_children(actor, region: Region) -> QuerySet[Region]:
    return region_queryset(actor).filter(parent=region).select_related("station").order_by("key")


def region_ancestors(region: Region) -> list[Region]:
    """Ancestors from the province down, found by key ranges (one query, no recursion)."""
    return list(
        Region.objects.filter(key__lte=region.key, key_high__gte=region.key)
        .exclude(pk=region.pk)
        .order_by("level")
    )


def subtree_counts(region: Region) -> dict[int, int]:
    """Number of regions of each level under `region` (excluding itself): one index range."""
    rows = (
        Region.objects.filter(key__gte=region.key, key__lte=region.key_high)
        .exclude(pk=region.pk)
        .values("level")
        .annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def search_regions(actor, text: str, limit: int = 50) -> QuerySet[Region]:
    text = text.strip()
    qs = region_queryset(actor)
    if text.isdigit():
        qs = qs.filter(code__startswith=text)
    else:
        qs = qs.filter(Q(name__contains=text) | Q(full_name__contains=text))
    return qs.order_by("key")[:limit]


def station_queryset(actor) -> QuerySet[Station]:
    return Station.objects.filter(region_scope(actor, STATION_VIEW)).select_related("region")


def get_station_for_actor(
    actor, pk, *, capability: str = STATION_VIEW, for_update=False
) -> Station:
    return get_for_actor(
        Station.objects.select_related("region"), actor, capability, pk=pk, for_update=for_update
    )


def station_list(actor, *, level: int | None = None, below_standard: bool = False, q: str = ""):
    qs = station_queryset(actor)
    if level:
        qs = qs.filter(region__level=level)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(region__full_name__contains=q))
    if below_standard:
        # 002 §4.3: fill rate below 90%, in integers: filled * 10 < authorised * 9.
        qs = qs.alias(filled10=F("filled_posts") * 10).filter(
            authorised_posts__gt=0, filled10__lt=F("authorised_posts") * 9
        )
    return qs.order_by("region_key")


def staff_queryset(actor) -> QuerySet[User]:
    return (
        User.objects.filter(region_scope(actor, STAFF_VIEW))
        .select_related("station", "station__region")
        .prefetch_related("role_grants")
    )


def active_staff_count(actor, *, station: Station | None = None) -> int:
    """Active staff accounts at the stations the actor may see (or at one of them): a fact
    about the stations, so the home page and a station's page give everyone the same figure.
    Who the people are stays behind staff.view (staff_queryset)."""
    qs = User.objects.filter(region_scope(actor, STATION_VIEW), station__isnull=False)
    if station is not None:
        qs = qs.filter(station=station)
    return qs.filter(is_active=True).count()


def get_staff_for_actor(actor, pk, capability: str = STAFF_VIEW) -> User:
    return get_for_actor(
        User.objects.select_related("station", "station__region"), actor, capability, pk=pk
    )


def staff_list(actor, *, q: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    qs = staff_queryset(actor)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q))
    if role == "none":
        qs = qs.filter(role_grants__isnull=True)  # 待授权: created, no role granted yet
    elif role:
        qs = qs.filter(role_grants__role=role)
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs.order_by("region_key", "username")


def dashboard_summary(actor) -> dict:
    juris = jurisdiction_of(actor)
    if juris is None:
        return {}
    region = Region.objects.get(pk=juris.region_id)
    counts = subtree_counts(region)
    stations = station_queryset(actor)
    return {
        "region": region,
        "level_counts": [
            (Level(level).label, counts.get(level, 0)) for level in Level if level > region.level
        ],
        "station_count": stations.count(),
        "below_standard": station_list(actor, below_standard=True).count(),
        "staff_count": active_staff_count(actor),
    }


# --- look-ups for other apps (through api.py) ------------------------------------------------
# Unscoped unless they take an actor: the caller has already decided what the person may reach
# (a key range from its jurisdiction, or the public portal, which shows only stations).


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def known_region_code(code: str) -> bool:
    return Region.objects.filter(code=code).exists()


def known_region_codes(codes: Iterable[str]) -> set[str]:
    """Those of `codes` that name a region."""
    return set(Region.objects.filter(code__in=list(codes)).values_list("code", flat=True))


def region_codes(*levels: int) -> list[str]:
    """The division codes of every region at these levels."""
    return list(Region.objects.filter(level__in=levels).values_list("code", flat=True))


def region_facts(codes: Iterable[str]) -> list[tuple[int, str, int, int]]:
    """(pk, code, key, level) of the regions with these codes."""
    return list(
        Region.objects.filter(code__in=list(codes)).values_list("pk", "code", "key", "level")
    )


def regions_by_codes(codes: Iterable[str]) -> list[Region]:
    return list(Region.objects.filter(code__in=list(codes)))


def region_within(code: str, low: int, high: int) -> Region | None:
    """The region with this code if its key lies in [low, high]."""
    return Region.objects.filter(code=code, key__gte=low, key__lte=high).first()


def regions_within(codes: Iterable[str], low: int, high: int) -> list[Region]:
    """The regions with these codes whose keys lie in [low, high], in one query."""
    return list(Region.objects.filter(code__in=list(codes), key__gte=low, key__lte=high))


def local_regions(low: int, high: int) -> QuerySet[Region]:
    """Active townships and villages in the key range, with their parent, by key."""
    return (
        Region.objects.filter(
            key__gte=low, key__lte=high, level__gte=Level.TOWNSHIP, is_active=True
        )
        .select_related("parent")
        .order_by("key")
    )


def local_region_rows(low: int, high: int) -> list[tuple[int, int, int, str, str, int | None]]:
    """(id, key, level, name, full_name, parent_id) of the townships and villages in the key
    range, by key."""
    return list(
        Region.objects.filter(
            key__gte=low, key__lte=high, level__in=(Level.TOWNSHIP, Level.VILLAGE)
        )
        .order_by("key")
        .values_list("id", "key", "level", "name", "full_name", "parent_id")
    )


def counties_with_villages(low: int, high: int) -> list[Region]:
    """Counties in the key range that have at least one village under them."""
    return [
        county
        for county in Region.objects.filter(level=Level.COUNTY, key__gte=low, key__lte=high)
        if Region.objects.filter(
            level=Level.VILLAGE, key__gte=county.key, key__lte=county.key_high
        ).exists()
    ]


def holding_station(region_key: int) -> Station | None:
    """The station of the region with this key, or the nearest one above it. The regions
    holding a key are its ancestors, whose keys are the key cut at each level's span
    (codes.ancestor_keys): found through the unique key index, not a range over every
    region."""
    return (
        Station.objects.filter(
            region__key__in=ancestor_keys(region_key), region__key_high__gte=region_key
        )
        .select_related("region")
        .order_by("-region__level")
        .first()
    )


def region_has_station(region: Region) -> bool:
    return Station.objects.filter(region=region).exists()


def stations_in_reach(actor, capability: str) -> QuerySet[Station]:
    """Stations the actor may reach with `capability`, by division code."""
    return (
        Station.objects.filter(region_scope(actor, capability))
        .select_related("region")
        .order_by("region__code")
    )


def top_active_station() -> Station | None:
    """The station of the highest active region: the centre at the top of the served tree."""
    return (
        Station.objects.filter(region__is_active=True)
        .select_related("region")
        .order_by("region__level", "region_key")
        .first()
    )


def active_stations(
    levels: Iterable[int], text: str = "", *, within: tuple[int, int] | None = None
) -> QuerySet[Station]:
    """Stations of active regions at these levels whose station or place name contains
    `text` and, when given, whose region key lies in the range `within`; by region key, each
    with its region and the region above it."""
    qs = Station.objects.filter(region__level__in=levels, region__is_active=True).select_related(
        "region", "region__parent"
    )
    if within is not None:
        qs = qs.filter(region_key__gte=within[0], region_key__lte=within[1])
    if text:
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(region__name__icontains=text)
            | Q(region__full_name__icontains=text)
        )
    return qs.order_by("region_key")


def active_station(pk: int, levels: Iterable[int]) -> Station | None:
    return (
        Station.objects.filter(pk=pk, region__level__in=levels, region__is_active=True)
        .select_related("region")
        .first()
    )


def station_staff(low: int, high: int, roles: Iterable[str]) -> list[tuple[Station, dict]]:
    """(station, {role: first active user holding it}) for the stations of the active staff
    whose region key lies in [low, high] and who hold one of `roles`, by region key."""
    staff: dict[int, dict] = {}
    grants = (
        RoleGrant.objects.filter(
            user__is_active=True,
            user__region_key__gte=low,
            user__region_key__lte=high,
            role__in=tuple(roles),
        )
        .select_related("user")
        .order_by("user_id")
    )
    for grant in grants:
        staff.setdefault(grant.user.station_id, {}).setdefault(grant.role, grant.user)
    stations = Station.objects.filter(pk__in=list(staff)).select_related("region")
    return [(s, staff[s.pk]) for s in sorted(stations, key=lambda s: s.region.key)]


def station_people(region_keys: Iterable[int], roles: Iterable[str]) -> dict[int, list[int]]:
    """{station region key: ids of its active staff holding one of `roles`} for the
    stations with these keys, in one query (the deadline scan's recipients)."""
    people: dict[int, list[int]] = {}
    grants = (
        RoleGrant.objects.filter(
            user__is_active=True,
            user__station__region_key__in=set(region_keys),
            role__in=tuple(roles),
        )
        .order_by("user_id")
        .values_list("user__station__region_key", "user_id")
        .distinct()
    )
    for key, user_id in grants:
        people.setdefault(key, []).append(user_id)
    return people


def station_heads(station_ids: Iterable[int]) -> dict[int, User]:
    """{station id: its active station head with the lowest id} for the stations that have
    one, in one query."""
    heads: dict[int, User] = {}
    users = (
        User.objects.filter(
            station_id__in=set(station_ids), is_active=True, role_grants__role=Role.STATION_HEAD
        )
        .order_by("station_id", "pk")
        .distinct()
    )
    for user in users:
        heads.setdefault(user.station_id, user)
    return heads


def station_heads_above(station_ids: Iterable[int]) -> dict[int, User]:
    """{station id: the head of the nearest station above it that has one} — where a matter
    is escalated to. A station with no head anywhere above is left out. A few queries however
    many stations (one per level of the tree above them, then the stations and their heads):
    the deadline scan asks this for hundreds of stations at once."""
    stations = list(Station.objects.filter(pk__in=set(station_ids)).select_related("region"))
    parent: dict[int, int | None] = {s.region_id: s.region.parent_id for s in stations}
    missing = {up for up in parent.values() if up is not None and up not in parent}
    while missing:
        found = dict(Region.objects.filter(pk__in=missing).values_list("pk", "parent_id"))
        parent.update({pk: found.get(pk) for pk in missing})
        missing = {up for up in found.values() if up is not None and up not in parent}

    def regions_above(region_id: int) -> list[int]:  # nearest first
        chain, up = [], parent.get(region_id)
        while up is not None:
            chain.append(up)
            up = parent.get(up)
        return chain

    above = {s.pk: regions_above(s.region_id) for s in stations}
    in_region: dict[int, list[int]] = {}
    for pk, region_id in (
        Station.objects.filter(region_id__in={r for chain in above.values() for r in chain})
        .order_by("pk")
        .values_list("pk", "region_id")
    ):
        in_region.setdefault(region_id, []).append(pk)
    heads = station_heads(pk for pks in in_region.values() for pk in pks)
    result: dict[int, User] = {}
    for station_pk, chain in above.items():
        found = (heads[pk] for region in chain for pk in in_region.get(region, ()) if pk in heads)
        head = next(found, None)
        if head is not None:
            result[station_pk] = head
    return result


def active_staff_of(station: Station) -> QuerySet[User]:
    """The station's active staff, by name."""
    return station.staff.filter(is_active=True).order_by("full_name", "username")


def active_staff_in_reach(actor, capability: str) -> QuerySet[User]:
    """Active staff with a station that the actor may reach with `capability`, by station."""
    return (
        User.objects.filter(region_scope(actor, capability), is_active=True, station__isnull=False)
        .select_related("station")
        .order_by("station__region__code", "full_name", "username")
    )


def station_staff_roles(low: int, high: int) -> list[tuple[str, int, int, str]]:
    """(role, user id, station region key, station name) of the active staff whose station's
    region key lies in [low, high], by user."""
    return list(
        RoleGrant.objects.filter(
            user__is_active=True,
            user__station__region_key__gte=low,
            user__station__region_key__lte=high,
        )
        .order_by("user_id")
        .values_list("role", "user_id", "user__station__region_key", "user__station__name")
    )

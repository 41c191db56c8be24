"""Reads for regions, stations and staff, always through the jurisdiction scope."""

from django.db.models import Count, F, Q, QuerySet

from .choices import Level
from .models import Region, Station, User
from .permissions import get_for_actor, jurisdiction_of, region_scope


def region_queryset(actor) -> QuerySet[Region]:
    """Regions in the actor's subtree, plus the chain of ancestors is NOT included."""
    return Region.objects.filter(region_scope(actor, "region.view", field="key"))


def get_region_for_actor(actor, code: str) -> Region:
    return get_for_actor(
        Region.objects.select_related("parent"), actor, "region.view", field="key", code=code
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
    return Station.objects.filter(region_scope(actor, "station.view")).select_related("region")


def get_station_for_actor(
    actor, pk, *, capability: str = "station.view", for_update=False
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
        User.objects.filter(region_scope(actor, "staff.view"))
        .select_related("station", "station__region")
        .prefetch_related("role_grants")
    )


def get_staff_for_actor(actor, pk, capability: str = "staff.view") -> User:
    return get_for_actor(
        User.objects.select_related("station", "station__region"), actor, capability, pk=pk
    )


def staff_list(actor, *, q: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    qs = staff_queryset(actor)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q))
    if role:
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
        "staff_count": staff_queryset(actor).filter(is_active=True).count(),
    }

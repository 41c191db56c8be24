"""The jurisdiction kernel: the one place that decides what a user may see and change.

Every scoped row carries `region_key`, the numeric key of the region it belongs to (see
codes.py). A user's jurisdiction is the key range of their station's region subtree, so the
check for one object and the filter for a list are the same comparison.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from junjia.core.context import Refusal, note_refusal

from .roles import capabilities_of

NO_ROWS = Q(pk__in=[])


@dataclass(frozen=True)
class Jurisdiction:
    low: int
    high: int
    region_id: int
    region_name: str
    level: int

    def contains(self, key: int | None) -> bool:
        return key is not None and self.low <= key <= self.high


def jurisdiction_of(actor) -> Jurisdiction | None:
    """The actor's region subtree, or None for anyone without an active station."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    cached = getattr(actor, "_jurisdiction", False)
    if cached is not False:
        return cached
    result = None
    station = actor.station if actor.station_id else None
    if station is not None:
        region = station.region
        result = Jurisdiction(region.key, region.key_high, region.pk, region.name, region.level)
    actor._jurisdiction = result
    return result


def capabilities(actor) -> frozenset[str]:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    return capabilities_of(actor.role_codes)


def has_capability(actor, capability: str) -> bool:
    return capability in capabilities(actor)


def require_capability(actor, capability: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied("您没有执行此操作的权限。")


def region_scope(actor, capability: str, field: str = "region_key") -> Q:
    """Filter for rows the actor may reach with `capability`: nothing, or their subtree."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, capability):
        return NO_ROWS
    return Q(**{f"{field}__gte": juris.low, f"{field}__lte": juris.high})


def can_reach(actor, capability: str, region_key: int | None) -> bool:
    """The same rule as region_scope, for one object."""
    juris = jurisdiction_of(actor)
    return juris is not None and has_capability(actor, capability) and juris.contains(region_key)


def scoped(queryset: QuerySet, actor, capability: str, field: str = "region_key") -> QuerySet:
    return queryset.filter(region_scope(actor, capability, field))


def get_for_actor(
    queryset: QuerySet,
    actor,
    capability: str,
    *,
    field: str = "region_key",
    for_update: bool = False,
    **lookup,
) -> Model:
    """Fetch one object the actor may reach, or answer 404 (never reveal it exists)."""
    qs = scoped(queryset, actor, capability, field)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        _note_if_elsewhere(queryset, actor, capability, field, lookup)
        raise Http404("未找到，或不在您的辖区内。") from exc
    except (ValueError, TypeError) as exc:
        raise Http404("未找到，或不在您的辖区内。") from exc


def _note_if_elsewhere(queryset, actor, capability: str, field: str, lookup: dict) -> None:
    """The object exists but lies outside the actor's reach: a refused access, kept as a
    security event (core.context; the answer stays a plain 404 that reveals nothing)."""
    found = queryset.model._base_manager.filter(**lookup).values_list("pk", field).first()
    if found is None:
        return
    pk, region_key = found
    note_refusal(
        Refusal(
            attempt="object",
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk),
            capability=capability,
            region_key=region_key if isinstance(region_key, int) else None,
        )
    )


__all__ = [
    "Jurisdiction",
    "PermissionDenied",
    "can_reach",
    "capabilities",
    "get_for_actor",
    "has_capability",
    "jurisdiction_of",
    "region_scope",
    "require_capability",
    "scoped",
]

"""Service items (事项) and their published versions: the catalogue's one writer."""

from django.db import transaction

from junjia.cases import roles
from junjia.core import audit
from junjia.core.models import AuditAction
from junjia.orgs.api import require_capability

from ..models import (
    ServiceItem,
    ServiceItemVersion,
)
from .common import _today  # noqa: F401

# --- catalogue --------------------------------------------------------------------------------


@transaction.atomic
def item_publish(
    *,
    actor,
    item: ServiceItem | None,
    code: str,
    name: str,
    area: str,
    handling_levels: list[int],
    content: dict,
) -> ServiceItemVersion:
    """Create an item or publish a new version of it; open cases keep their own version."""
    if actor is not None:
        require_capability(actor, roles.CATALOGUE)
    if item is None:
        item = ServiceItem.objects.create(
            code=code, name=name, area=area, handling_levels=handling_levels
        )
    else:
        item.name, item.area, item.handling_levels = name, area, handling_levels
        item.save(update_fields=["name", "area", "handling_levels", "updated_at"])
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ServiceItemVersion.objects.create(
        item=item, number=number, published_by=actor, **content
    )
    item.current_version = version
    item.save(update_fields=["current_version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=version,
        region_key=None,
        changes={"item": [None, item.code], "version": [None, number]},
    )
    return version

"""Reads behind the registry pages: audited look-ups of personal data, region pickers and the
holding station. Every page that shows a person's data goes through here, so each showing
is written to the audit log once (never from a template)."""

from django.db.models import Q

from junjia.core import audit, personal
from junjia.core.models import AuditAction
from junjia.orgs.api import Level, jurisdiction_of, local_regions, region_within
from junjia.orgs.api import holding_station as _station_of
from junjia.registry import roles

from .. import snapshots
from ..choices import ChangeStatus
from ..models import ChangeRequest, Recipient, ReviewStep
from ..permissions import get_recipient_for_actor

LIST_OBJECT_TYPE = "registry.recipient_list"
# A select is offered while the jurisdiction has at most this many townships and villages;
# beyond that (a city or a province) the user types a division code instead.
REGION_SELECT_LIMIT = 500


def subject(recipient: Recipient) -> str:
    return f"recipient:{recipient.pk}"


def record_recipient_view(actor, recipient: Recipient, page: str, **extra) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=recipient,
        region_key=recipient.region_key,
        subject_id=subject(recipient),
        extra={"page": page, **extra},
    )


def open_recipient(actor, pk, *, page: str, capability: str = roles.VIEW) -> Recipient:
    """Fetch one file the actor may see (404 outside the jurisdiction) and audit the view."""
    recipient = get_recipient_for_actor(actor, pk, capability)
    record_recipient_view(actor, recipient, page)
    return recipient


def record_list_view(actor, params: dict) -> None:
    """One audit row per list of personal data shown (the filter, never one row per person;
    a search text masked)."""
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=LIST_OBJECT_TYPE,
        object_repr="服务对象列表",
        region_key=juris.low if juris else None,
        extra=personal.mask_params(params),
    )


def household_regions(actor):
    """Townships and villages of the actor's jurisdiction for a picker, or None when there
    are too many to list (then the page asks for a division code)."""
    juris = jurisdiction_of(actor)
    if juris is None:
        return []
    rows = list(local_regions(juris.low, juris.high)[: REGION_SELECT_LIMIT + 1])
    if len(rows) > REGION_SELECT_LIMIT:
        return None
    return rows


def region_by_code(actor, code: str):
    """A township or village inside the jurisdiction by its code, else None."""
    juris = jurisdiction_of(actor)
    if juris is None or not code:
        return None
    return region_within(code.strip(), juris.low, juris.high)


def region_label(region) -> str:
    """甲街道 / 甲街道 › 村A: the name below the jurisdiction, short enough for a phone."""
    if region.level == Level.VILLAGE and region.parent_id:
        return f"{region.parent.name} › {region.name}"
    return region.name


def holding_station(recipient: Recipient):
    """The station of the person's region, or the nearest one above it."""
    return _station_of(recipient.region_key)


def open_change(recipient: Recipient) -> ChangeRequest | None:
    return (
        recipient.changes.filter(
            status__in=[ChangeStatus.DRAFT, ChangeStatus.RETURNED, ChangeStatus.SUBMITTED]
        )
        .select_related("created_by")
        .first()
    )


def working_snapshot(recipient: Recipient, change: ChangeRequest | None) -> dict:
    """What an edit form starts from: the proposed file while a change is open, else the file."""
    if change is not None and change.status != ChangeStatus.SUBMITTED:
        return change.proposed
    return snapshots.take(recipient)


def history(recipient: Recipient):
    return (
        ReviewStep.objects.filter(recipient=recipient)
        .select_related("actor", "change")
        .order_by("at", "id")
    )


def last_step(recipient: Recipient, change: ChangeRequest | None = None, action: str = ""):
    qs = ReviewStep.objects.filter(recipient=recipient, change=change)
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("actor").order_by("-at", "-id").first()


def waiting_for(actor, obj) -> bool:
    """True when a submitted file or change waits for the actor's own level."""
    juris = jurisdiction_of(actor)
    return juris is not None and obj.status == "submitted" and obj.review_level == juris.level


def transfer_scope_decide(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None:
        return Q(pk__in=[])
    return Q(from_key__gte=juris.low, from_key__lte=juris.high)

"""What other apps may use from cases: the catalogue, appointment slots and the public steps
of booking, look-up, rating and the progress query (办件进度查询); opening a case for a need
another module found (a visit's) and the cases opened from it. Functions, read-only values
and message constants only, no model class. (Staff availability — who is away, who stands in
for whom — is staffing's: staffing.api.)"""

from django.urls import reverse

from junjia.orgs.api import has_capability

from . import roles, services
from .errors import ALREADY_RATED, NOT_COMPLETED
from .selectors import (
    CaseProgress,
    PublicStep,
    appointment_by_pk,
    appointment_phone,
    case_progress,
    cases_from_source,
    catalogue,
    is_rated,
    open_slot_counts,
    published_item,
    slots_by_pk,
    slots_for,
    station_slots,
)
from .services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    case_for_token,
    evaluation_submit,
    find_appointment,
)


def can_open_cases(actor) -> bool:
    """Whether the actor opens cases at a window (cases.handle) and belongs to a station."""
    return bool(getattr(actor, "station_id", None)) and has_capability(actor, roles.HANDLE)


def items_for(actor) -> list[tuple[str, str]]:
    """(code, name) of the service items the actor's station handles."""
    if not getattr(actor, "station_id", None):
        return []
    return [(i.code, i.name) for i in catalogue(actor.station.region.level)]


def case_open_for_need(
    *, actor, item_code: str, recipient, need: str, source_ref: str, source_label: str
) -> dict:
    """Open a case (帮办) at the actor's station for the person's need another module found,
    kept with its source (e.g. "visits:12", "走访记录 2027-02-08"): {"pk", "number", "link"}.
    Refusals are InvalidInput naming "item" or "need", or the case's own refusals."""
    case = services.case_open_for_need(
        actor=actor,
        item_code=item_code,
        recipient=recipient,
        need=need,
        source_ref=source_ref,
        source_label=source_label,
    )
    return {
        "pk": case.pk,
        "number": case.number,
        "link": reverse("cases:case_detail", kwargs={"pk": case.pk}),
    }


__all__ = [
    "ALREADY_RATED",
    "NOT_COMPLETED",
    "CaseProgress",
    "PublicStep",
    "appointment_book",
    "appointment_by_pk",
    "appointment_cancel",
    "appointment_phone",
    "appointment_reschedule",
    "can_open_cases",
    "case_for_token",
    "case_open_for_need",
    "case_progress",
    "cases_from_source",
    "catalogue",
    "evaluation_submit",
    "find_appointment",
    "is_rated",
    "items_for",
    "open_slot_counts",
    "published_item",
    "slots_by_pk",
    "slots_for",
    "station_slots",
]

"""What other apps may use from cases: the catalogue, appointment slots and the public steps
of booking, look-up, rating and the progress query (办件进度查询). Functions, read-only values
and message constants only, no model class. (Staff availability — who is away, who stands in
for whom — is staffing's: staffing.api.)"""

from .errors import ALREADY_RATED, NOT_COMPLETED
from .selectors import (
    CaseProgress,
    PublicStep,
    appointment_by_pk,
    appointment_phone,
    case_progress,
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
    "case_for_token",
    "case_progress",
    "catalogue",
    "evaluation_submit",
    "find_appointment",
    "is_rated",
    "open_slot_counts",
    "published_item",
    "slots_by_pk",
    "slots_for",
    "station_slots",
]

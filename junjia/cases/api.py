"""What other apps may use from cases: the catalogue, appointment slots and the public steps
of booking, look-up and rating. Functions and message constants only, no model class.
(Staff availability — who is away, who stands in for whom — is staffing's: staffing.api.)"""

from .errors import ALREADY_RATED, NOT_COMPLETED
from .selectors import (
    appointment_by_pk,
    appointment_phone,
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
    "appointment_book",
    "appointment_by_pk",
    "appointment_cancel",
    "appointment_phone",
    "appointment_reschedule",
    "case_for_token",
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

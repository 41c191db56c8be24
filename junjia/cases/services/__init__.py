"""The cases app's writes, one module per aggregate: items (the catalogue), availability (who
may handle a case: the first-handler rule, through staffing.api), case_flow (a case from the
window to completion), extensions, appointments, followup (callbacks, ratings, the bad-review
loop). Rules cite 000 §7 and §9. Callers use `services.<name>`; the names are gathered here."""

from .appointments import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    find_appointment,
    slot_create,
)
from .availability import can_handle, current_handler_ids
from .case_flow import (
    case_accept,
    case_actions,
    case_complete,
    case_issue_notice,
    case_mark_incomplete,
    case_move,
    case_open,
    case_open_for_need,
    case_recheck,
    case_record_doorstep,
    case_refuse,
    check_materials,
    closing_time,
    handover_record,
)
from .common import (
    CALLBACK_DAYS,
    RECHECK_STATUSES,
    case_for_token,
    rating_token,
    rating_url,
)
from .extensions import extension_decide, extension_request
from .followup import (
    callback_record,
    callback_reveal_phone,
    evaluation_submit,
    loop_advance,
    loop_next_stage,
    loop_open,
    loop_refusal,
)
from .items import item_publish

__all__ = [
    "CALLBACK_DAYS",
    "RECHECK_STATUSES",
    "appointment_book",
    "appointment_cancel",
    "appointment_reschedule",
    "callback_record",
    "callback_reveal_phone",
    "can_handle",
    "case_accept",
    "case_actions",
    "case_complete",
    "case_for_token",
    "case_issue_notice",
    "case_mark_incomplete",
    "case_move",
    "case_open",
    "case_open_for_need",
    "case_recheck",
    "case_record_doorstep",
    "case_refuse",
    "check_materials",
    "closing_time",
    "current_handler_ids",
    "evaluation_submit",
    "extension_decide",
    "extension_request",
    "find_appointment",
    "handover_record",
    "item_publish",
    "loop_advance",
    "loop_next_stage",
    "loop_open",
    "loop_refusal",
    "rating_token",
    "rating_url",
    "slot_create",
]

"""Who may handle a case today: its first handler, and while they are away their B on the
window (000 §7 首办负责制, AB角工作制) — the rule is staffing's (junjia.staffing.api), applied
here to a case with the case capabilities."""

import datetime as dt

from junjia.cases import roles
from junjia.orgs.api import can_reach
from junjia.staffing.api import handler_ids

from ..models import Case


def current_handler_ids(case: Case, day: dt.date | None = None) -> set[int]:
    """The owner, and while the owner is away their backup (B) too."""
    return handler_ids(case.owner_id, day)


def can_handle(actor, case: Case) -> bool:
    if not can_reach(actor, roles.HANDLE, case.region_key):
        return False
    if actor.pk in current_handler_ids(case):
        return True
    return can_reach(actor, roles.SUPERVISE, case.region_key)

"""Showing one full identity or phone number to a person: only when the caller's
jurisdiction check allows it, and never without its audit row."""

from collections.abc import Callable

from django.db import transaction

from junjia.core.context import Refusal, note_refusal
from junjia.core.errors import NotPermitted
from junjia.core.workflow import Can

REVEAL_REFUSED = "您没有查看完整证件号码和电话的权限。"


def reveal(
    read: Callable[[], str],
    *,
    revealed: str,
    actor,
    capability: str,
    can: Can,
    obj,
    refusal: str = REVEAL_REFUSED,
    audit_obj=None,
    subject_id: str = "",
    extra: dict | None = None,
) -> str:
    """The plain value `read()` gives, once `can(actor, capability, obj)` — the app's check
    through the jurisdiction kernel (core imports no app, as in the workflow kernel) — says
    yes; otherwise NotPermitted (its reason, or `refusal`). `read` may refuse too (a wrong
    state, no number). One audit row (view, extra.revealed) on `audit_obj` (default `obj`),
    in the same transaction as the read."""
    answer = can(actor, capability, obj)
    if answer is not True:
        note_refusal(
            Refusal(
                attempt="reveal",
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                capability=capability,
                region_key=getattr(obj, "region_key", None),
            )
        )
        raise NotPermitted(answer if isinstance(answer, str) and answer else refusal)
    # Imported here: validation and masking load without Django's models.
    from junjia.core import audit
    from junjia.core.models import AuditAction

    with transaction.atomic():
        value = read()
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=obj if audit_obj is None else audit_obj,
            subject_id=subject_id,
            extra={"revealed": revealed, **(extra or {})},
        )
    return value

"""What the cases API views share: request bodies, query dates, the audit row of a list,
and the answer shapes — 400 {"字段": ["消息"]}, 403, 404 outside the jurisdiction, and 409
{"detail": "消息", …} when the object's current state forbids the operation."""

import datetime as dt
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from rest_framework.exceptions import APIException, ValidationError

from junjia.core import audit, personal
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.orgs.api import jurisdiction_of

from ..views import work_reads as reads

BAD_DATE = "日期格式应为 YYYY-MM-DD。"
BAD_NUMBER = "应为正整数。"


class Conflict(APIException):
    """409: the object is not in a state that allows the operation (already decided, slot
    full, a transition the workflow table does not have)."""

    status_code = 409
    default_detail = "当前状态不允许此操作。"
    default_code = "conflict"


def today() -> dt.date:
    return reads.today()


def date_param(params, name: str, default: dt.date | None) -> dt.date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: [BAD_DATE]}) from exc


def int_param(params, name: str) -> int | None:
    """A positive whole number from the query string, or None when not given."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) >= 2**63:  # a database id never reaches 2⁶³
        raise ValidationError({name: [BAD_NUMBER]})
    return int(raw)


def record_list(actor, object_type: str, label: str, params: dict) -> None:
    """One audit row per list of personal data shown: the filter, never one row per person;
    long digit runs in a search text are masked."""
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=object_type,
        object_repr=label,
        region_key=juris.low if juris else None,
        extra={
            key: personal.mask_text(str(value))
            for key, value in params.items()
            if value not in ("", None)
        },
    )


def record_view(actor, obj, page: str, *, subject_id: str = "") -> None:
    """One audit row each time an object with personal data is shown."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=obj,
        region_key=obj.region_key,
        subject_id=subject_id,
        extra={"page": page},
    )


@contextmanager
def refusals(
    *,
    fields: dict[str, str] | None = None,
    conflicts: tuple[str, ...] = (),
    forbidden: tuple[str, ...] = (),
    default_field: str | None = None,
):
    """Turn a service's refusal (a DomainError with a Chinese message) into the answer
    shapes of this API: the rule's field (400), the object's state (409), or who may do it
    (403). Anything else stays a 400 {"detail": …} (junjia.core.rest)."""
    try:
        yield
    except DomainError as exc:
        message = str(exc)
        if message in forbidden:
            raise PermissionDenied(message) from exc
        if message in conflicts:
            raise Conflict({"detail": message}) from exc
        field = (fields or {}).get(message, default_field)
        if field:
            raise ValidationError({field: [message]}) from exc
        raise

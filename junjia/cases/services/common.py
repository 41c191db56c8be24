"""What the cases services share: the clock, the applicant's phone, station heads, a history
that is the audit log."""

import datetime as dt

from django.conf import settings
from django.core import signing

from junjia.core import audit, clock
from junjia.core.models import AuditAction
from junjia.orgs.api import station_heads

from ..choices import (
    CaseStatus,
)
from ..models import (
    CASE_APPLICANT_PHONE,
    Case,
)

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes, read out by phone
CALLBACK_DAYS = 10


# Materials can be checked again until the case is accepted (the one-time notice loop).
RECHECK_STATUSES = (CaseStatus.CONSULTED, CaseStatus.RECEIVED, CaseStatus.NOTICE_ISSUED)


def _today() -> dt.date:
    return clock.today()


def _audit_step(actor, **extra):
    """A history that is the audit log itself: one audit row per step."""

    def record(step):
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            changes={"status": [step.from_status, step.to_status]},
            extra={**extra, **step.extra} or None,
        )

    return record


def _head_of(station):
    heads: dict = {}
    _heads_of([station.pk], heads)
    return heads[station.pk]


# --- station heads -------------------------------------------------------------------------


def _heads_of(station_ids, known: dict) -> None:
    """Fill `known` {station id: its station head, or None} for stations not in it yet, in
    one query: the active station head with the lowest id."""
    wanted = set(station_ids) - known.keys()
    if not wanted:
        return
    heads = station_heads(wanted)
    known.update({station_id: heads.get(station_id) for station_id in wanted})


# --- the applicant and the rating link ----------------------------------------------------


RATING_SALT = "cases.rating"


def _applicant_phone(case: Case) -> str:
    """The number given at the window, or else the file's ("" if neither)."""
    if case.applicant_phone_enc:
        return CASE_APPLICANT_PHONE.open(case)
    if case.recipient_id:
        from junjia.registry.api import recipient_phone

        return recipient_phone(case.recipient)
    return ""


def rating_url(case: Case) -> str:
    """The public rating link printed as a QR code on the receipt and sent by SMS."""
    from django.urls import reverse

    base = getattr(settings, "JUNJIA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("portal:rate", args=[rating_token(case)])


def rating_token(case: Case) -> str:
    """A signed link token for one case; single use because a case has one evaluation."""
    return signing.dumps({"case": case.pk, "n": case.number}, salt=RATING_SALT, compress=True)


def case_for_token(token: str, max_age_days: int = 90) -> Case | None:
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return None
    return Case.objects.filter(pk=data.get("case"), number=data.get("n")).first()

"""Personal API tokens (issue 12 §3): staff who integrate other systems create, list and
revoke their own; administrators (三员) may not hold one — they sign in with a second factor.

The key is shown once, at creation; only its SHA-256 digest and a short prefix are stored,
and neither the key nor the digest is ever audited or logged (ADR 0021)."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from junjia.core import audit, clock
from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditAction

from .choices import ADMIN_ROLES
from .models import ApiToken, User

KEY_MARK = "jj_"
PREFIX_LENGTH = len(KEY_MARK) + 8
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_EVERY = dt.timedelta(minutes=1)

ADMIN_REFUSED = "管理员账号不能使用接口令牌"
NAME_REQUIRED = "请填写令牌用途。"
EXPIRY_REQUIRED = "请填写有效期。"
EXPIRY_PAST = "有效期须晚于今天。"
EXPIRY_TOO_FAR = "有效期最长为 {days} 天（至 {last}）。"
ALREADY_REVOKED = "该令牌已撤销。"
NOT_YOURS = "只能撤销自己的令牌。"

ACTIVE, EXPIRED, REVOKED = "有效", "已过期", "已撤销"


def max_days() -> int:
    return settings.JUNJIA_API_TOKEN_MAX_DAYS


def latest_expiry() -> dt.date:
    return clock.today() + dt.timedelta(days=max_days())


def holds_admin_role(user) -> bool:
    return any(role in ADMIN_ROLES for role in user.role_codes)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_MARK + secrets.token_urlsafe(32)


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return REVOKED
    if token.expires_on < clock.today():
        return EXPIRED
    return ACTIVE


def tokens_of(user) -> list[ApiToken]:
    tokens = list(ApiToken.objects.filter(user=user))
    for token in tokens:
        token.status_label = token_status(token)
    return tokens


def _audit_snapshot(token: ApiToken) -> dict:
    return audit.snapshot(token, ["name", "prefix", "expires_on", "revoked_at"])


def _check_expiry(expires_on: dt.date | None) -> None:
    if expires_on is None:
        raise InvalidInput(EXPIRY_REQUIRED, field="expires_on")
    if expires_on <= clock.today():
        raise InvalidInput(EXPIRY_PAST, field="expires_on")
    last = latest_expiry()
    if expires_on > last:
        message = EXPIRY_TOO_FAR.format(days=max_days(), last=last.isoformat())
        raise InvalidInput(message, field="expires_on")


def token_create(*, actor: User, name: str, expires_on: dt.date | None) -> tuple[ApiToken, str]:
    """A new token for the actor themselves; returns it and its key, which is never stored."""
    if holds_admin_role(actor):
        raise NotPermitted(ADMIN_REFUSED)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(NAME_REQUIRED, field="name")
    _check_expiry(expires_on)
    key = new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name[:60],
            prefix=key[:PREFIX_LENGTH],
            key_digest=digest(key),
            expires_on=expires_on,
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=token,
            region_key=actor.region_key,
            changes=audit.diff(None, _audit_snapshot(token)),
        )
    return token, key


def token_for_actor(actor: User, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None or token.user_id != actor.pk:
        raise NotPermitted(NOT_YOURS)
    return token


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """The owner revokes their token; it is refused at once and kept for the record."""
    if token.user_id != actor.pk:
        raise NotPermitted(NOT_YOURS)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise InvalidInput(ALREADY_REVOKED)
        before = _audit_snapshot(locked)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            region_key=actor.region_key,
            before=before,
            after=_audit_snapshot(locked),
        )
    return locked


def tokens_revoke_all(user: User) -> int:
    """Disabling an account revokes its tokens (the caller audits the disabling)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_by_key(key: str) -> ApiToken | None:
    if not key.startswith(KEY_MARK):
        return None
    return ApiToken.objects.select_related("user").filter(key_digest=digest(key)).first()


def token_touch(token: ApiToken) -> None:
    """Note the use, at most once a minute (one conditional UPDATE, no read-modify-write)."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now

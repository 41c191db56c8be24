"""Writes for log-in, passwords, the second factor and security administration (GB/T
22239-2019 §8.1.4). Each runs in one transaction with its audit row; no password or secret
ever goes into an audit row."""

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from junjia.core import audit
from junjia.core.models import AuditAction

from . import errors
from .choices import ADMIN_ROLES, Publication, Role
from .models import (
    PasswordHistory,
    Region,
    RoleGrant,
    SecurityPolicy,
    Station,
    StationPublication,
    User,
    UserSession,
)
from .permissions import can_reach, require_capability
from .roles import SECURITY_MANAGE
from .services import _end_sessions, default_station_name, new_account

# The longest history the policy can ask for (SecurityPolicy.history_count ≤ 24).
HISTORY_KEEP = 24
POLICY_FIELDS = [
    "min_length",
    "min_classes",
    "max_age_days",
    "history_count",
    "lockout_failures",
    "lockout_minutes",
    "idle_minutes",
]

OTP_WRONG = "动态口令不正确或已过期，请重新输入。"
OTP_THROTTLED = "动态口令输错次数过多，请 {seconds} 秒后再试。"
OTP_ALREADY_BOUND = "该账号已绑定动态口令；如需更换手机，请联系安全管理员重置二次验证。"
CANNOT_RESET_OWN_OTP = "不能重置自己的二次验证，请由另一名安全管理员操作。"
UNLOCK_OUTSIDE_JURISDICTION = "账号 {username} 不在您的辖区内。"
FIRST_ADMIN_EXISTS = "已存在系统管理员，拒绝再次创建。其他账号请由系统管理员在“人员管理”中创建。"
FIRST_ROLE_EXISTS = "已存在{role}账号，拒绝再次创建。"
FIRST_ADMIN_ROLE = "首个管理员只能是系统管理员、安全管理员或审计管理员之一。"
REGION_MISSING = "区划代码 {code} 不存在：请先载入国家区划代码包。"
ENDED_ELSEWHERE = "您的账号已在其他地方登录，本次登录已结束。如非本人操作，请立即修改密码。"


# --- log-in sessions ----------------------------------------------------------------------


def session_limit(user: User) -> int:
    """How many sessions the person may hold at once: JUNJIA_MAX_ADMIN_SESSIONS for the
    three administrators (default 1), JUNJIA_MAX_SESSIONS for everyone else (default 3)."""
    admin = any(role in ADMIN_ROLES for role in user.role_codes)
    limit = settings.JUNJIA_MAX_ADMIN_SESSIONS if admin else settings.JUNJIA_MAX_SESSIONS
    return max(1, int(limit))


def _forget_dead_sessions(user: User) -> None:
    """Drop the rows of sessions that expired or were removed, and notices of ended
    sessions older than any session cookie can be."""
    now = timezone.now()
    live = Session.objects.filter(expire_date__gt=now).values("session_key")
    user.sessions.filter(ended_at__isnull=True).exclude(session_key__in=live).delete()
    stale = now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    user.sessions.filter(ended_at__lt=stale).delete()


@transaction.atomic
def session_start(*, user: User, session_key: str) -> UserSession:
    """After a successful log-in: remember the session (so disabling or locking the account
    can end it), end the oldest ones past the person's limit, and audit the log-in."""
    # Two log-ins of one account at once queue here, so neither misses the other's session.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    _forget_dead_sessions(user)
    row, _ = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={"user": user, "created_at": timezone.now(), "ended_at": None, "end_reason": ""},
    )
    others = (
        user.sessions.filter(ended_at__isnull=True)
        .exclude(pk=row.pk)
        .order_by("-created_at", "-pk")
        .values_list("session_key", flat=True)
    )
    surplus = list(others[session_limit(user) - 1 :])
    if surplus:
        Session.objects.filter(session_key__in=surplus).delete()
        UserSession.objects.filter(session_key__in=surplus).update(
            ended_at=timezone.now(), end_reason=UserSession.EndReason.REPLACED
        )
    extra = {"sessions_ended": len(surplus)} if surplus else {}
    audit.record(actor=user, action=AuditAction.LOGIN, obj=user, extra=extra)
    return row


def session_end_notice(*, session_key: str) -> str:
    """Why the session with this key was ended by someone else (a newer log-in), once: the
    notice is spent when read. "" when there is nothing to tell. Asked on anonymous
    requests, so it reads before it writes (no write transaction for the public pages)."""
    notices = UserSession.objects.filter(session_key=session_key, ended_at__isnull=False)
    if not notices.exists():
        return ""
    deleted, _ = notices.delete()
    return ENDED_ELSEWHERE if deleted else ""


@transaction.atomic
def session_end(*, user: User, session_key: str | None, reason: str = "") -> None:
    """Before log-out (by the person, or by the idle timeout)."""
    if session_key:
        UserSession.objects.filter(user=user, session_key=session_key).delete()
    extra = {"reason": reason} if reason else {}
    audit.record(actor=user, action=AuditAction.LOGOUT, obj=user, extra=extra)


@transaction.atomic
def session_rekey(*, user: User, old_key: str | None, new_key: str) -> None:
    """The session key changed (password change cycles it); follow it."""
    UserSession.objects.filter(user=user, session_key=old_key).delete()
    UserSession.objects.update_or_create(session_key=new_key, defaults={"user": user})


@transaction.atomic
def login_failed_record(*, actor, username: str, locked_out: bool = False, stage: str = "") -> None:
    """A refused log-in. actor is the anonymous requester (or the user, for a wrong second
    factor); the row names the account tried so the audit administrator can see attacks.
    When django-axes has locked the account, its open sessions end."""
    user = User.objects.filter(username=username).first() if username else None
    extra: dict = {}
    if locked_out:
        extra["locked_out"] = True
        # A locked account's open sessions end too (GB/T 22239-2019 §8.1.4.1 b).
        ended = _end_sessions(user) if user is not None else 0
        if ended:
            extra["sessions_ended"] = ended
    if stage:
        extra["stage"] = stage
    audit.record(
        actor=actor,
        action=AuditAction.LOGIN_FAILED,
        object_type="orgs.user",
        object_id=str(user.pk) if user else "",
        object_repr=username[:200],
        region_key=user.region_key if user else None,
        extra=extra,
    )


# --- passwords ----------------------------------------------------------------------------


@transaction.atomic
def password_change(*, actor: User, new_password: str, keep_session_key: str | None) -> User:
    """The person changes their own password. Validates it against the policy (raises
    django ValidationError), keeps the old hash for the no-reuse rule, ends their other
    sessions and audits the change without any password value."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    password_validation.validate_password(new_password, user)
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[HISTORY_KEEP:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    was_forced = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    # Django already refuses the other sessions (their auth hash no longer matches); remove
    # them so the session list stays true.
    others = list(
        user.sessions.exclude(session_key=keep_session_key).values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=others).delete()
    UserSession.objects.filter(session_key__in=others).delete()
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        extra={"event": "修改密码", "first_login": was_forced, "sessions_ended": len(others)},
    )
    # The caller's user object (request.user) must carry the new hash for
    # update_session_auth_hash.
    actor.password = user.password
    actor.must_change_password = False
    actor.password_changed_at = user.password_changed_at
    return user


# --- the second factor (TOTP) -------------------------------------------------------------


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


@transaction.atomic
def otp_device_begin(*, actor: User) -> TOTPDevice:
    """The unconfirmed device whose key the person scans; one per person, reused until
    confirmed so reloading the page shows the same QR code."""
    if confirmed_device(actor) is not None:
        raise errors.OrgsError(OTP_ALREADY_BOUND)
    device = TOTPDevice.objects.devices_for_user(actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="手机动态口令", confirmed=False)
    return device


def _throttled_message(device: TOTPDevice) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    seconds = 1
    if data and data.get("locked_until"):
        seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return OTP_THROTTLED.format(seconds=seconds)


def otp_device_confirm(*, actor: User, token: str) -> TOTPDevice:
    """Bind the device once the person proves they hold the key. A wrong code counts in
    django-otp's throttling: that counter is committed before the refusal is raised."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.devices_for_user(actor, confirmed=False).select_for_update().first()
        )
        if device is None:
            raise errors.OrgsError(OTP_WRONG)
        message = _throttled_message(device)
        verified = False if message else device.verify_token(token)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
            audit.record(
                actor=actor, action=AuditAction.SECURITY, obj=actor, extra={"event": "绑定动态口令"}
            )
    if not verified:
        raise errors.OrgsError(message or OTP_WRONG)
    return device


def otp_verify(*, actor: User, token: str) -> TOTPDevice:
    """Check the code at log-in. A wrong or throttled code is audited and counted, and
    committed before the refusal (OrgsError) is raised."""
    device = confirmed_device(actor)
    if device is None:
        raise errors.OrgsError(OTP_WRONG)
    with transaction.atomic():
        message = _throttled_message(device)
        verified = None if message else verify_token(actor, device.persistent_id, token)
        if verified is None:
            login_failed_record(actor=actor, username=actor.get_username(), stage="二次验证")
    if verified is None:
        raise errors.OrgsError(message or OTP_WRONG)
    return verified


@transaction.atomic
def otp_reset(*, actor, user: User) -> int:
    """The security administrator removes a person's TOTP devices (lost phone). Their
    sessions end, so the next log-in must bind a new device."""
    require_capability(actor, SECURITY_MANAGE)
    if not can_reach(actor, SECURITY_MANAGE, user.region_key):
        raise errors.OrgsError(UNLOCK_OUTSIDE_JURISDICTION.format(username=user.get_username()))
    if actor.pk == user.pk:
        raise errors.OrgsError(CANNOT_RESET_OWN_OTP)
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        obj=user,
        extra={"event": "重置二次验证", "devices_removed": count},
    )
    return count


@transaction.atomic
def otp_reset_by_operator(*, user: User, operator_note: str) -> int:
    """Recovery when no security administrator can act (e.g. the only one lost the phone):
    run by whoever operates the server, from the command line, and audited as such."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    audit.record(
        actor=None,
        action=AuditAction.SECURITY,
        obj=user,
        extra={
            "event": "运维人员命令行重置二次验证",
            "note": operator_note,
            "devices_removed": count,
        },
    )
    return count


@transaction.atomic
def audit_admin_release_by_operator(*, user: User, operator_note: str) -> bool:
    """Take the audit-administrator role from an account, from the server's command line:
    no system or security administrator may (separation.py), so a departing or
    compromised auditor is released by whoever operates the server, on the record. The
    account then waits for a grant; its sessions end. False when it held no such role."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    removed, _ = locked.role_grants.filter(role=Role.AUDIT_ADMIN).delete()
    if not removed:
        return False
    ended = _end_sessions(locked)
    audit.record(
        actor=None,
        action=AuditAction.SECURITY,
        obj=locked,
        changes={"roles": [[Role.AUDIT_ADMIN.value], sorted(locked.role_codes)]},
        extra={
            "event": "运维人员命令行撤销审计管理员",
            "note": operator_note,
            "sessions_ended": ended,
        },
    )
    return True


# --- security administration --------------------------------------------------------------


@transaction.atomic
def security_policy_update(*, actor, data: dict) -> SecurityPolicy:
    require_capability(actor, SECURITY_MANAGE)
    SecurityPolicy.current()
    policy = SecurityPolicy.objects.select_for_update().get(pk=1)
    before = audit.snapshot(policy, POLICY_FIELDS)
    changed = [f for f in POLICY_FIELDS if f in data and getattr(policy, f) != data[f]]
    for field in changed:
        setattr(policy, field, data[field])
    if changed:
        policy.full_clean()
        policy.save(update_fields=[*changed, "updated_at"])
        audit.record_change(
            actor=actor,
            action=AuditAction.SECURITY,
            obj=policy,
            before=before,
            after=audit.snapshot(policy, POLICY_FIELDS),
            extra={"event": "修改安全策略"},
        )
    return policy


@transaction.atomic
def lockout_release(*, actor, username: str) -> int:
    """Unlock an account locked by repeated failed log-ins (django-axes records)."""
    require_capability(actor, SECURITY_MANAGE)
    user = User.objects.filter(username=username).first()
    if user is not None and not can_reach(actor, SECURITY_MANAGE, user.region_key):
        raise errors.OrgsError(UNLOCK_OUTSIDE_JURISDICTION.format(username=username))
    count, _ = AccessAttempt.objects.filter(username=username).delete()
    audit.record(
        actor=actor,
        action=AuditAction.SECURITY,
        object_type="orgs.user",
        object_id=str(user.pk) if user else "",
        object_repr=username[:200],
        region_key=user.region_key if user else None,
        extra={"event": "解除登录锁定", "attempts_removed": count},
    )
    return count


# --- bootstrap ----------------------------------------------------------------------------


@transaction.atomic
def first_admin_create(
    *, username: str, region_code: str, role: str = Role.SYSTEM_ADMIN, full_name: str = ""
) -> tuple[User, str]:
    """The first administrator, made from the command line (no default passwords). Creates
    the region's station if missing. Returns the user and a one-time password that is never
    stored in plain text; the person must change it at first log-in."""
    if role not in ADMIN_ROLES:
        raise errors.OrgsError(FIRST_ADMIN_ROLE)
    # Serialise concurrent bootstraps on the role table.
    existing = RoleGrant.objects.select_for_update().filter(role__in=[Role.SYSTEM_ADMIN, role])
    held = set(existing.values_list("role", flat=True))
    if Role.SYSTEM_ADMIN in held:
        raise errors.OrgsError(FIRST_ADMIN_EXISTS)
    if role in held:
        raise errors.OrgsError(FIRST_ROLE_EXISTS.format(role=Role(role).label))
    username = username.strip()
    if not username:
        raise errors.OrgsError("用户名不能为空。")
    if User.objects.filter(username__iexact=username).exists():
        raise errors.OrgsError(errors.USERNAME_TAKEN.format(username=username))
    region = Region.objects.filter(code=region_code.strip()).first()
    if region is None:
        raise errors.OrgsError(REGION_MISSING.format(code=region_code))
    station = Station.objects.filter(region=region).first()
    if station is None:
        station = Station.objects.create(
            region=region, region_key=region.key, name=default_station_name(region)
        )
        StationPublication.objects.bulk_create(
            [StationPublication(station=station, kind=kind) for kind in Publication.values]
        )
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            obj=station,
            changes=audit.diff(None, audit.snapshot(station, ["name", "region"])),
            extra={"event": "初始化"},
        )
    return bootstrap_admin(
        station=station, username=username, role=role, full_name=full_name, event="创建首个管理员"
    )


def bootstrap_admin(
    *, station: Station, username: str, role: str, full_name: str, event: str
) -> tuple[User, str]:
    """An administrator made by whoever operates the server (actor: 系统), the one way an
    account gets a role without the security administrator: the first administrator, and
    the demo's two administrators who then make every other demo account."""
    user, password = new_account(station=station, username=username, full_name=full_name)
    RoleGrant.objects.create(user=user, role=role)
    audit.record(
        actor=None,
        action=AuditAction.CREATE,
        obj=user,
        changes=audit.diff(
            None,
            {
                **audit.snapshot(user, ["username", "full_name", "station", "is_active"]),
                "roles": [role],
            },
        ),
        extra={"event": event},
    )
    return user, password

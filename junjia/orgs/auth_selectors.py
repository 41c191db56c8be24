"""Reads for the security administrator's pages: current lock-outs and second-factor status,
both cut to the actor's jurisdiction."""

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.db.models import Max, Prefetch, Q, Sum
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import ADMIN_ROLES, Role
from .models import RoleGrant, SecurityPolicy, User
from .permissions import can_reach, region_scope
from .roles import SECURITY_MANAGE


@dataclass(frozen=True)
class Lockout:
    username: str
    user: User | None
    failures: int
    last_attempt: dt.datetime
    unlock_at: dt.datetime
    locked: bool
    ip_addresses: tuple[str, ...]


def lockouts_for_actor(actor, *, now: dt.datetime | None = None) -> list[Lockout]:
    """Usernames with failed log-ins inside the cool-off window (django-axes counts only
    those): locked ones first. Staff outside the actor's jurisdiction are left out; names
    that match no account (guessing attacks) are shown to every security administrator."""
    now = now or timezone.now()
    policy = SecurityPolicy.current()
    cool_off = dt.timedelta(minutes=policy.lockout_minutes)
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off, username__isnull=False)
    rows = list(
        recent.values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("-last")
    )
    names = [r["username"] for r in rows]
    users = {
        u.username: u for u in User.objects.filter(username__in=names).select_related("station")
    }
    ips: dict[str, set[str]] = {}
    for username, ip in recent.filter(username__in=names).values_list("username", "ip_address"):
        if ip:
            ips.setdefault(username, set()).add(ip)
    result = []
    for row in rows:
        user = users.get(row["username"])
        if user is not None and not can_reach(actor, SECURITY_MANAGE, user.region_key):
            continue
        result.append(
            Lockout(
                username=row["username"],
                user=user,
                failures=row["failures"],
                last_attempt=row["last"],
                unlock_at=row["last"] + cool_off,
                locked=row["failures"] >= policy.lockout_failures,
                ip_addresses=tuple(sorted(ips.get(row["username"], ()))),
            )
        )
    result.sort(key=lambda lo: (not lo.locked, -lo.last_attempt.timestamp()))
    return result


@dataclass(frozen=True)
class SecondFactorStatus:
    user: User
    role_labels: tuple[str, ...]
    required: bool
    confirmed: bool
    pending: bool
    last_used_at: dt.datetime | None


def second_factor_status_for_actor(actor) -> list[SecondFactorStatus]:
    """Staff in the jurisdiction who must use a second factor, or who hold a device."""
    users = (
        User.objects.filter(region_scope(actor, SECURITY_MANAGE))
        .filter(Q(role_grants__role__in=ADMIN_ROLES) | Q(totpdevice__isnull=False))
        .distinct()
        .select_related("station")
        .prefetch_related(
            Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")),
            Prefetch("totpdevice_set", queryset=TOTPDevice.objects.order_by("-confirmed", "id")),
        )
        .order_by("region_key", "username")
    )
    result = []
    for user in users:
        roles = [g.role for g in user.role_grants.all()]
        devices = list(user.totpdevice_set.all())
        confirmed = [d for d in devices if d.confirmed]
        result.append(
            SecondFactorStatus(
                user=user,
                role_labels=tuple(Role(r).label for r in roles),
                required=any(r in ADMIN_ROLES for r in roles),
                confirmed=bool(confirmed),
                pending=bool(devices) and not confirmed,
                last_used_at=confirmed[0].last_used_at if confirmed else None,
            )
        )
    return result

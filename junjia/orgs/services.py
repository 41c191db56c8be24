"""Writes for regions, stations and staff. Each runs in one transaction with its audit row."""

import secrets
import string

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction

from . import errors, separation, token_services
from .choices import CENTRE_LEVELS, Level, Publication, RegionSource
from .codes import CodeError, check_child, key_of, subtree_range
from .models import (
    PasswordHistory,
    Region,
    RoleGrant,
    Station,
    StationPhoto,
    StationPublication,
    User,
)
from .permissions import can_reach, require_capability
from .roles import REGION_MANAGE, STAFF_MANAGE, STATION_EDIT

STATION_PROFILE_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "phone",
    "hotline",
    "office_hours",
    "authorised_posts",
    "filled_posts",
    "funding_in_budget",
]


def _require_region(actor, capability: str, region: Region) -> None:
    require_capability(actor, capability)
    if not can_reach(actor, capability, region.key):
        raise errors.OrgsError(errors.REGION_OUTSIDE_JURISDICTION.format(code=region.code))


# --- regions ------------------------------------------------------------------------------


def validate_new_region(*, parent: Region, code: str, name: str) -> Level:
    """Checks shared by the form and the Excel import; raises OrgsError or CodeError."""
    code = code.strip()
    level = check_child(parent.code, parent.level, code)
    if level < Level.TOWNSHIP:
        raise errors.OrgsError(errors.REGION_LEVEL_NOT_MANUAL)
    if not name.strip():
        raise errors.OrgsError("名称不能为空。")
    return level


def region_build(*, parent: Region, code: str, name: str, source: str) -> Region:
    level = validate_new_region(parent=parent, code=code, name=name)
    code = code.strip()
    name = name.strip()
    _, high = subtree_range(code)
    return Region(
        code=code,
        name=name,
        level=level,
        parent=parent,
        key=key_of(code),
        key_high=high,
        full_name=parent.full_name + name,
        source=source,
    )


@transaction.atomic
def region_create(*, actor, parent: Region, code: str, name: str) -> Region:
    _require_region(actor, REGION_MANAGE, parent)
    existing = Region.objects.filter(code=code.strip()).first()
    if existing:
        raise errors.OrgsError(errors.REGION_CODE_EXISTS.format(code=code, name=existing.full_name))
    region = region_build(parent=parent, code=code, name=name, source=RegionSource.MANUAL)
    region.save(force_insert=True)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=region,
        region_key=region.key,
        changes=audit.diff(None, audit.snapshot(region, ["code", "name", "level", "parent"])),
    )
    return region


@transaction.atomic
def region_rename(*, actor, region: Region, name: str) -> Region:
    _require_region(actor, REGION_MANAGE, region)
    if region.level < Level.TOWNSHIP:
        raise errors.OrgsError(errors.REGION_LEVEL_NOT_MANUAL)
    name = name.strip()
    if not name:
        raise errors.OrgsError("名称不能为空。")
    before = audit.snapshot(region, ["name", "full_name"])
    region.name = name
    region.full_name = (region.parent.full_name if region.parent else "") + name
    region.save(update_fields=["name", "full_name"])
    audit.record_change(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=region,
        region_key=region.key,
        before=before,
        after=audit.snapshot(region, ["name", "full_name"]),
    )
    return region


# --- stations -----------------------------------------------------------------------------


def default_station_name(region: Region) -> str:
    # 002 §4.1: 牌匾内容为“某县退役军人服务中心”“某乡镇（街道）退役军人服务站”…
    suffix = "退役军人服务中心" if region.level in CENTRE_LEVELS else "退役军人服务站"
    return f"{region.name}{suffix}"


@transaction.atomic
def station_create(*, actor, region: Region, name: str = "") -> Station:
    _require_region(actor, STATION_EDIT, region)
    existing = Station.objects.filter(region=region).first()
    if existing:
        raise errors.OrgsError(
            errors.STATION_EXISTS.format(region=region.full_name, station=existing)
        )
    station = Station.objects.create(
        region=region, region_key=region.key, name=name.strip() or default_station_name(region)
    )
    StationPublication.objects.bulk_create(
        [StationPublication(station=station, kind=kind) for kind in Publication.values]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=station,
        changes=audit.diff(None, audit.snapshot(station, STATION_PROFILE_FIELDS)),
    )
    return station


def validate_station_posts(*, authorised: int, filled: int) -> None:
    """Filled posts within the authorised ones (002 §4.3 counts the one against the other).
    Checked by station_update_profile; the form calls it too, to show it beside other errors."""
    if filled > authorised:
        raise InvalidInput(errors.FILLED_OVER_AUTHORISED, field="filled_posts")


@transaction.atomic
def station_update_profile(*, actor, station: Station, data: dict) -> Station:
    _require_region(actor, STATION_EDIT, station.region)
    locked = Station.objects.select_for_update().get(pk=station.pk)
    before = audit.snapshot(locked, STATION_PROFILE_FIELDS)
    changed = [f for f in STATION_PROFILE_FIELDS if f in data and getattr(locked, f) != data[f]]
    for field in changed:
        setattr(locked, field, data[field])
    validate_station_posts(authorised=locked.authorised_posts, filled=locked.filled_posts)
    if changed:
        locked.full_clean(exclude=["region"])
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before=before,
            after=audit.snapshot(locked, STATION_PROFILE_FIELDS),
        )
    return locked


@transaction.atomic
def station_set_publications(*, actor, station: Station, contents: dict[str, str]) -> None:
    _require_region(actor, STATION_EDIT, station.region)
    current = {p.kind: p for p in station.publications.select_for_update()}
    changes = {}
    for kind, text in contents.items():
        Publication(kind)  # refuses unknown kinds
        pub = current.get(kind) or StationPublication(station=station, kind=kind)
        if pub.content != text:
            changes[kind] = [pub.content, text]
            pub.content = text
            pub.save()
    if changes:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=station,
            changes=changes,
            extra={"section": "六公示"},
        )


@transaction.atomic
def station_add_photo(*, actor, station: Station, image, caption: str = "") -> StationPhoto:
    _require_region(actor, STATION_EDIT, station.region)
    photo = StationPhoto.objects.create(station=station, image=image, caption=caption)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=photo,
        region_key=station.region_key,
        changes={"image": [None, photo.image.name], "caption": [None, caption]},
    )
    return photo


@transaction.atomic
def station_remove_photo(*, actor, photo: StationPhoto) -> None:
    _require_region(actor, STATION_EDIT, photo.station.region)
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=photo,
        region_key=photo.station.region_key,
        changes={"image": [photo.image.name, None]},
    )
    photo.image.delete(save=False)
    photo.delete()


# --- staff --------------------------------------------------------------------------------


def generate_password(length: int = 14) -> str:
    """A one-time password meeting the policy: all four character classes."""
    # No look-alikes (0/O, 1/l/I): the password is often read out to a colleague.
    alphabet = (
        "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI") + "!@#%^*-_+="
    )
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


def _staff_snapshot(user: User) -> dict:
    data = audit.snapshot(user, ["username", "full_name", "office_phone", "station", "is_active"])
    data["roles"] = sorted(user.role_grants.values_list("role", flat=True))
    return data


def _locked(user: User) -> User:
    """The target's row, locked for the rest of the transaction, with its roles read fresh."""
    return (
        User.objects.select_related("station__region")
        .select_for_update(of=("self",))
        .get(pk=user.pk)
    )


def new_account(
    *, station: Station, username: str, full_name: str, office_phone: str = ""
) -> tuple[User, str]:
    """The row of a new account, with no role, and its one-time password (which the person
    must change at first log-in). Callers check the rules and write the audit row."""
    password = generate_password()
    user = User.objects.create(
        username=username,
        full_name=full_name.strip(),
        office_phone=office_phone.strip(),
        station=station,
        region_key=station.region_key,
        password=make_password(password),
        must_change_password=True,
        password_changed_at=timezone.now(),
    )
    return user, password


def staff_create(
    *, actor, station: Station, username: str, full_name: str, office_phone: str
) -> tuple[User, str]:
    """Create an account with a one-time password the person must change at first log-in.
    It holds no role until the security administrator grants one (staff_set_roles)."""
    username = username.strip()
    refusal = separation.account_refusal(actor=actor)
    if refusal is not None:
        raise separation.refused(
            refusal,
            actor=actor,
            attempt="新增账号",
            object_repr=username,
            region_key=station.region_key,
        )
    with transaction.atomic():
        _require_region(actor, STAFF_MANAGE, station.region)
        if User.objects.filter(username__iexact=username).exists():
            raise errors.OrgsError(errors.USERNAME_TAKEN.format(username=username))
        user, password = new_account(
            station=station, username=username, full_name=full_name, office_phone=office_phone
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            changes=audit.diff(None, _staff_snapshot(user)),
        )
    return user, password


def staff_update(*, actor, user: User, full_name: str, office_phone: str, station: Station) -> User:
    """The system administrator edits a person's name, phone and station (not their roles:
    staff_set_roles)."""
    with transaction.atomic():
        target = _locked(user)
        refusal = separation.account_refusal(actor=actor, target=target)
        if refusal is None:
            _require_region(actor, STAFF_MANAGE, station.region)
            _require_region(actor, STAFF_MANAGE, target.station.region)
            before = _staff_snapshot(target)
            target.full_name = full_name.strip()
            target.office_phone = office_phone.strip()
            target.station = station
            target.region_key = station.region_key
            target.save(update_fields=["full_name", "office_phone", "station", "region_key"])
            audit.record_change(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=target,
                before=before,
                after=_staff_snapshot(target),
            )
            return target
    raise separation.refused(refusal, actor=actor, attempt="修改账号", target=target)


def staff_set_roles(*, actor, user: User, roles: list[str]) -> User:
    """The security administrator gives a person exactly `roles` (empty: none, the account
    waits for a grant again). Rules and refusals: separation.roles_refusal."""
    roles = sorted(set(roles))
    with transaction.atomic():
        target = _locked(user)
        refusal = separation.roles_refusal(actor=actor, target=target, roles=roles)
        if refusal is None:
            before = _staff_snapshot(target)
            current = set(before["roles"])
            target.role_grants.filter(role__in=current - set(roles)).delete()
            RoleGrant.objects.bulk_create(
                [RoleGrant(user=target, role=r) for r in sorted(set(roles) - current)]
            )
            target.__dict__.pop("_role_codes", None)
            if before["roles"] != roles:
                audit.record_change(
                    actor=actor,
                    action=AuditAction.SECURITY,
                    obj=target,
                    before={"roles": before["roles"]},
                    after={"roles": roles},
                    extra={"event": "授予角色"},
                )
            return target
    raise separation.refused(
        refusal, actor=actor, attempt="授予角色", target=target, detail={"roles": roles}
    )


def staff_set_active(*, actor, user: User, active: bool) -> User:
    """Disabling ends the person's sessions at once and revokes their API tokens."""
    with transaction.atomic():
        target = _locked(user)
        refusal = separation.account_refusal(actor=actor, target=target, disabling=not active)
        if refusal is None:
            _require_region(actor, STAFF_MANAGE, target.station.region)
            before = _staff_snapshot(target)
            target.is_active = active
            target.save(update_fields=["is_active"])
            ended = 0
            if not active:
                token_services.tokens_revoke_all(target)
                ended = _end_sessions(target)
            audit.record_change(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=target,
                before=before,
                after=_staff_snapshot(target),
                extra={"sessions_ended": ended} if ended else None,
            )
            return target
    raise separation.refused(
        refusal, actor=actor, attempt="启用账号" if active else "停用账号", target=target
    )


def _end_sessions(user: User) -> int:
    """End every open session of the person now (their next request is anonymous);
    returns how many were open."""
    from django.contrib.sessions.models import Session

    keys = list(user.sessions.filter(ended_at__isnull=True).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    user.sessions.all().delete()
    return len(keys)


def staff_reset_password(*, actor, user: User) -> str:
    with transaction.atomic():
        target = _locked(user)
        refusal = separation.account_refusal(actor=actor, target=target)
        if refusal is None:
            _require_region(actor, STAFF_MANAGE, target.station.region)
            password = generate_password()
            PasswordHistory.objects.create(user=target, password=target.password)
            target.password = make_password(password)
            target.must_change_password = True
            target.password_changed_at = timezone.now()
            target.save(update_fields=["password", "must_change_password", "password_changed_at"])
            _end_sessions(target)
            audit.record(
                actor=actor, action=AuditAction.SECURITY, obj=target, extra={"event": "重置密码"}
            )
            return password
    raise separation.refused(refusal, actor=actor, attempt="重置密码", target=target)


__all__ = [
    "CodeError",
    "region_create",
    "region_rename",
    "staff_create",
    "staff_reset_password",
    "staff_set_active",
    "staff_set_roles",
    "staff_update",
    "station_create",
    "station_update_profile",
]

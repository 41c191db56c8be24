"""Who is at work and who stands in: A/B roles at the windows, leave, lunch duty, and the
first-handler rule (000 §7 AB角工作制, 首办负责制, 午间服务). Later modules ask the same
questions through cases.api."""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from junjia.core import audit, notifications
from junjia.core.models import AuditAction
from junjia.core.workdays import is_working_day
from junjia.orgs.api import can_reach

from .. import errors
from ..models import (
    Case,
    Leave,
    LunchDuty,
    WindowPost,
)
from .common import _today

# --- who handles a case (首办负责制 and AB角工作制) -----------------------------------


def on_leave(user, day: dt.date) -> bool:
    return Leave.objects.filter(user=user, start_date__lte=day, end_date__gte=day).exists()


def stand_ins_for(user, day: dt.date) -> list:
    """Primaries whose backup is `user` and who are away on `day`."""
    primaries = WindowPost.objects.filter(backup=user).values_list("primary_id", flat=True)
    away = Leave.objects.filter(user_id__in=primaries, start_date__lte=day, end_date__gte=day)
    return list(away.values_list("user_id", flat=True).distinct())


def current_handler_ids(case: Case, day: dt.date | None = None) -> set[int]:
    """The owner, and while the owner is away their backup (B) too."""
    day = day or _today()
    handlers = {case.owner_id}
    if on_leave(case.owner, day):
        handlers |= set(
            WindowPost.objects.filter(primary_id=case.owner_id).values_list("backup_id", flat=True)
        )
    return handlers


def can_handle(actor, case: Case) -> bool:
    if not can_reach(actor, "cases.handle", case.region_key):
        return False
    if actor.pk in current_handler_ids(case):
        return True
    return can_reach(actor, "cases.supervise", case.region_key)


# --- AB roles, leave, lunch duty ---------------------------------------------------------------


@transaction.atomic
def window_save(
    *, actor, station, name: str, primary, backup, window: WindowPost | None = None
) -> WindowPost:
    if not can_reach(actor, "cases.rota", station.region_key):
        raise errors.CaseError("您没有维护本站窗口 AB 角的权限。")
    if primary.pk == backup.pk:
        raise errors.CaseError(errors.AB_SAME_PERSON)
    if primary.station_id != station.pk or backup.station_id != station.pk:
        raise errors.CaseError(errors.AB_STATION)
    window = window or WindowPost(station=station, region_key=station.region_key)
    before = {
        "name": window.name,
        "primary": window.primary_id if window.pk else None,
        "backup": window.backup_id if window.pk else None,
    }
    window.name, window.primary, window.backup = name.strip(), primary, backup
    window.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before["primary"] else AuditAction.CREATE,
        obj=window,
        changes=audit.diff(
            before, {"name": window.name, "primary": primary.pk, "backup": backup.pk}
        ),
    )
    return window


@transaction.atomic
def leave_record(*, actor, user, start: dt.date, end: dt.date, reason: str = "") -> Leave:
    """Refused when the person's A/B partner on any window is away on an overlapping day."""
    if not can_reach(actor, "cases.leave", user.region_key):
        raise errors.CaseError("该人员不在您的辖区内。")
    if actor.pk != user.pk and not can_reach(actor, "cases.rota", user.region_key):
        raise errors.CaseError("只能为自己登记请假，或由站长统一登记。")
    if end < start:
        raise errors.CaseError(errors.LEAVE_DATES)
    posts = WindowPost.objects.filter(Q(primary=user) | Q(backup=user)).select_for_update()
    for post in posts:
        partner = post.backup if post.primary_id == user.pk else post.primary
        clash = Leave.objects.filter(user=partner, start_date__lte=end, end_date__gte=start).first()
        if clash:
            raise errors.CaseError(
                errors.LEAVE_CLASH.format(
                    window=post.name, partner=partner, start=clash.start_date, end=clash.end_date
                )
            )
    leave = Leave.objects.create(
        user=user,
        region_key=user.region_key,
        start_date=start,
        end_date=end,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=leave,
        changes={"user": [None, user.get_username()], "dates": [None, f"{start}–{end}"]},
    )
    backups = WindowPost.objects.filter(primary=user).select_related("backup")
    notifications.notify(
        [p.backup for p in backups],
        f"{user} 于 {start}–{end} 请假，其办件和新工作由您（B 角）负责。",
        link="/cases/",
    )
    return leave


@transaction.atomic
def lunch_duty_set(*, actor, station, day: dt.date, user) -> LunchDuty:
    if not can_reach(actor, "cases.rota", station.region_key):
        raise errors.CaseError("您没有安排本站午间值班的权限。")
    if not is_working_day(day):
        raise errors.CaseError("午间服务只在工作日安排。")
    if user.station_id != station.pk:
        raise errors.CaseError("值班人员须是本站工作人员。")
    duty, _ = LunchDuty.objects.update_or_create(
        station=station, date=day, defaults={"user": user, "region_key": station.region_key}
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=duty,
        changes={"user": [None, user.get_username()]},
    )
    return duty

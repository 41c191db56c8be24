"""Writes of staff availability: windows with their A and B, leave (never A and B away
together), lunch duty on working days (000 §7 AB角工作制, 午间服务)."""

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q

from junjia.core import audit, notifications, replay
from junjia.core.models import AuditAction
from junjia.core.workdays import is_working_day
from junjia.orgs.api import can_reach

from . import errors
from .models import Leave, LunchDuty, WindowPost
from .roles import LEAVE, ROTA


@transaction.atomic
def window_save(
    *, actor, station, name: str, primary, backup, window: WindowPost | None = None
) -> WindowPost:
    if not can_reach(actor, ROTA, station.region_key):
        raise errors.StaffingError(errors.WINDOW_NOT_PERMITTED)
    if primary.pk == backup.pk:
        raise errors.StaffingError(errors.AB_SAME_PERSON)
    if primary.station_id != station.pk or backup.station_id != station.pk:
        raise errors.StaffingError(errors.AB_STATION)
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
    if not can_reach(actor, LEAVE, user.region_key):
        raise errors.StaffingError(errors.LEAVE_NOT_IN_REACH)
    if actor.pk != user.pk and not can_reach(actor, ROTA, user.region_key):
        raise errors.StaffingError(errors.LEAVE_FOR_OTHERS)
    if end < start:
        raise errors.StaffingError(errors.LEAVE_DATES)
    posts = WindowPost.objects.filter(Q(primary=user) | Q(backup=user)).select_for_update()
    for post in posts:
        partner = post.backup if post.primary_id == user.pk else post.primary
        clash = Leave.objects.filter(user=partner, start_date__lte=end, end_date__gte=start).first()
        if clash:
            raise errors.StaffingError(
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
        link="/cases/",  # the work list, where B now sees A's cases
    )
    return leave


@transaction.atomic
def lunch_duty_set(*, actor, station, day: dt.date, user) -> LunchDuty:
    if not can_reach(actor, ROTA, station.region_key):
        raise errors.StaffingError(errors.LUNCH_NOT_PERMITTED)
    if not is_working_day(day):
        raise errors.StaffingError(errors.LUNCH_NOT_WORKING_DAY)
    if user.station_id != station.pk:
        raise errors.StaffingError(errors.LUNCH_STATION)
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


def demo_restamp(*, since: dt.datetime, moved: Callable[[dt.datetime], dt.datetime | None]) -> int:
    """For demos that replay work on past days: move the times of the windows and leave
    written since `since` to `moved(time)` where it gives one; returns the rows changed."""
    fields = ("created_at", "updated_at")
    return sum(
        replay.restamp(model.objects.all(), fields, since, moved) for model in (WindowPost, Leave)
    )

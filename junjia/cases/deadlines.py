"""Case, callback and rectification deadlines recounted when a year's holiday schedule is
entered or corrected (registered with core.workdays.recompute in apps.py)."""

import datetime as dt

from django.utils import timezone

from junjia.core import audit
from junjia.core.models import AuditAction
from junjia.core.workdays.recompute import Moved, moved_due

from .choices import CLOCK_STATUSES, CallbackStatus, LoopStage
from .models import Callback, Case, RectificationLoop


def _move(obj, label: str, owner, link: str, start: dt.date, before, after, actor):
    new = moved_due(before, after, start, obj.due_on)
    if new is None or new == obj.due_on:
        return None
    old = obj.due_on
    obj.due_on = new
    obj.save(update_fields=["due_on", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=obj,
        region_key=obj.region_key,
        changes={"due_on": [old.isoformat(), new.isoformat()]},
        extra={"reason": "节假日安排变更后重算期限"},
    )
    return Moved(owner=owner, label=label, old=old, new=new, link=link)


def recompute_deadlines(*, year: int, before, after, actor=None) -> list[Moved]:
    """Every open case, due callback and open loop stage due on or after 1 January `year`."""
    since = dt.date(year, 1, 1)
    moved = []
    cases = (
        Case.objects.select_for_update()
        .filter(status__in=CLOCK_STATUSES, due_on__gte=since, accepted_on__isnull=False)
        .select_related("owner")
    )
    for case in cases:
        # The limit (and any approved extension) runs from acceptance.
        label = f"办件 {case.number} 的承诺办结日期"
        moved.append(
            _move(
                case,
                label,
                case.owner,
                f"/cases/{case.pk}/",
                case.accepted_on,
                before,
                after,
                actor,
            )
        )
    callbacks = (
        Callback.objects.select_for_update()
        .filter(status=CallbackStatus.DUE, due_on__gte=since)
        .select_related("case", "owner")
    )
    for callback in callbacks:
        start = timezone.localdate(callback.created_at)
        label = f"办件 {callback.case.number} 的回访期限"
        link = f"/cases/callbacks/{callback.pk}/"
        moved.append(_move(callback, label, callback.owner, link, start, before, after, actor))
    loops = (
        RectificationLoop.objects.select_for_update()
        .exclude(stage=LoopStage.CLOSED)
        .filter(due_on__gte=since)
        .select_related("evaluation__case", "owner")
    )
    for loop in loops:
        # The current stage began when the previous one was recorded (or the loop opened).
        last = loop.records.order_by("-at").first()
        start = timezone.localdate(last.at if last else loop.created_at)
        label = f"办件 {loop.evaluation.case.number} 差评整改“{loop.get_stage_display()}”环节期限"
        link = f"/cases/loops/{loop.pk}/"
        moved.append(_move(loop, label, loop.owner, link, start, before, after, actor))
    return [m for m in moved if m is not None]

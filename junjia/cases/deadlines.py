"""The deadlines of cases, callbacks and rectification stages: watched by the one deadline
scanner (core.deadlines — who is told of what), and recounted when a year's holiday schedule
is entered or corrected (core.workdays.recompute). Registered in apps.py."""

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from junjia.core import audit
from junjia.core.deadlines import ESCALATED, OVERDUE, Watch, due_phrase
from junjia.core.models import AuditAction
from junjia.core.workdays.recompute import Moved, moved_due
from junjia.orgs.api import station_heads, station_heads_above

from .choices import CLOCK_STATUSES, CallbackStatus, LoopStage
from .models import Callback, Case, LoopRecord, RectificationLoop
from .workflow import CALLBACK_WORKFLOW, CASE_WORKFLOW, LOOP_WORKFLOW


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
        Case.objects.select_for_update(of=("self",))
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
        Callback.objects.select_for_update(of=("self",))
        .filter(status=CallbackStatus.DUE, due_on__gte=since)
        .select_related("case", "owner")
    )
    for callback in callbacks:
        start = timezone.localdate(callback.created_at)
        label = f"办件 {callback.case.number} 的回访期限"
        link = f"/cases/callbacks/{callback.pk}/"
        moved.append(_move(callback, label, callback.owner, link, start, before, after, actor))
    # The current stage began when the previous one was recorded (or the loop opened).
    stage_began = Subquery(
        LoopRecord.objects.filter(loop=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    loops = (
        RectificationLoop.objects.select_for_update(of=("self",))
        .exclude(stage=LoopStage.CLOSED)
        .filter(due_on__gte=since)
        .annotate(stage_began=stage_began)
        .select_related("evaluation__case", "owner")
    )
    for loop in loops:
        start = timezone.localdate(loop.stage_began or loop.created_at)
        label = f"办件 {loop.evaluation.case.number} 差评整改“{loop.get_stage_display()}”环节期限"
        link = f"/cases/loops/{loop.pk}/"
        moved.append(_move(loop, label, loop.owner, link, start, before, after, actor))
    return [m for m in moved if m is not None]


# --- who is told, and what ------------------------------------------------------------------


def _people(station_of):
    """Due soon: the owner. Overdue: the owner and the station's head. Escalated: the head
    of the station above."""

    def people(rows, kind):
        stations = {row.pk: station_of(row) for row in rows}
        if kind == ESCALATED:
            above = station_heads_above(stations.values())
            return {pk: [above.get(station)] for pk, station in stations.items()}
        heads = station_heads(stations.values()) if kind == OVERDUE else {}
        return {row.pk: [row.owner_id, heads.get(stations[row.pk])] for row in rows}

    return people


def _case_text(case, kind):
    where = f"{case.station.name}的" if kind == ESCALATED else ""
    return f"{where}办件 {case.number}（{case.applicant_name}）{due_phrase(case.due_on, kind)}。"


def _callback_text(callback, kind):
    where = f"{callback.case.station.name}的" if kind == ESCALATED else ""
    return f"{where}办件 {callback.case.number} 的回访{due_phrase(callback.due_on, kind)}。"


def _loop_text(loop, kind):
    case = loop.evaluation.case
    where = f"{case.station.name}的" if kind == ESCALATED else ""
    stage = loop.get_stage_display()
    return f"{where}办件 {case.number} 差评整改“{stage}”环节{due_phrase(loop.due_on, kind)}。"


WATCHES = (
    Watch(
        CASE_WORKFLOW,
        Case,
        people=_people(lambda case: case.station_id),
        text=_case_text,
        link=lambda case: f"/cases/{case.pk}/",
        select_related=("station",),
        only=("number", "applicant_name", "owner", "station__name"),
    ),
    Watch(
        CALLBACK_WORKFLOW,
        Callback,
        people=_people(lambda callback: callback.case.station_id),
        text=_callback_text,
        link=lambda callback: f"/cases/callbacks/{callback.pk}/",
        select_related=("case__station",),
        only=("owner", "case__number", "case__station__name"),
    ),
    Watch(
        LOOP_WORKFLOW,
        RectificationLoop,
        people=_people(lambda loop: loop.evaluation.case.station_id),
        text=_loop_text,
        link=lambda loop: f"/cases/loops/{loop.pk}/",
        select_related=("evaluation__case__station",),
        only=("owner", "evaluation__case__number", "evaluation__case__station__name"),
    ),
)

"""Staff writes around appointments (预约, 000 §7): arrived / no-show marks, staff-side
cancellation and rescheduling within the actor's jurisdiction, and a run of slots at once."""

import datetime as dt
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from junjia.cases import roles
from junjia.core import audit
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction
from junjia.core.workdays import is_working_day
from junjia.core.workflow import perform
from junjia.orgs.api import can_reach

from . import errors, services
from .choices import AppointmentStatus, SlotKind
from .models import Appointment, AppointmentSlot
from .workflow import APPOINTMENT_WORKFLOW

NOT_YOURS = "该预约不在您的辖区内。"
NOT_BOOKED = "该预约已取消或已办理，不能再标记。"
ARRIVED_EARLY = "预约日期（{day}）还没到，不能标记为已到达。"
NO_SHOW_EARLY = "预约时段（{start}）还没开始，不能标记为未到。"
SAME_SLOT = "请选择另一个时段。"
OTHER_STATION = "只能改约到本站的时段。"
SLOT_EXISTS = "{day} {start} 的“{kind}”时段已存在。"
SERIES_LENGTH = "连续设置的天数应在 1 到 20 之间。"
SERIES_NON_WORKDAY = "“非工作日预约”请逐日设置（连续天数填 1）。"
MAX_SERIES = 20


def _now() -> dt.datetime:
    return timezone.now()


def _slot_start(slot: AppointmentSlot) -> dt.datetime:
    return dt.datetime.combine(slot.date, slot.start, tzinfo=timezone.get_current_timezone())


def _require(actor, appointment: Appointment) -> None:
    if not can_reach(actor, roles.APPOINTMENTS, appointment.region_key):
        raise errors.CaseError(NOT_YOURS)


@transaction.atomic
def appointment_mark(*, actor, appointment: Appointment, status: str) -> Appointment:
    """已到达 from the appointment's day on; 未到 once its time has begun."""
    if status not in (AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW):
        raise InvalidInput("只能标记为“已到达”或“未到”。", field="status")
    appointment = Appointment.objects.select_related("slot").get(pk=appointment.pk)
    return perform(
        MARK_WORKFLOW,
        appointment,
        status,
        actor=actor,
        can=_can,
        record=_record,
    )


def _can(actor, capability, appointment) -> bool | str:
    return can_reach(actor, capability, appointment.region_key) or NOT_YOURS


def _record(step) -> None:
    audit.record(
        actor=step.actor,
        action=AuditAction.UPDATE,
        obj=step.obj,
        changes={"status": [step.from_status, step.to_status]},
    )


def _not_early(appointment, actor, **context):
    """已到达 from the appointment's day on; 未到 once its time has begun."""
    now = _now()
    if appointment.slot.date > timezone.localdate(now):
        return ARRIVED_EARLY.format(day=appointment.slot.date)
    return None


def _begun(appointment, actor, **context):
    if _slot_start(appointment.slot) > _now():
        start = f"{appointment.slot.start:%H:%M}"
        return NO_SHOW_EARLY.format(start=start)
    return None


# Marking at the desk: the same appointment workflow, with the rules of time on each mark.
MARK_WORKFLOW = replace(
    APPOINTMENT_WORKFLOW,
    table={
        AppointmentStatus.BOOKED: {
            AppointmentStatus.ARRIVED: replace(
                APPOINTMENT_WORKFLOW.table[AppointmentStatus.BOOKED][AppointmentStatus.ARRIVED],
                guard=_not_early,
                field="status",
            ),
            AppointmentStatus.NO_SHOW: replace(
                APPOINTMENT_WORKFLOW.table[AppointmentStatus.BOOKED][AppointmentStatus.NO_SHOW],
                guard=_begun,
                field="status",
            ),
        }
    },
    final_message=NOT_BOOKED,
)


def appointment_cancel_by_staff(*, actor, appointment: Appointment) -> Appointment:
    _require(actor, appointment)
    return services.appointment_cancel(appointment=appointment, actor=actor)


def appointment_move(*, actor, appointment: Appointment, slot: AppointmentSlot) -> Appointment:
    """Reschedule to a later slot of the same station (the booking keeps its region)."""
    _require(actor, appointment)
    if slot.pk == appointment.slot_id:
        raise errors.CaseError(SAME_SLOT)
    if slot.station_id != appointment.slot.station_id:
        raise errors.CaseError(OTHER_STATION)
    if _slot_start(slot) < _now():
        raise errors.CaseError(errors.SLOT_PAST)
    return services.appointment_reschedule(appointment=appointment, slot=slot, actor=actor)


@transaction.atomic
def slot_series_create(
    *,
    actor,
    station,
    first_day: dt.date,
    days: int,
    start: dt.time,
    end: dt.time,
    kind: str,
    capacity: int,
) -> list[AppointmentSlot]:
    """The same slot on `days` working days from `first_day` (one day for 非工作日预约);
    all or nothing."""
    if not 1 <= days <= MAX_SERIES:
        raise errors.CaseError(SERIES_LENGTH)
    if kind == SlotKind.NON_WORKDAY and days != 1:
        raise errors.CaseError(SERIES_NON_WORKDAY)
    dates, day = [], first_day
    if days == 1:
        dates = [first_day]
    else:
        while len(dates) < days:
            if is_working_day(day):
                dates.append(day)
            day += dt.timedelta(days=1)
    created = []
    for date in dates:
        if AppointmentSlot.objects.filter(
            station=station, date=date, start=start, kind=kind
        ).exists():
            raise errors.CaseError(
                SLOT_EXISTS.format(day=date, start=f"{start:%H:%M}", kind=SlotKind(kind).label)
            )
        created.append(
            services.slot_create(
                actor=actor,
                station=station,
                day=date,
                start=start,
                end=end,
                kind=kind,
                capacity=capacity,
            )
        )
    return created

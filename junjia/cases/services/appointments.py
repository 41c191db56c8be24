"""Appointments (预约服务, 000 §7): slots, booking without over-booking, cancelling, moving,
the public look-up."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from junjia.cases import roles
from junjia.core import audit
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction
from junjia.core.personal import IdNumberError, normalise_mobile, parse_id_number
from junjia.core.workdays import is_working_day
from junjia.core.workflow import perform
from junjia.orgs.api import can_reach

from .. import errors
from ..choices import (
    AppointmentStatus,
    SlotKind,
)
from ..models import (
    APPOINTMENT_ID,
    APPOINTMENT_PHONE,
    Appointment,
    AppointmentSlot,
)
from ..workflow import (
    APPOINTMENT_WORKFLOW,
)
from .common import _CODE_ALPHABET, _audit_step

# --- appointments ----------------------------------------------------------------------------


@transaction.atomic
def slot_create(
    *, actor, station, day: dt.date, start: dt.time, end: dt.time, kind: str, capacity: int
) -> AppointmentSlot:
    if not can_reach(actor, roles.APPOINTMENTS, station.region_key):
        raise errors.CaseError("您没有设置本站预约时段的权限。")
    SlotKind(kind)
    if kind == SlotKind.WORKDAY and not is_working_day(day):
        raise errors.CaseError(errors.SLOT_NOT_WORKDAY)
    if end <= start or capacity < 1:
        raise errors.CaseError("时段结束时间应晚于开始时间，人数至少为 1。")
    slot = AppointmentSlot.objects.create(
        station=station,
        region_key=station.region_key,
        date=day,
        start=start,
        end=end,
        kind=kind,
        capacity=capacity,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=slot)
    return slot


def booking_code() -> str:
    """A new booking code (8 characters without look-alikes); drawn again on a clash."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def appointment_book(
    *,
    slot: AppointmentSlot,
    name: str,
    id_number: str,
    phone: str,
    item=None,
    note: str = "",
    actor=None,
) -> Appointment:
    """Book one place. The conditional UPDATE (booked < capacity) is the only guard needed
    against over-booking: concurrent requests for the last place cannot both succeed, on
    SQLite or PostgreSQL. The person's limits (issue 12 §3) are checked in the same
    transaction and refused as InvalidInput naming `id_number` or `phone`; staff booking
    for a walk-in follows the same limits."""
    number = parse_id_number(id_number).value
    mobile = normalise_mobile(phone)
    if not name.strip():
        raise errors.CaseError("请填写姓名。")
    if (
        dt.datetime.combine(slot.date, slot.start, tzinfo=timezone.get_current_timezone())
        < timezone.now()
    ):
        raise errors.CaseError(errors.SLOT_PAST)
    # Everything that needs no lock is done first: encryption and the blind index are the
    # costly part, and a transaction holding the slot's row should not wait for them.
    fields = {
        "slot": slot,
        "region_key": slot.region_key,
        "name": name.strip(),
        **APPOINTMENT_ID.seal(number),
        **APPOINTMENT_PHONE.seal(mobile),
        "item": item,
        "note": note.strip()[:200],
        "booked_by": actor,
    }
    for attempt in range(5):
        code = booking_code()
        try:
            with transaction.atomic():
                _check_person_limits(slot, fields, staff=actor is not None)
                appointment = Appointment.objects.create(code=code, **fields)
                audit.record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    obj=appointment,
                    region_key=slot.region_key,
                    extra={"channel": "staff" if actor else "public"},
                )
                # The place is taken last, so the slot's row stays locked (against the other
                # bookers of this slot) only from here to the commit.
                taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
                    booked=F("booked") + 1
                )
                if not taken:
                    raise errors.CaseError(errors.SLOT_FULL)
            return appointment
        except IntegrityError:
            # The same person booking this slot twice at the same moment (the check above
            # passed for both): the unique constraint refused the second.
            if _holds_place(slot, fields["id_index"]):
                raise InvalidInput(
                    _for_staff(errors.SAME_SLOT_TWICE, actor is not None), field="id_number"
                ) from None
            # Only a booking code drawn twice (1 in 31⁸ a pair) is tried again, with another
            # code; any other integrity error (a slot deleted meanwhile) is the caller's.
            if attempt == 4 or not Appointment.objects.filter(code=code).exists():
                raise


def _open_bookings():
    """Bookings still to come: booked, in a slot that has not started yet."""
    now = timezone.localtime()
    return Appointment.objects.filter(
        Q(slot__date__gt=now.date()) | Q(slot__date=now.date(), slot__start__gte=now.time()),
        status=AppointmentStatus.BOOKED,
    )


def _holds_place(slot, id_index: str) -> bool:
    return Appointment.objects.filter(
        slot=slot, id_index=id_index, status=AppointmentStatus.BOOKED
    ).exists()


def _for_staff(message: str, staff: bool) -> str:
    return message + errors.STAFF_SAME_LIMITS if staff else message


def _check_person_limits(slot, fields: dict, *, staff: bool) -> None:
    """Issue 12 §3: one place per person in a slot, and at most
    JUNJIA_BOOKING_MAX_OPEN_PER_PERSON open bookings per identity number and per phone.
    Runs in the booking's transaction. On PostgreSQL the person's bookings are serialised by
    transaction-level advisory locks on the two blind indexes (taken in a fixed order, so two
    bookers cannot wait on each other), which makes the counts exact; the unique constraint
    on (slot, id_index) stays the guard of the one-place rule on every database."""
    id_index, phone_index = fields["id_index"], fields["phone_index"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in sorted({f"id:{id_index}", f"phone:{phone_index}"}):
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
    if _holds_place(slot, id_index):
        raise InvalidInput(_for_staff(errors.SAME_SLOT_TWICE, staff), field="id_number")
    limit = settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON
    open_bookings = _open_bookings()
    if open_bookings.filter(id_index=id_index).count() >= limit:
        message = errors.TOO_MANY_BY_ID.format(limit=limit)
        raise InvalidInput(_for_staff(message, staff), field="id_number")
    if open_bookings.filter(phone_index=phone_index).count() >= limit:
        message = errors.TOO_MANY_BY_PHONE.format(limit=limit)
        raise InvalidInput(_for_staff(message, staff), field="phone")


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor=None) -> Appointment:
    # The person (no actor) cancels their own booking from the public page, found by its code
    # and identity number; staff are checked by appointments_admin before this.
    def apply(locked):
        AppointmentSlot.objects.filter(pk=locked.slot_id, booked__gt=0).update(
            booked=F("booked") - 1
        )
        return []

    return perform(
        APPOINTMENT_WORKFLOW,
        appointment,
        AppointmentStatus.CANCELLED,
        actor=actor,
        can=lambda *args: True,
        record=_audit_step(actor),
        apply=apply,
    )


def appointment_reschedule(
    *, appointment: Appointment, slot: AppointmentSlot, actor=None
) -> Appointment:
    """Move to another slot: book the new place first, then free the old one."""
    with transaction.atomic():
        taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if not taken:
            raise errors.CaseError(errors.SLOT_FULL)
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.BOOKED:
            raise errors.CaseError("该预约已取消或已办理。")
        if slot.pk != locked.slot_id and _holds_place(slot, locked.id_index):
            raise InvalidInput(errors.SAME_SLOT_TWICE, field="slot")
        old = locked.slot_id
        AppointmentSlot.objects.filter(pk=old, booked__gt=0).update(booked=F("booked") - 1)
        locked.slot = slot
        locked.save(update_fields=["slot", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            region_key=locked.region_key,
            changes={"slot": [old, slot.pk]},
        )
    return locked


def find_appointment(code: str, id_number: str) -> Appointment | None:
    """Public look-up needs both the code and the number: neither alone reveals anything."""
    try:
        number = parse_id_number(id_number).value
    except IdNumberError:
        return None
    return (
        Appointment.objects.filter(APPOINTMENT_ID.matching(number), code=code.strip().upper())
        .select_related("slot")
        .first()
    )

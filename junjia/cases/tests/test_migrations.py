"""Appointments booked before the phone had a blind index get it from the migration that adds
the column (issue 12 §3: open bookings are counted per phone too)."""

import datetime as dt

import pytest

from junjia.cases.choices import SlotKind
from junjia.cases.models import APPOINTMENT_ID, APPOINTMENT_PHONE, Appointment
from junjia.core.tests.helpers_migrations import latest, migrate

BEFORE = [("cases", "0005_staffing_takes_windows_leave_lunch_duty")]


@pytest.mark.django_db(transaction=True)
def test_bookings_made_before_the_phone_index_are_found_by_their_phone(tree):
    station = tree.stations.village_a
    try:
        # Given a booking written before the phone had an index column
        old = migrate(BEFORE)
        slot = old.get_model("cases", "AppointmentSlot").objects.create(
            station_id=station.pk,
            region_key=station.region_key,
            date=dt.date(2026, 12, 1),
            start=dt.time(9),
            end=dt.time(10),
            kind=SlotKind.VIDEO,
            capacity=2,
            booked=1,
        )
        sealed = {**APPOINTMENT_ID.seal("11010519491231002X")}
        sealed.update(APPOINTMENT_PHONE.seal("13800000000"))
        del sealed["phone_index"]
        booking = old.get_model("cases", "Appointment").objects.create(
            slot_id=slot.pk, region_key=station.region_key, code="OLDCODE1", name="李四", **sealed
        )
    finally:
        # When the database is migrated on
        migrate(latest())
    # Then the booking is found by its phone number, as a new one would be
    found = Appointment.objects.filter(APPOINTMENT_PHONE.matching("13800000000"))
    assert list(found.values_list("pk", flat=True)) == [booking.pk]
    assert APPOINTMENT_PHONE.open(found.get()) == "13800000000"

"""Appointments API (/api/v1/appointments/): the jurisdiction's bookings by day, window and
station, staff booking without over-booking (409 for a full slot), cancellation,
rescheduling and arrived / no-show, masked answers and an audit row for each list, showing
and write."""

import datetime as dt

import pytest

from junjia.cases import appointments_admin, errors, services
from junjia.cases.choices import AppointmentStatus, SlotKind
from junjia.cases.models import Appointment, AppointmentSlot
from junjia.cases.rest import appointments as rest
from junjia.core.models import AuditEntry
from junjia.registry.tests.factories import make_id_number

from . import test_rest as base
from .test_rest import api_for, assert_masked, views_of

frozen, world = base.frozen, base.world  # the shared fixtures

LIST = "/api/v1/appointments/"
ID_NUMBER = "11010519491231002X"
PHONE = "13800000000"
TOMORROW = dt.date(2026, 12, 2)


def slot(world, day=TOMORROW, start=9, capacity=2, station=None, actor=None):
    station = station or world.tree.stations.village_a
    return services.slot_create(
        actor=actor or (world.head if station == world.tree.stations.village_a else world.county),
        station=station,
        day=day,
        start=dt.time(start),
        end=dt.time(start + 1),
        kind=SlotKind.WORKDAY,
        capacity=capacity,
    )


def book(the_slot, name="刘备", actor=None):
    return services.appointment_book(
        slot=the_slot, name=name, id_number=ID_NUMBER, phone=PHONE, actor=actor
    )


def state():
    return (
        list(AppointmentSlot.objects.order_by("pk").values_list("booked", flat=True)),
        list(Appointment.objects.order_by("pk").values_list("status", "slot_id")),
        AuditEntry.objects.exclude(action__in=["view", "security.refused"]).count(),
    )


def booking(**fields):
    return {
        "channel": "phone",
        "name": "关羽",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        **fields,
    }


# --- lists and jurisdiction ----------------------------------------------------------------------


def test_the_list_holds_the_callers_jurisdiction_only(world):
    mine = book(slot(world), name="甲预约人")
    theirs = book(slot(world, station=world.tree.stations.village_b), name="乙预约人")

    def codes(user, **params):
        response = api_for(user).get(LIST, params)
        assert response.status_code == 200, response.json()
        return {row["code"] for row in response.json()["results"]}

    assert codes(world.a) == {mine.code}
    assert codes(world.county) == {mine.code, theirs.code}
    assert codes(world.county, station=world.tree.stations.village_b.pk) == {theirs.code}
    assert codes(world.other_county) == set()


def test_the_list_by_day_and_window_leaves_cancelled_ones_out_unless_asked(world):
    first = book(slot(world), name="第一")
    later = book(slot(world, day=dt.date(2026, 12, 8)), name="第二")
    gone = book(slot(world, start=14), name="已取消")
    services.appointment_cancel(appointment=gone, actor=world.a)
    client = api_for(world.a)

    def names(**params):
        return [row["name"] for row in client.get(LIST, params).json()["results"]]

    assert names() == ["第一", "第二"]
    assert names(date="2026-12-02") == ["第一"]
    assert names(**{"from": "2026-12-03", "to": "2026-12-31"}) == ["第二"]
    assert names(status="cancelled") == ["已取消"]
    response = client.get(LIST, {"from": "2026-12-09", "to": "2026-12-08"})
    assert (response.status_code, response.json()) == (400, {"to": [rest.WINDOW_ORDER]})
    response = client.get(LIST, {"date": "12/02"})
    assert response.json() == {"date": ["日期格式应为 YYYY-MM-DD。"]}
    assert {first.pk, later.pk} <= set(Appointment.objects.values_list("pk", flat=True))


def test_lists_and_showings_are_masked_and_audited(world):
    appointment = book(slot(world))
    client = api_for(world.a)
    listing = client.get(LIST, {"date": "2026-12-02"})
    detail = client.get(f"{LIST}{appointment.pk}/")
    for response in (listing, detail):
        assert response.status_code == 200
        assert_masked(response.content.decode(), ID_NUMBER, PHONE)
    assert detail.json()["id_masked"] == "110105********002X"
    assert detail.json()["phone_masked"] == "138****0000"
    row = AuditEntry.objects.get(object_type="cases.appointment_list")
    assert (row.actor_id, row.extra["date"]) == (world.a.pk, "2026-12-02")
    assert views_of(appointment, "api:appointment-detail").count() == 1


def test_another_countys_head_gets_404_for_every_booking_route(world):
    appointment = book(slot(world))
    other = slot(world, start=14)
    client = api_for(world.other_county)
    before = state()
    path = f"{LIST}{appointment.pk}/"
    assert client.get(path).status_code == 404
    assert client.post(f"{path}cancel/", {}, format="json").status_code == 404
    assert client.post(f"{path}reschedule/", {"slot": other.pk}, format="json").status_code == 404
    assert client.post(f"{path}mark/", {"status": "arrived"}, format="json").status_code == 404
    assert state() == before
    assert not views_of(appointment).exists()


# --- booking ---------------------------------------------------------------------------------


def test_staff_book_a_place_for_a_caller(world):
    the_slot = slot(world)
    response = api_for(world.a).post(
        LIST, booking(slot=the_slot.pk, item="preferential-card", note="腿脚不便"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert_masked(response.content.decode(), ID_NUMBER, PHONE)
    made = Appointment.objects.get()
    assert (made.name, made.item.code, made.note, made.booked_by) == (
        "关羽",
        "preferential-card",
        "电话预约；腿脚不便",
        world.a,
    )
    the_slot.refresh_from_db()
    assert the_slot.booked == 1
    write = AuditEntry.objects.get(action="create", object_type="cases.appointment")
    assert write.extra["channel"] == "staff"


def test_a_second_place_for_one_person_is_a_400_naming_the_identity_number(world):
    the_slot = slot(world, capacity=3)
    client = api_for(world.a)
    assert client.post(LIST, booking(slot=the_slot.pk), format="json").status_code == 201
    before = state()

    response = client.post(LIST, booking(slot=the_slot.pk, phone="13900000000"), format="json")

    # Staff booking for a walk-in follows the same limits, and the message says so.
    message = errors.SAME_SLOT_TWICE + errors.STAFF_SAME_LIMITS
    assert (response.status_code, response.json()) == (400, {"id_number": [message]})
    assert state() == before


def test_the_last_place_is_booked_once_and_never_over(world):
    the_slot = slot(world, capacity=1)
    client = api_for(world.a)
    assert client.post(LIST, booking(slot=the_slot.pk), format="json").status_code == 201
    before = state()
    another = booking(
        slot=the_slot.pk, name="张飞", id_number=make_id_number(), phone="13900000000"
    )
    response = client.post(LIST, another, format="json")
    assert (response.status_code, response.json()) == (409, {"detail": errors.SLOT_FULL})
    assert state() == before
    the_slot.refresh_from_db()
    assert (the_slot.booked, the_slot.capacity) == (1, 1)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", None),
        ({"phone": "12345"}, "phone", None),
        ({"name": " "}, "name", "请填写姓名。"),
        ({"channel": "web"}, "channel", "预约方式应为 phone（电话）或 site（现场）。"),
        ({"item": "no-such-item"}, "item", rest.NO_SUCH_ITEM),
    ],
)
def test_booking_names_the_field_that_is_wrong(world, fields, field, message):
    the_slot = slot(world)
    before = state()
    response = api_for(world.a).post(LIST, booking(slot=the_slot.pk, **fields), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert state() == before


def test_a_slot_outside_the_jurisdiction_or_past_is_refused_under_slot(world):
    theirs = slot(world, station=world.tree.stations.village_b)
    past = slot(world, day=dt.date(2026, 12, 1), start=8)
    client = api_for(world.a)
    before = state()
    response = client.post(LIST, booking(slot=theirs.pk), format="json")
    assert (response.status_code, response.json()) == (400, {"slot": [rest.NO_SUCH_SLOT]})
    response = client.post(LIST, booking(slot=past.pk), format="json")
    assert (response.status_code, response.json()) == (400, {"slot": [errors.SLOT_PAST]})
    assert state() == before


# --- cancel, reschedule, mark ------------------------------------------------------------------


def test_cancelling_frees_the_place_once(world):
    the_slot = slot(world, capacity=1)
    appointment = book(the_slot)
    client = api_for(world.a)
    response = client.post(f"{LIST}{appointment.pk}/cancel/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == AppointmentStatus.CANCELLED
    the_slot.refresh_from_db()
    assert the_slot.booked == 0
    other = slot(world, start=14)
    before = state()
    response = client.post(f"{LIST}{appointment.pk}/cancel/", {}, format="json")
    assert (response.status_code, response.json()["detail"]) == (409, "该预约已取消或已办理。")
    response = client.post(f"{LIST}{appointment.pk}/reschedule/", {"slot": other.pk}, format="json")
    assert (response.status_code, response.json()["detail"]) == (409, "该预约已取消或已办理。")
    assert state() == before


def test_rescheduling_moves_the_place_and_keeps_the_code(world):
    old, new = slot(world), slot(world, start=14, capacity=1)
    appointment = book(old)
    response = api_for(world.a).post(
        f"{LIST}{appointment.pk}/reschedule/", {"slot": new.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["slot"]["id"], response.json()["code"]) == (new.pk, appointment.code)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.booked, new.booked) == (0, 1)


def test_rescheduling_into_a_full_slot_or_elsewhere_is_refused(world):
    old = slot(world)
    full = slot(world, start=14, capacity=1)
    book(full, name="先到")
    appointment = book(old)
    other_station = slot(world, station=world.tree.stations.village_b)
    client = api_for(world.county)
    path = f"{LIST}{appointment.pk}/reschedule/"
    before = state()
    response = client.post(path, {"slot": full.pk}, format="json")
    assert (response.status_code, response.json()) == (409, {"detail": errors.SLOT_FULL})
    response = client.post(path, {"slot": old.pk}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"slot": [appointments_admin.SAME_SLOT]},
    )
    response = client.post(path, {"slot": other_station.pk}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"slot": [appointments_admin.OTHER_STATION]},
    )
    assert state() == before


def test_arrived_only_from_the_day_on(world, frozen):
    appointment = book(slot(world))
    client = api_for(world.a)
    path = f"{LIST}{appointment.pk}/mark/"
    before = state()
    response = client.post(path, {"status": "arrived"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": [appointments_admin.ARRIVED_EARLY.format(day=TOMORROW)]}
    response = client.post(path, {"status": "booked"}, format="json")
    assert response.json() == {"status": ["只能标记为 arrived（已到达）或 no_show（未到）。"]}
    assert state() == before
    frozen.move_to("2026-12-02 09:05:00+08:00")
    response = client.post(path, {"status": "arrived"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "arrived")
    response = client.post(path, {"status": "no_show"}, format="json")
    assert (response.status_code, response.json()) == (
        409,
        {"detail": appointments_admin.NOT_BOOKED},
    )


# --- slots -------------------------------------------------------------------------------------


def test_slots_of_the_own_station_and_none_elsewhere(world):
    mine = slot(world, capacity=1)
    free = slot(world, start=14)
    book(mine)
    slot(world, station=world.tree.stations.village_b)
    client = api_for(world.a)
    rows = client.get(f"{LIST}slots/").json()
    assert [(r["id"], r["remaining"]) for r in rows] == [(mine.pk, 0), (free.pk, 2)]
    assert [r["id"] for r in client.get(f"{LIST}slots/", {"open": "true"}).json()] == [free.pk]
    response = client.get(f"{LIST}slots/", {"station": world.tree.stations.village_b.pk})
    assert response.status_code == 404
    assert client.get(f"{LIST}slots/", {"days": 40}).json() == {"days": [rest.SLOT_DAYS]}

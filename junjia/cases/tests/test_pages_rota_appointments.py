"""Pages of 预约管理 (000 §7 预约服务): slots per station (working-day, non-working-day, video),
booking by staff, the day's list with arrived / no-show, cancellation and rescheduling."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from junjia.cases import appointments_admin, errors, services
from junjia.cases.choices import AppointmentStatus, SlotKind
from junjia.cases.models import Appointment, AppointmentSlot
from junjia.core.models import AuditEntry
from junjia.registry.tests.factories import make_id_number

from . import test_pages_rota as base
from .test_pages_rota import as_user, body

frozen, rota = base.frozen, base.rota  # the shared fixtures

ID_NUMBER = "11010519491231002X"
PHONES = itertools.count()


def slot(rota, day, start=9, kind=SlotKind.WORKDAY, capacity=2, station=None, actor=None):
    return services.slot_create(
        actor=actor or rota.head,
        station=station or rota.station,
        day=day,
        start=dt.time(start),
        end=dt.time(start + 1),
        kind=kind,
        capacity=capacity,
    )


def book(the_slot, name="刘备", actor=None):
    # Each booking is another person: one person holds one place in a slot and a few open
    # bookings at most (issue 12 §3).
    return services.appointment_book(
        slot=the_slot,
        name=name,
        id_number=make_id_number(),
        phone=f"138{next(PHONES):08d}",
        actor=actor,
    )


def state():
    return (
        AppointmentSlot.objects.count(),
        list(AppointmentSlot.objects.order_by("pk").values_list("booked", flat=True)),
        list(Appointment.objects.order_by("pk").values_list("status", "slot_id")),
        AuditEntry.objects.exclude(action="security.refused").count(),
    )


# --- slots -----------------------------------------------------------------------------------


def test_the_head_sets_a_slot_on_several_working_days_at_once(client, rota):
    as_user(client, rota.head)
    response = client.post(
        reverse("cases:slots"),
        {
            "station": rota.station.pk,
            "day": "2026-12-04",
            "start": "09:00",
            "end": "10:00",
            "kind": SlotKind.WORKDAY,
            "capacity": 5,
            "days": 3,
        },
    )
    assert response.status_code == 302
    made = AppointmentSlot.objects.filter(station=rota.station).order_by("date")
    # Friday 4 Dec, then Monday 7 and Tuesday 8: the weekend is skipped.
    assert [s.date for s in made] == [
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 8),
    ]
    assert {(s.capacity, s.kind) for s in made} == {(5, SlotKind.WORKDAY)}
    assert AuditEntry.objects.filter(object_type="cases.appointmentslot").count() == 3
    html = body(client.get(response["Location"]))
    assert "已设置 3 个“工作日预约”时段（09:00–10:00，每个 5 人）。" in html


def test_a_working_day_slot_on_a_saturday_is_refused(client, rota):
    as_user(client, rota.head)
    before = state()
    response = client.post(
        reverse("cases:slots"),
        {
            "station": rota.station.pk,
            "day": "2026-12-05",
            "start": "09:00",
            "end": "10:00",
            "kind": SlotKind.WORKDAY,
            "capacity": 5,
            "days": 1,
        },
    )
    assert errors.SLOT_NOT_WORKDAY in body(response)
    assert state() == before


def test_a_non_working_day_slot_is_set_one_day_at_a_time(client, rota):
    as_user(client, rota.head)
    data = {
        "station": rota.station.pk,
        "day": "2026-12-05",
        "start": "09:00",
        "end": "11:00",
        "kind": SlotKind.NON_WORKDAY,
        "capacity": 3,
        "days": 2,
    }
    before = state()
    assert "“非工作日预约”请逐日设置（连续天数填 1）。" in body(
        client.post(reverse("cases:slots"), data)
    )
    assert state() == before
    assert client.post(reverse("cases:slots"), {**data, "days": 1}).status_code == 302
    assert AppointmentSlot.objects.get().kind == SlotKind.NON_WORKDAY


def test_a_series_meeting_an_existing_slot_writes_nothing(client, rota):
    slot(rota, dt.date(2026, 12, 7))
    as_user(client, rota.head)
    before = state()
    response = client.post(
        reverse("cases:slots"),
        {
            "station": rota.station.pk,
            "day": "2026-12-04",
            "start": "09:00",
            "end": "10:00",
            "kind": SlotKind.WORKDAY,
            "capacity": 5,
            "days": 3,
        },
    )
    assert "2026-12-07 09:00 的“工作日预约”时段已存在。" in body(response)
    assert state() == before


def test_slots_of_another_village_are_out_of_reach(client, rota):
    as_user(client, rota.head)
    url = reverse("cases:slots")
    assert client.get(url, {"station": rota.tree.stations.village_b.pk}).status_code == 404
    before = state()
    response = client.post(
        url,
        {
            "station": rota.tree.stations.village_b.pk,
            "day": "2026-12-04",
            "start": "09:00",
            "end": "10:00",
            "kind": SlotKind.VIDEO,
            "capacity": 5,
            "days": 1,
        },
    )
    assert response.status_code == 404
    assert state() == before


# --- booking by staff --------------------------------------------------------------------------


def test_a_clerk_books_for_a_caller_and_gets_a_code(client, rota):
    video = slot(rota, dt.date(2026, 12, 3), start=15, kind=SlotKind.VIDEO, capacity=1)
    as_user(client, rota.a)
    response = client.post(
        reverse("cases:appointment_book"),
        {
            "station": rota.station.pk,
            "slot": video.pk,
            "channel": "phone",
            "name": "关羽",
            "id_number": ID_NUMBER,
            "phone": "139 1234 5678",
            "note": "咨询抚恤标准",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/appointments/?date=2026-12-03&station={rota.station.pk}"
    booking = Appointment.objects.get()
    assert (booking.name, booking.booked_by, booking.note, booking.phone_masked) == (
        "关羽",
        rota.a,
        "电话预约；咨询抚恤标准",
        "139****5678",
    )
    video.refresh_from_db()
    assert video.booked == 1
    html = body(client.get(response["Location"]))
    assert f"预约成功：关羽，12月03日 15:00，预约码 {booking.code}（请告知预约人）。" in html
    # The slot is full now: it is no longer offered.
    form = client.get(reverse("cases:appointment_book")).context["form"]
    assert list(form.fields["slot"].queryset) == []


def test_a_walk_in_over_the_phone_limit_is_told_under_the_phone_field(client, rota, settings):
    settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = 1
    the_slot = slot(rota, dt.date(2026, 12, 3), start=15, kind=SlotKind.VIDEO, capacity=3)
    as_user(client, rota.a)
    services.appointment_book(
        slot=the_slot, name="张飞", id_number=make_id_number(), phone="13912345678"
    )
    before = state()

    response = client.post(
        reverse("cases:appointment_book"),
        {
            "station": rota.station.pk,
            "slot": the_slot.pk,
            "channel": "site",
            "name": "关羽",
            "id_number": ID_NUMBER,
            "phone": "13912345678",
        },
    )

    assert response.status_code == 200
    message = errors.TOO_MANY_BY_PHONE.format(limit=1) + errors.STAFF_SAME_LIMITS
    assert response.context["form"].errors["phone"] == [message]
    assert state() == before


def test_a_bad_identity_number_is_refused_and_nothing_booked(client, rota):
    the_slot = slot(rota, dt.date(2026, 12, 3))
    as_user(client, rota.a)
    before = state()
    response = client.post(
        reverse("cases:appointment_book"),
        {
            "slot": the_slot.pk,
            "channel": "site",
            "name": "关羽",
            "id_number": "110105194912310021",
            "phone": "13912345678",
        },
    )
    assert "身份证号码校验位不正确，请逐位核对（可能有输错或颠倒的数字）。" in body(response)
    assert state() == before


def test_a_full_or_past_slot_cannot_be_chosen(client, rota):
    full = slot(rota, dt.date(2026, 12, 3), capacity=1)
    book(full)
    past = AppointmentSlot.objects.create(
        station=rota.station,
        region_key=rota.station.region_key,
        date=dt.date(2026, 12, 1),
        start=dt.time(8),
        end=dt.time(9),
        kind=SlotKind.WORKDAY,
        capacity=3,
    )
    as_user(client, rota.a)
    before = state()
    for chosen in (full, past):
        response = client.post(
            reverse("cases:appointment_book"),
            {
                "slot": chosen.pk,
                "channel": "site",
                "name": "关羽",
                "id_number": ID_NUMBER,
                "phone": "13912345678",
            },
        )
        assert "选择一个有效的选项" in body(response)
    assert state() == before


def test_a_slot_of_another_village_cannot_be_booked_from_here(client, rota):
    other = slot(
        rota,
        dt.date(2026, 12, 3),
        station=rota.tree.stations.village_b,
        actor=rota.personas.head_county,
    )
    as_user(client, rota.a)
    before = state()
    response = client.post(
        reverse("cases:appointment_book"),
        {
            "slot": other.pk,
            "channel": "site",
            "name": "关羽",
            "id_number": ID_NUMBER,
            "phone": "13912345678",
        },
    )
    assert "选择一个有效的选项" in body(response)
    assert state() == before


# --- the day's list ------------------------------------------------------------------------------


def test_the_days_list_shows_this_jurisdictions_bookings_with_their_actions(client, rota):
    morning = slot(rota, dt.date(2026, 12, 1), start=10)
    afternoon = slot(rota, dt.date(2026, 12, 1), start=14, kind=SlotKind.VIDEO)
    first, second = book(morning, "刘备"), book(afternoon, "张飞")
    cancelled = book(morning, "赵云")
    services.appointment_cancel(appointment=cancelled)
    other = slot(
        rota,
        dt.date(2026, 12, 1),
        start=11,
        station=rota.tree.stations.village_b,
        actor=rota.personas.head_county,
    )
    book(other, "村B的人")
    html = body(as_user(client, rota.a).get(reverse("cases:appointments")))
    assert "刘备" in html and "张飞" in html
    assert "赵云" not in html  # cancelled bookings leave the list
    assert "村B的人" not in html
    assert html.index("刘备") < html.index("张飞")
    assert first.code in html and second.code in html
    assert html.count('value="arrived">已到达</button>') == 2
    assert 'value="no_show"' not in html  # neither slot has begun at 09:30


def test_arrival_and_no_show_are_marked_and_audited(client, rota):
    morning = slot(rota, dt.date(2026, 12, 1), start=10)
    first, second = book(morning, "刘备"), book(morning, "张飞")
    rota.frozen.move_to("2026-12-01 10:20:00+08:00")
    as_user(client, rota.a)
    url = reverse("cases:appointment_mark", args=[first.pk])
    assert (
        client.post(url, {"status": "arrived"})["Location"]
        == "/cases/appointments/?date=2026-12-01"
    )
    client.post(reverse("cases:appointment_mark", args=[second.pk]), {"status": "no_show"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW)
    assert (
        AuditEntry.objects.filter(
            object_type="cases.appointment",
            object_id=str(first.pk),
            changes__status=["booked", "arrived"],
        ).count()
        == 1
    )
    html = body(client.get(reverse("cases:appointments")))
    assert "张飞：未到。" in html
    # Marked once, not twice.
    before = state()
    client.post(url, {"status": "no_show"})
    assert appointments_admin.NOT_BOOKED in body(client.get(reverse("cases:appointments")))
    assert state() == before


def test_no_show_before_the_slot_begins_and_arrival_before_the_day_are_refused(client, rota):
    later = book(slot(rota, dt.date(2026, 12, 1), start=14))
    tomorrow = book(slot(rota, dt.date(2026, 12, 2), start=9))
    as_user(client, rota.a)
    before = state()
    client.post(reverse("cases:appointment_mark", args=[later.pk]), {"status": "no_show"})
    html = body(client.get(reverse("cases:appointments")))
    assert "预约时段（14:00）还没开始，不能标记为未到。" in html
    client.post(reverse("cases:appointment_mark", args=[tomorrow.pk]), {"status": "arrived"})
    html = body(client.get(reverse("cases:appointments")))
    assert "预约日期（2026-12-02）还没到，不能标记为已到达。" in html
    assert state() == before


def test_cancelling_frees_the_place(client, rota):
    the_slot = slot(rota, dt.date(2026, 12, 2), capacity=1)
    booking = book(the_slot)
    as_user(client, rota.a)
    response = client.post(reverse("cases:appointment_cancel", args=[booking.pk]))
    assert response["Location"] == "/cases/appointments/?date=2026-12-02"
    booking.refresh_from_db()
    the_slot.refresh_from_db()
    assert (booking.status, the_slot.booked) == (AppointmentStatus.CANCELLED, 0)
    assert "已取消 刘备 的预约，名额已释放。" in body(client.get(response["Location"]))


def test_rescheduling_moves_the_place_and_keeps_the_code(client, rota):
    first = slot(rota, dt.date(2026, 12, 2))
    second = slot(rota, dt.date(2026, 12, 3))
    booking = book(first)
    as_user(client, rota.a)
    url = reverse("cases:appointment_reschedule", args=[booking.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["slot"].queryset) == [second]
    response = client.post(url, {"slot": second.pk})
    assert response["Location"] == "/cases/appointments/?date=2026-12-03"
    booking.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (booking.slot, first.booked, second.booked) == (second, 0, 1)
    assert f"已将 刘备 的预约改到 12月03日 09:00（预约码 {booking.code} 不变）。" in body(
        client.get(response["Location"])
    )


def test_rescheduling_to_another_station_or_a_past_slot_is_refused(rota):
    booking = book(slot(rota, dt.date(2026, 12, 2)))
    other = slot(
        rota,
        dt.date(2026, 12, 3),
        station=rota.tree.stations.village_b,
        actor=rota.personas.head_county,
    )
    past = AppointmentSlot.objects.create(
        station=rota.station,
        region_key=rota.station.region_key,
        date=dt.date(2026, 11, 30),
        start=dt.time(9),
        end=dt.time(10),
        kind=SlotKind.WORKDAY,
        capacity=3,
    )
    before = state()
    with pytest.raises(errors.CaseError, match="只能改约到本站的时段。"):
        appointments_admin.appointment_move(actor=rota.head, appointment=booking, slot=other)
    with pytest.raises(errors.CaseError, match=errors.SLOT_PAST):
        appointments_admin.appointment_move(actor=rota.head, appointment=booking, slot=past)
    with pytest.raises(errors.CaseError, match="请选择另一个时段。"):
        appointments_admin.appointment_move(actor=rota.head, appointment=booking, slot=booking.slot)
    assert state() == before


def test_appointments_of_another_village_are_not_found(client, rota):
    other = slot(
        rota,
        dt.date(2026, 12, 1),
        start=10,
        station=rota.tree.stations.village_b,
        actor=rota.personas.head_county,
    )
    booking = book(other, "村B的人")
    as_user(client, rota.head)
    before = state()
    for name, data in (
        ("cases:appointment_mark", {"status": "arrived"}),
        ("cases:appointment_cancel", {}),
        ("cases:appointment_reschedule", {"slot": other.pk}),
    ):
        assert client.post(reverse(name, args=[booking.pk]), data).status_code == 404
    assert state() == before
    with pytest.raises(errors.CaseError, match="该预约不在您的辖区内。"):
        appointments_admin.appointment_cancel_by_staff(actor=rota.head, appointment=booking)


def test_the_township_sees_its_villages_side_by_side(client, rota):
    book(slot(rota, dt.date(2026, 12, 1), start=10), "刘备")
    other = slot(
        rota,
        dt.date(2026, 12, 1),
        start=11,
        station=rota.tree.stations.village_b,
        actor=rota.personas.head_county,
    )
    book(other, "村B的人")
    html = body(as_user(client, rota.personas.reviewer_town).get(reverse("cases:appointments")))
    assert (
        html.index("村A退役军人服务站</th>")
        < html.index("刘备")
        < html.index("村B退役军人服务站</th>")
        < html.index("村B的人")
    )

"""Staffing writes (000 §7 AB角工作制, 午间服务): A and B are two people of the station, never
away together; lunch duty on working days by the station's own staff; who may do each,
against the persona matrix; a refusal writes nothing."""

import datetime as dt

import pytest
from freezegun import freeze_time

from junjia.core.models import AuditEntry, Notification
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.staffing import api as staffing
from junjia.staffing import errors
from junjia.staffing.models import Leave, LunchDuty, WindowPost

from .helpers import NOW, TODAY, make_rota


@pytest.fixture
def rota(db, tree, personas):
    with freeze_time(NOW) as frozen:
        yield make_rota(tree, personas, frozen)


def written():
    return (
        list(WindowPost.objects.values_list("pk", "name", "primary_id", "backup_id")),
        list(Leave.objects.values_list("pk", "user_id", "start_date", "end_date")),
        list(LunchDuty.objects.values_list("pk", "date", "user_id")),
        AuditEntry.objects.count(),
    )


# --- windows and AB roles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("head_a", True),  # village A's head
        ("head_county", True),  # the county head, above village A
        ("sysadmin", True),  # the city's system administrator
        ("clerk_a", False),  # village A's clerk: no rota capability
        ("clerk_b", False),  # the neighbouring village's clerk
        ("reviewer_town", False),  # the township reviewer
        ("leader_county", False),  # the county leader
        ("head_county2", False),  # the head of another county
    ],
)
def test_who_may_set_up_a_window(rota, persona, allowed):
    actor = getattr(rota.personas, persona)
    before = written()
    if allowed:
        window = staffing.window_save(
            actor=actor, station=rota.station, name="优抚岗", primary=rota.a2, backup=rota.a
        )
        assert (window.name, window.primary, window.backup) == ("优抚岗", rota.a2, rota.a)
        assert window.region_key == rota.station.region_key
        entry = AuditEntry.objects.get(object_type="staffing.windowpost", object_id=window.pk)
        assert (entry.action, entry.actor_id) == ("create", actor.pk)
    else:
        with pytest.raises(errors.StaffingError, match=errors.WINDOW_NOT_PERMITTED):
            staffing.window_save(
                actor=actor, station=rota.station, name="优抚岗", primary=rota.a2, backup=rota.a
            )
        assert written() == before


def test_a_and_b_are_two_people_of_the_station(rota):
    before = written()
    with pytest.raises(errors.StaffingError, match=errors.AB_SAME_PERSON):
        staffing.window_save(
            actor=rota.head, station=rota.station, name="优抚岗", primary=rota.a, backup=rota.a
        )
    with pytest.raises(errors.StaffingError, match=errors.AB_STATION):
        staffing.window_save(
            actor=rota.personas.head_county,
            station=rota.station,
            name="优抚岗",
            primary=rota.a,
            backup=rota.personas.clerk_b,
        )
    assert written() == before


def test_swapping_a_and_b_is_recorded_with_what_changed(rota):
    staffing.window_save(
        actor=rota.head,
        station=rota.station,
        window=rota.window,
        name="综合窗口",
        primary=rota.a2,
        backup=rota.a,
    )
    rota.window.refresh_from_db()
    assert (rota.window.primary, rota.window.backup) == (rota.a2, rota.a)
    entry = AuditEntry.objects.filter(object_type="staffing.windowpost", action="update").get()
    assert entry.changes == {"backup": [rota.a2.pk, rota.a.pk], "primary": [rota.a.pk, rota.a2.pk]}


# --- leave ---------------------------------------------------------------------------------


def test_leave_that_puts_a_and_b_away_together_is_refused(rota):
    staffing.leave_record(
        actor=rota.head, user=rota.a, start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 11)
    )
    before = written()
    with pytest.raises(errors.StaffingError, match="A 角与 B 角不能同时休假") as refused:
        staffing.leave_record(
            actor=rota.head, user=rota.a2, start=dt.date(2026, 12, 11), end=dt.date(2026, 12, 14)
        )
    assert str(refused.value) == errors.LEAVE_CLASH.format(
        window="综合窗口", partner=rota.a, start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 11)
    )
    assert written() == before
    # the day after A is back, B may go
    staffing.leave_record(
        actor=rota.head, user=rota.a2, start=dt.date(2026, 12, 12), end=dt.date(2026, 12, 14)
    )


def test_leave_is_told_to_the_b_of_each_window_where_the_person_is_a(rota):
    staffing.leave_record(actor=rota.a, user=rota.a, start=TODAY, end=TODAY, reason=" 年休假 ")
    leave = Leave.objects.get()
    assert (leave.user, leave.created_by, leave.reason) == (rota.a, rota.a, "年休假")
    told = Notification.objects.get()
    assert told.user == rota.a2
    assert told.text == "张一 于 2026-12-01–2026-12-01 请假，其办件和新工作由您（B 角）负责。"


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [
        ("head_a", None),  # the head records leave for the station's staff
        ("head_county", None),
        ("clerk_a2", errors.LEAVE_FOR_OTHERS),  # a clerk records only their own
        ("clerk_b", errors.LEAVE_NOT_IN_REACH),  # the neighbouring village
        ("reviewer_town", errors.LEAVE_NOT_IN_REACH),  # no leave capability
        ("leader_county", errors.LEAVE_NOT_IN_REACH),
        ("head_county2", errors.LEAVE_NOT_IN_REACH),  # another county
    ],
)
def test_who_may_record_leave_for_clerk_a(rota, persona, refusal):
    actor = rota.a2 if persona == "clerk_a2" else getattr(rota.personas, persona)
    before = written()
    if refusal is None:
        staffing.leave_record(actor=actor, user=rota.a, start=TODAY, end=TODAY)
        assert Leave.objects.get().created_by == actor
    else:
        with pytest.raises(errors.StaffingError, match=refusal):
            staffing.leave_record(actor=actor, user=rota.a, start=TODAY, end=TODAY)
        assert written() == before


def test_leave_ending_before_it_starts_is_refused(rota):
    before = written()
    with pytest.raises(errors.StaffingError, match=errors.LEAVE_DATES):
        staffing.leave_record(
            actor=rota.a, user=rota.a, start=dt.date(2026, 12, 9), end=dt.date(2026, 12, 8)
        )
    assert written() == before


# --- lunch duty -----------------------------------------------------------------------------


def test_lunch_duty_is_set_and_replaced_for_a_working_day(rota):
    staffing.lunch_duty_set(actor=rota.head, station=rota.station, day=TODAY, user=rota.a)
    staffing.lunch_duty_set(actor=rota.head, station=rota.station, day=TODAY, user=rota.a2)
    duty = LunchDuty.objects.get()
    assert (duty.station, duty.date, duty.user, duty.region_key) == (
        rota.station,
        TODAY,
        rota.a2,
        rota.station.region_key,
    )


@pytest.mark.parametrize(
    ("who", "day", "refusal"),
    [
        ("clerk", TODAY, errors.LUNCH_NOT_PERMITTED),
        ("head", dt.date(2026, 12, 5), errors.LUNCH_NOT_WORKING_DAY),  # a Saturday
        ("other station", TODAY, errors.LUNCH_STATION),
    ],
)
def test_lunch_duty_refusals_write_nothing(rota, who, day, refusal):
    actor = rota.a if who == "clerk" else rota.personas.head_county
    user = rota.personas.clerk_b if who == "other station" else rota.a
    before = written()
    with pytest.raises(errors.StaffingError, match=refusal):
        staffing.lunch_duty_set(actor=actor, station=rota.station, day=day, user=user)
    assert written() == before


def test_a_staff_member_of_another_role_may_stand_as_b(rota):
    reviewer = make_staff(rota.station, Role.REVIEWER, username="reviewer_a")
    window = staffing.window_save(
        actor=rota.head, station=rota.station, name="审核岗", primary=rota.a2, backup=reviewer
    )
    assert window.backup == reviewer

"""The cases demo: every kind of record, written through the services on real working days."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junjia.cases import demo, selectors, services
from junjia.cases.choices import (
    AppointmentStatus,
    CallbackStatus,
    CaseStatus,
    Channel,
    ExtensionStatus,
    HandoverDirection,
    LoopStage,
    SlotKind,
)
from junjia.cases.models import (
    Appointment,
    AppointmentSlot,
    Callback,
    Case,
    CaseStep,
    Evaluation,
    Extension,
    Handover,
    RectificationLoop,
    ServiceItem,
)
from junjia.core import sms
from junjia.core.models import AuditEntry, CalendarYear, Notification
from junjia.core.tests.helpers_calendar import known_calendar
from junjia.core.workdays import WorkingDayCalendar
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.orgs.api import Role, can_reach
from junjia.orgs.demo import build_demo
from junjia.orgs.models import User
from junjia.registry.choices import FileStatus
from junjia.staffing import api as staffing
from junjia.staffing.models import Leave, LunchDuty, WindowPost

MODELS = (
    ServiceItem,
    WindowPost,
    Leave,
    LunchDuty,
    AppointmentSlot,
    Appointment,
    Case,
    CaseStep,
    Extension,
    Handover,
    Callback,
    Evaluation,
    RectificationLoop,
)


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def _showcase(level):
    user = User.objects.filter(
        station__region__level=level, role_grants__role=Role.REVIEWER
    ).order_by("station__region__key")[0]
    return user.station


@pytest.mark.slow
def test_loads_every_kind_of_record_through_the_services_once(db):
    # Given the demo region (3 counties × 2 townships × 2 villages), its files and calendar
    today = timezone.localdate()
    known_calendar(today)
    build_demo(townships=2, villages=2)
    call_command("load_registry_demo", "--count", "150", stdout=StringIO())

    # When the cases demo is loaded
    out = StringIO()
    call_command("load_cases_demo", "--size", "small", stdout=out, stderr=StringIO())
    # (Loaded before the day's opening hours — at night, Beijing time — today's replayed
    # work is stamped just before the call that does it, so "never in the future" is
    # judged against when loading ended.)
    finished = timezone.now()

    # Then the catalogue is published, every item with a current version
    assert "服务事项目录：新发布 25 个事项" in out.getvalue()
    assert ServiceItem.objects.filter(current_version__isnull=False).count() >= 20
    cal = WorkingDayCalendar()
    county, town, village = (_showcase(level) for level in demo.SHOWCASE_LEVELS)
    for station in (county, town, village):
        # each showcase station has windows with A and B of its own staff
        windows = WindowPost.objects.filter(station=station)
        assert windows.count() == 2
        for w in windows:
            assert w.primary_id != w.backup_id
            assert w.primary.station_id == w.backup.station_id == station.pk
        # and cases in every status
        statuses = set(Case.objects.filter(station=station).values_list("status", flat=True))
        assert statuses == set(CaseStatus.values)

    # Leave: a past one (B stood in), the county reviewer away today, a planned one
    county_reviewer = User.objects.get(station=county, role_grants__role=Role.REVIEWER)
    away = Leave.objects.get(user=county_reviewer)
    assert away.start_date <= today <= away.end_date
    assert Leave.objects.filter(end_date__lt=today).count() == 3
    assert Leave.objects.filter(start_date__gt=today).count() == 1
    stand_in = CaseStep.objects.filter(action="开始办理").exclude(actor=F("case__owner"))
    assert stand_in.exists()
    # While the reviewer is away, the clerk (B on the reviewer's window) sees their cases.
    clerk = User.objects.get(station=county, role_grants__role=Role.CLERK)
    owners = {c.owner_id for c in selectors.my_work(clerk, today)}
    assert county_reviewer.pk in owners

    # Lunch duty only on working days, never someone on leave that day
    for duty in LunchDuty.objects.all():
        assert cal.is_working_day(duty.date)
        assert not staffing.on_leave(duty.user, duty.date)
    assert LunchDuty.objects.filter(station=county, date__gt=today).count() >= 3

    # Slots for the coming working days (and a Saturday, and a video slot), some bookings
    slots = AppointmentSlot.objects.filter(station=county)
    assert {s.kind for s in slots} == set(SlotKind.values)
    for slot in AppointmentSlot.objects.all():
        assert slot.date >= today
        if slot.kind == SlotKind.WORKDAY:
            assert cal.is_working_day(slot.date)
        live = slot.appointments.exclude(status=AppointmentStatus.CANCELLED).count()
        assert slot.booked == live <= slot.capacity
    assert AppointmentSlot.objects.filter(booked=F("capacity")).exists()
    assert Appointment.objects.filter(status=AppointmentStatus.CANCELLED).exists()
    assert AuditEntry.objects.filter(
        object_type="cases.appointment", changes__has_key="slot"
    ).exists()

    # Due dates are the working-day limit from acceptance (plus approved extensions)
    accepted = Case.objects.filter(accepted_on__isnull=False).select_related("item_version")
    for case in accepted:
        limit = case.item_version.time_limit_days + case.extended_days
        assert case.due_on == cal.add_working_days(case.accepted_on, limit)
    head = User.objects.get(station=county, role_grants__role=Role.STATION_HEAD)
    watch = selectors.deadline_watch(head, today)
    assert watch["overdue"] and watch["due_soon"]
    assert all(c.due_on < today for c in watch["overdue"])

    # The history is replayed on working days, in order, never in the future; case numbers
    # carry the day the case was received
    for case in Case.objects.prefetch_related("steps"):
        steps = list(case.steps.all())
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        assert case.created_at <= steps[0].at <= finished
        received = timezone.localtime(case.created_at).date()
        assert cal.is_working_day(received)
        assert case.number.split("-")[1] == f"{received:%Y%m%d}"
    assert not CaseStep.objects.filter(at__gt=finished).exists()

    # Extensions: one approved by the head, one waiting
    approved = Extension.objects.get(case__station=county, status=ExtensionStatus.APPROVED)
    assert approved.case.extended_days == approved.days
    assert approved.decided_by.role_grants.filter(role=Role.STATION_HEAD).exists()
    assert Extension.objects.filter(case__station=county, status=ExtensionStatus.PENDING).exists()

    # Doorstep: one visited and recorded, one booked for a coming day
    doorstep = Case.objects.filter(station=village, channel=Channel.DOORSTEP)
    assert doorstep.exclude(doorstep_outcome="").filter(status=CaseStatus.COMPLETED).exists()
    assert doorstep.filter(doorstep_outcome="", doorstep_at__gt=timezone.now()).exists()

    # Proxy: authorisation recorded, materials handed in, results handed back
    proxy = Case.objects.filter(station=town, channel=Channel.PROXY)
    assert all(c.proxy_requester and c.proxy_authorisation for c in proxy)
    directions = set(Handover.objects.filter(case__in=proxy).values_list("direction", flat=True))
    assert directions == set(HandoverDirection.values)

    # One-time notice; the person came back to the other clerk, and the first handler was told
    assert Case.objects.filter(station=village, status=CaseStatus.NOTICE_ISSUED).exists()
    assert Notification.objects.filter(text__contains="已补交材料").exists()

    # Completion after closing time is delay service, and only then
    for case in Case.objects.filter(status=CaseStatus.COMPLETED):
        late = timezone.localtime(case.completed_at).time() > services.closing_time()
        assert case.delay_service == late
    assert Case.objects.filter(delay_service=True).exists()

    # Callbacks due (one late), done, and followed up after an unsatisfied one
    statuses = set(Callback.objects.values_list("status", flat=True))
    assert statuses == set(CallbackStatus.values)
    assert Callback.objects.filter(status=CallbackStatus.DUE, due_on__lt=today).exists()

    # Bad ratings open loops, found at every stage; each closed stage has its record
    assert set(RectificationLoop.objects.values_list("stage", flat=True)) == set(LoopStage.values)
    order = list(LoopStage.values)
    for loop in RectificationLoop.objects.all():
        assert loop.records.count() == order.index(loop.stage)
        assert loop.evaluation.score < 4
    assert Evaluation.objects.filter(score=5).exists()

    # People come from the registry demo, within the clerk's jurisdiction
    filed = Case.objects.filter(recipient__isnull=False).select_related("recipient", "owner")
    assert filed.exists() and Case.objects.filter(recipient__isnull=True).exists()
    for case in filed:
        assert case.recipient.status == FileStatus.APPROVED
        assert can_reach(case.owner, "registry.view", case.recipient.region_key)

    # The audit trail has the services' rows and the demo's own
    assert AuditEntry.objects.filter(object_type="cases.case", action="create").count() == (
        Case.objects.count()
    )
    assert AuditEntry.objects.get(object_type="cases.demo").extra["size"] == "small"

    # And a second run adds nothing; --if-empty does nothing at all
    before = _counts()
    again = StringIO()
    call_command("load_cases_demo", "--size", "small", stdout=again)
    assert "未新增演示数据" in again.getvalue()
    skip = StringIO()
    call_command("load_cases_demo", "--if-empty", stdout=skip)
    assert skip.getvalue().strip() == "已有政务服务办件数据，跳过。"
    assert _counts() == before
    assert AuditEntry.objects.filter(object_type="cases.demo").count() == 1


def test_refuses_without_the_demo_region_or_the_calendar(db):
    with pytest.raises(CommandError, match=r"请先运行 manage\.py load_demo"):
        call_command("load_cases_demo")
    build_demo(townships=1, villages=1)
    with pytest.raises(CommandError, match=r"节假日安排尚未录入.*load_holidays"):
        call_command("load_cases_demo")
    assert not Case.objects.exists() and not ServiceItem.objects.exists()


def test_text_messages_never_reach_a_configured_gateway(settings):
    settings.JUNJIA_SMS_BACKEND = "some.operator.Gateway"
    with demo._offline_sms():
        assert isinstance(sms.backend(), sms.FileBackend)
        assert sms.backend().path == settings.VAR_DIR / "demo-sms.jsonl"
    assert settings.JUNJIA_SMS_BACKEND == "some.operator.Gateway"


@pytest.fixture
def clock(db):
    calendar_seed_from_package()
    years = sorted(CalendarYear.objects.values_list("year", flat=True))
    return demo.Clock(dt.date(years[-1], 6, 30)), years


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_counting_back_is_the_inverse_of_adding_working_days(clock, data):
    clock, years = clock
    day = data.draw(st.dates(dt.date(years[1], 1, 1), dt.date(years[-1], 9, 30)))
    days = data.draw(st.integers(0, 60))
    accepted = clock.due_in(day, days)
    assert clock.cal.is_working_day(accepted)
    assert clock.cal.add_working_days(accepted, days) == clock.cal.add_working_days(day, 0)
    if clock.cal.is_working_day(day):
        assert clock.cal.working_days_between(clock.back(day, days), day) == days

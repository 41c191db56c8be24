"""Case rules: first handler (and B while A is on leave), one-time notice, working-day limits,
extensions, delay service, appointments without over-booking, callbacks, the bad-review loop."""

import datetime as dt
import threading

import pytest
from django.db import connection
from freezegun import freeze_time

from junjia.cases import errors, selectors, services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import (
    CallbackStatus,
    CaseStatus,
    Channel,
    LoopStage,
    RatingChannel,
    SlotKind,
)
from junjia.cases.models import (
    Appointment,
    Callback,
    Case,
    RectificationLoop,
    ServiceItem,
)
from junjia.cases.services import appointments
from junjia.core.errors import DomainError, InvalidInput, NotPermitted
from junjia.core.models import AuditEntry, Notification
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.core.workflow import WorkflowError
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.staffing import api as staffing

TODAY = dt.date(2026, 9, 28)  # a Monday before the National Day holiday


@pytest.fixture
def world(db, tree, personas):
    with freeze_time("2026-09-28 10:00:00+08:00"):  # TODAY, in office hours
        yield _world(tree, personas)


def _world(tree, personas):
    calendar_seed_from_package()
    load_catalogue()
    station = tree.stations.village_a
    a = personas.clerk_a
    b = make_staff(station, Role.CLERK, username="clerk_a2")
    head = personas.head_a
    window = staffing.window_save(actor=head, station=station, name="综合窗口", primary=a, backup=b)
    return type(
        "W",
        (),
        {
            "a": a,
            "b": b,
            "head": head,
            "window": window,
            "station": station,
            "tree": tree,
            "personas": personas,
        },
    )


def item(code):
    return ServiceItem.objects.get(code=code)


def open_case(world, code="preferential-card", received=None, **kw):
    return services.case_open(
        actor=kw.pop("actor", world.a),
        item=item(code),
        channel=kw.pop("channel", Channel.WINDOW),
        applicant_name="王大明",
        applicant_phone="13912345678",
        received=received or {},
        **kw,
    )


ALL_CARD_MATERIALS = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}


def test_catalogue_has_the_seed_items_with_versions(world):
    assert ServiceItem.objects.count() >= 20
    card = item("preferential-card")
    assert card.current_version.time_limit_days == 20
    assert "优待证管理办法" in card.current_version.legal_basis


def test_incomplete_materials_lead_to_a_one_time_notice(world):
    case = open_case(
        world,
        received={
            "居民身份证": {"state": "ok"},
            "近期免冠照片": {"state": "defective", "note": "非近期照片"},
        },
    )
    states = {m["name"]: m["state"] for m in case.materials}
    assert states["近期免冠照片"] == "defective"
    assert states["退役证（转业证、离退休证）"] == "missing"  # applies: no category known → needed
    with pytest.raises(WorkflowError, match="还有缺少或有误的材料"):
        services.case_accept(actor=world.a, case=case)
    case = services.case_mark_incomplete(actor=world.a, case=case)
    case = services.case_issue_notice(actor=world.a, case=case)
    assert case.status == CaseStatus.NOTICE_ISSUED


def test_person_returns_to_another_clerk_and_the_case_stays_with_its_first_handler(world):
    case = open_case(world, received={"居民身份证": {"state": "ok"}})
    services.case_mark_incomplete(actor=world.a, case=case)
    services.case_issue_notice(actor=world.a, case=case)
    case = services.case_recheck(actor=world.b, case=case, received=ALL_CARD_MATERIALS)
    assert (case.status, case.owner) == (CaseStatus.RECEIVED, world.a)
    assert Notification.objects.filter(user=world.a, text__contains="已补交材料").exists()
    # The other clerk may not take over the case while A is at work (the same refusal, naming
    # the first handler, on the page and through the API).
    with pytest.raises(NotPermitted, match=r"该办件由首办人.*负责"):
        services.case_accept(actor=world.b, case=case)


def test_acceptance_sets_the_due_date_in_working_days(world):
    case = open_case(world, received=ALL_CARD_MATERIALS)
    case = services.case_accept(actor=world.a, case=case)
    # 20 working days from Mon 28 Sep 2026 skip the National Day week and count the make-up
    # Saturday 10 Oct (per the package's 2026 schedule).
    from junjia.core.workdays import add_working_days

    assert case.accepted_on == TODAY
    assert case.due_on == add_working_days(TODAY, 20)
    assert case.due_on > TODAY + dt.timedelta(days=28)


def test_while_a_is_away_b_handles_a_cases_and_both_see_them(world):
    case = services.case_accept(actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS))
    staffing.leave_record(
        actor=world.head, user=world.a, start=TODAY, end=TODAY + dt.timedelta(days=3)
    )
    assert Notification.objects.filter(user=world.b, text__contains="B 角").exists()
    assert [c.pk for c in selectors.my_work(world.b, TODAY)] == [case.pk]
    assert [c.pk for c in selectors.my_work(world.a, TODAY)] == [case.pk]
    case = services.case_move(actor=world.b, case=case, to=CaseStatus.IN_PROGRESS)
    case = services.case_complete(actor=world.b, case=case, result="已制证发放")
    assert case.status == CaseStatus.COMPLETED


def test_completion_needs_a_result_and_marks_delay_service(world, settings):
    case = services.case_accept(actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS))
    with pytest.raises(WorkflowError, match="请填写办理结果"):
        services.case_complete(actor=world.a, case=case, result=" ")
    settings.JUNJIA_CLOSING_TIME = "00:00"  # finished after closing time
    case = services.case_complete(actor=world.a, case=case, result="当场办结")
    assert case.delay_service


def test_refusal_needs_a_reason(world):
    case = open_case(world)
    with pytest.raises(WorkflowError, match="不予受理的理由"):
        services.case_refuse(actor=world.a, case=case, reason="")
    case = services.case_refuse(actor=world.a, case=case, reason="不属于本站职权范围")
    assert case.status == CaseStatus.REFUSED and case.refusal_reason == "不属于本站职权范围"


def test_illegal_transition_is_refused_and_nothing_changes(world):
    case = open_case(world)
    with pytest.raises(WorkflowError, match="不能执行此操作"):
        services.case_move(actor=world.a, case=case, to=CaseStatus.SENT_UP)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def test_extension_needs_the_heads_approval(world):
    case = services.case_accept(actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS))
    due = case.due_on
    ext = services.extension_request(actor=world.a, case=case, days=5, reason="需上级部门出具证明")
    with pytest.raises(NotPermitted, match="站长批准"):
        services.extension_decide(actor=world.b, extension=ext, approve=True)
    services.extension_decide(actor=world.head, extension=ext, approve=True)
    case.refresh_from_db()
    from junjia.core.workdays import add_working_days

    assert case.due_on == add_working_days(due, 5)
    assert case.steps.filter(action="批准延期").exists()


def test_doorstep_and_proxy_need_their_particulars(world):
    with pytest.raises(errors.CaseError, match="上门服务须说明原因"):
        open_case(world, channel=Channel.DOORSTEP)
    with pytest.raises(errors.CaseError, match="代办须登记委托人"):
        open_case(world, channel=Channel.PROXY)
    case = open_case(
        world,
        channel=Channel.PROXY,
        proxy={"requester": "王小明", "relationship": "儿子", "authorisation": "委托书"},
    )
    first = services.handover_record(
        actor=world.a, case=case, direction="in", items=["身份证", "退役证"], counterpart="王小明"
    )
    back = services.handover_record(
        actor=world.a, case=case, direction="out", items=["身份证"], counterpart="王小明"
    )
    assert first.receipt_no != back.receipt_no
    assert case.handovers.count() == 2


def test_only_assisted_and_proxy_cases_take_handovers(world):
    case = open_case(world)
    with pytest.raises(errors.CaseError, match=errors.HANDOVER_NOT_PROXY):
        services.handover_record(
            actor=world.a, case=case, direction="in", items=["身份证"], counterpart="王大明"
        )
    assert case.handovers.count() == 0


def _accepted(world, actor, due_on):
    case = open_case(world, actor=actor, received=ALL_CARD_MATERIALS)
    case = services.case_accept(actor=actor, case=case)
    Case.objects.filter(pk=case.pk).update(due_on=due_on)
    return case


def test_deadline_counts_count_what_the_watch_lists(world):
    _accepted(world, world.a, TODAY - dt.timedelta(days=3))
    _accepted(world, world.a, TODAY)
    _accepted(world, world.a, TODAY + dt.timedelta(days=1))
    _accepted(world, world.a, TODAY + dt.timedelta(days=20))
    watch = selectors.deadline_watch(world.head, TODAY)
    counts = selectors.deadline_counts(world.head, TODAY)
    assert counts == {"overdue": len(watch["overdue"]), "due_soon": len(watch["due_soon"])}
    assert counts == {"overdue": 1, "due_soon": 2}
    assert selectors.deadline_counts(world.personas.head_county2, TODAY) == {
        "overdue": 0,
        "due_soon": 0,
    }


def _slot(world, capacity=1, *, day=None, start=9):
    return services.slot_create(
        actor=world.head,
        station=world.station,
        day=day or dt.date.today() + dt.timedelta(days=30),
        start=dt.time(start),
        end=dt.time(start + 1),
        kind=SlotKind.VIDEO,
        capacity=capacity,
    )


def test_appointment_booking_and_cancellation(world):
    slot = _slot(world, capacity=2)
    number = "11010519491231002X"
    appt = services.appointment_book(slot=slot, name="李四", id_number=number, phone="13800000000")
    assert len(appt.code) == 8 and appt.id_masked == "110105********002X"
    assert services.find_appointment(appt.code, number) == appt
    assert services.find_appointment(appt.code, "110101199003071230") is None
    services.appointment_cancel(appointment=appt)
    slot.refresh_from_db()
    assert slot.booked == 0


def _future_slot(tree, personas, capacity):
    calendar_seed_from_package()
    return services.slot_create(
        actor=personas.head_a,
        station=tree.stations.village_a,
        day=dt.date.today() + dt.timedelta(days=30),
        start=dt.time(9),
        end=dt.time(10),
        kind=SlotKind.VIDEO,
        capacity=capacity,
    )


def _book_at_once(slot, count, person) -> list[str]:
    """`count` bookings of `slot` started together, each in its own connection; person(i) is
    the (identity number, phone) of the i-th. Each outcome: "ok", a refusal's message, or the
    repr of any other error (e.g. a lock error, which would be a failure of the design)."""
    results, start = [], threading.Barrier(count)

    def book(i):
        number, phone = person(i)
        try:
            start.wait()
            services.appointment_book(slot=slot, name=f"人{i}", id_number=number, phone=phone)
            results.append("ok")
        except DomainError as exc:
            results.append(str(exc))
        except Exception as exc:
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(count)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


@pytest.mark.django_db(transaction=True)
def test_last_place_cannot_be_booked_twice_under_concurrency(tree, personas):
    from junjia.registry.tests.factories import make_id_number

    slot = _future_slot(tree, personas, capacity=3)
    # Twelve different people: one person holds at most one place in a slot.
    numbers = [make_id_number() for _ in range(12)]

    results = _book_at_once(slot, 12, lambda i: (numbers[i], f"138000000{i:02d}"))

    assert results.count("ok") == 3
    assert results.count(errors.SLOT_FULL) == 9
    slot.refresh_from_db()
    assert slot.booked == 3 == Appointment.objects.filter(slot=slot).count()


def completed_employment_case(world) -> Case:
    case = services.case_accept(
        actor=world.a,
        case=open_case(
            world,
            code="employment-register",
            received={
                "居民身份证": {"state": "ok"},
                "退役证（转业证、离退休证）": {"state": "ok"},
                "学历证明": {"state": "ok"},
            },
        ),
    )
    return services.case_complete(actor=world.a, case=case, result="已推荐岗位")


def test_callback_after_employment_case_and_follow_up_when_unsatisfied(world):
    case = completed_employment_case(world)
    callback = Callback.objects.get(case=case)
    assert callback.status == CallbackStatus.DUE
    services.callback_record(
        actor=world.a, callback=callback, outcome="尚未就业", satisfaction=2, follow_up=False
    )
    assert Callback.objects.filter(case=case, status=CallbackStatus.DUE).count() == 1


def test_the_callback_phone_is_shown_only_in_reach_with_the_capability_and_audited(world):
    # given a due callback of a walk-in who left a phone number
    case = completed_employment_case(world)
    callback = Callback.objects.get(case=case)
    shown = AuditEntry.objects.filter(action="view", object_type="cases.case")

    # the neighbouring clerk is out of reach; the county leader has no callback capability
    for refused in (world.personas.clerk_b, world.personas.leader_county):
        with pytest.raises(NotPermitted, match="该回访不在您的辖区内。"):
            services.callback_reveal_phone(actor=refused, callback=callback)
    assert not shown.exists()

    # the clerk who calls sees the number, and the showing is one audit row on the case
    assert services.callback_reveal_phone(actor=world.a, callback=callback) == "13912345678"
    row = shown.get()
    assert (row.actor_id, row.object_id, row.region_key, row.subject_id) == (
        world.a.pk,
        str(case.pk),
        case.region_key,
        "",
    )
    assert row.extra == {"revealed": "phone", "page": "callback", "callback": callback.pk}


def test_bad_rating_opens_the_closed_loop(world):
    case = services.case_accept(actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS))
    case = services.case_complete(actor=world.a, case=case, result="办结")
    token = services.rating_token(case)
    assert services.case_for_token(token) == case
    assert services.case_for_token(token + "x") is None
    evaluation = services.evaluation_submit(
        case=case, score=2, comment="等候太久", channel=RatingChannel.QR
    )
    with pytest.raises(errors.CaseError, match="已经评价过"):
        services.evaluation_submit(case=case, score=5, comment="", channel=RatingChannel.QR)
    loop = RectificationLoop.objects.get(evaluation=evaluation)
    assert (loop.stage, loop.owner) == (LoopStage.FOUND, world.head)
    for record in (
        "收到差评",
        "核实：高峰期窗口不足",
        "增设午间值班",
        "电话回访，表示理解",
        "纳入月度分析",
    ):
        loop = services.loop_advance(actor=world.head, loop=loop, record=record)
    assert loop.stage == LoopStage.CLOSED
    assert list(loop.records.values_list("stage", flat=True)) == [
        "found",
        "verify",
        "rectify",
        "revisit",
        "improve",
    ]
    rows = selectors.satisfaction(world.head, by="item")
    assert rows == [{"label": "优待证申领", "total": 1, "satisfied": 0, "rate": 0.0}]


def test_good_rating_opens_no_loop(world):
    case = services.case_complete(
        actor=world.a,
        case=services.case_accept(
            actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS)
        ),
        result="办结",
    )
    services.evaluation_submit(case=case, score=5, comment="", channel=RatingChannel.WINDOW)
    assert not RectificationLoop.objects.exists()


def test_neighbouring_clerk_cannot_handle_or_see(world):
    case = open_case(world)
    clerk_b = world.personas.clerk_b
    with pytest.raises(WorkflowError):
        services.case_refuse(actor=clerk_b, case=case, reason="x")
    assert list(selectors.my_work(clerk_b, TODAY)) == []
    assert AuditEntry.objects.filter(object_type="cases.case", action="create").count() == 1


def test_completion_sends_the_rating_link_by_sms(
    world, settings, django_capture_on_commit_callbacks
):
    import json

    case = services.case_accept(actor=world.a, case=open_case(world, received=ALL_CARD_MATERIALS))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_complete(actor=world.a, case=case, result="办结")
    lines = [
        json.loads(line)
        for line in settings.JUNJIA_SMS_FILE.read_text(encoding="utf-8").splitlines()
    ]
    message = lines[-1]
    assert message["to"] == "13912345678"
    assert case.number in message["text"] and "/public/rate/" in message["text"]
    token = message["text"].rsplit("/public/rate/", 1)[1].rstrip("/")
    assert services.case_for_token(token) == case


def test_cases_appear_in_the_recipients_timeline(world):
    from junjia.registry.selectors import timeline
    from junjia.registry.tests.factories import make_recipient

    person = make_recipient(world.tree.regions.village_a, created_by=world.a, name="赵六")
    case = services.case_open(
        actor=world.a,
        item=item("policy-consultation"),
        channel=Channel.WINDOW,
        recipient=person,
        consultation=True,
    )
    events = timeline(person, world.a)
    assert [e["title"] for e in events] == [f"办件 {case.number}：政策咨询"]
    assert timeline(person, world.personas.clerk_b) == []


def test_materials_cannot_be_rechecked_after_acceptance(world):
    case = open_case(world, received=ALL_CARD_MATERIALS)
    case = services.case_accept(actor=world.a, case=case)
    with pytest.raises(errors.CaseError, match="不能再补正材料"):
        services.case_recheck(actor=world.a, case=case, received={})
    case.refresh_from_db()
    assert {m["state"] for m in case.materials} <= {"ok", "not_needed"}


def test_doorstep_outcome_only_on_doorstep_cases_and_never_empty(world):
    with pytest.raises(errors.CaseError, match=errors.NOT_DOORSTEP):
        services.case_record_doorstep(actor=world.a, case=open_case(world), outcome="当场办结")
    doorstep = open_case(world, channel=Channel.DOORSTEP, doorstep={"condition": "卧床不起"})
    with pytest.raises(errors.CaseError, match="请填写上门服务结果"):
        services.case_record_doorstep(actor=world.a, case=doorstep, outcome="  ")


def test_a_booking_code_drawn_twice_is_drawn_again(world, monkeypatch):
    from django.db import IntegrityError

    from junjia.registry.tests.factories import make_id_number

    slot = _slot(world, capacity=3)
    first = services.appointment_book(
        slot=slot, name="李四", id_number="11010519491231002X", phone="13800000000"
    )
    codes = iter([first.code, first.code, "NEWCODE2"])
    monkeypatch.setattr(appointments, "booking_code", lambda: next(codes))
    second = services.appointment_book(
        slot=slot, name="王五", id_number=make_id_number(), phone="13800000001"
    )
    assert second.code == "NEWCODE2"
    slot.refresh_from_db()
    assert slot.booked == 2 == Appointment.objects.filter(slot=slot).count()
    # Five collisions in a row: the error is the caller's, and nothing was taken.
    monkeypatch.setattr(appointments, "booking_code", lambda: first.code)
    with pytest.raises(IntegrityError):
        services.appointment_book(
            slot=slot, name="赵六", id_number=make_id_number(), phone="13800000002"
        )
    slot.refresh_from_db()
    assert slot.booked == 2 == Appointment.objects.filter(slot=slot).count()


def test_a_hall_opens_cases_only_for_the_items_of_its_level(world):
    # pension-apply is handled by counties and townships, not by a village station
    pension = item("pension-apply")
    assert world.station.region.level not in pension.handling_levels
    with pytest.raises(InvalidInput, match="不由本级服务中心（站）办理") as refused:
        open_case(world, code="pension-apply")
    assert refused.value.field == "item"
    assert not Case.objects.exists()
    # recorded as outside the hall's remit, it is taken (and referred)
    case = open_case(world, code="pension-apply", outside_remit=True)
    assert case.outside_remit


# --- the person's limits (issue 12 §3) --------------------------------------------------------


def _slots(world, count):
    return [_slot(world, 5, start=8 + i) for i in range(count)]


def test_one_identity_number_holds_at_most_the_limit_of_open_bookings(world, settings):
    from junjia.registry.tests.factories import make_id_number

    settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = 2
    slots = _slots(world, 3)
    number = make_id_number()
    for i, slot in enumerate(slots[:2]):
        services.appointment_book(slot=slot, name="李四", id_number=number, phone=f"1380000000{i}")

    with pytest.raises(InvalidInput) as refused:
        services.appointment_book(slot=slots[2], name="李四", id_number=number, phone="13800000009")

    assert refused.value.field == "id_number"
    assert str(refused.value) == errors.TOO_MANY_BY_ID.format(limit=2)
    slots[2].refresh_from_db()
    assert slots[2].booked == 0 == Appointment.objects.filter(slot=slots[2]).count()


def test_one_phone_number_holds_at_most_the_limit_and_staff_follow_it_too(world, settings):
    from junjia.registry.tests.factories import make_id_number

    settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = 2
    slots = _slots(world, 3)
    for slot in slots[:2]:
        services.appointment_book(
            slot=slot, name="李四", id_number=make_id_number(), phone="13800000000"
        )

    with pytest.raises(InvalidInput) as refused:
        services.appointment_book(
            slot=slots[2],
            name="王五",
            id_number=make_id_number(),
            phone="13800000000",
            actor=world.a,
        )

    assert refused.value.field == "phone"
    assert str(refused.value) == (
        errors.TOO_MANY_BY_PHONE.format(limit=2) + errors.STAFF_SAME_LIMITS
    )
    assert Appointment.objects.filter(slot=slots[2]).count() == 0


def test_the_same_person_cannot_hold_two_places_in_one_slot(world):
    slot = _slot(world, capacity=3)
    number = "11010519491231002X"
    services.appointment_book(slot=slot, name="李四", id_number=number, phone="13800000000")

    with pytest.raises(InvalidInput) as refused:
        services.appointment_book(slot=slot, name="李四", id_number=number, phone="13900000000")

    assert refused.value.field == "id_number"
    assert str(refused.value) == errors.SAME_SLOT_TWICE
    slot.refresh_from_db()
    assert slot.booked == 1 == Appointment.objects.filter(slot=slot).count()


def test_a_booking_is_not_moved_into_a_slot_the_person_already_holds(world):
    first, second = _slots(world, 2)
    number = "11010519491231002X"
    held = services.appointment_book(slot=first, name="李四", id_number=number, phone="13800000000")
    moving = services.appointment_book(
        slot=second, name="李四", id_number=number, phone="13800000000"
    )

    with pytest.raises(InvalidInput) as refused:
        services.appointment_reschedule(appointment=moving, slot=first)

    assert (refused.value.field, str(refused.value)) == ("slot", errors.SAME_SLOT_TWICE)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.booked, second.booked) == (1, 1)
    assert Appointment.objects.get(pk=held.pk).slot == first


def test_a_cancelled_or_past_booking_does_not_count(world, settings):
    from junjia.registry.tests.factories import make_id_number

    settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = 1
    number = make_id_number()
    past = _slot(world, 2, day=TODAY, start=11)
    services.appointment_book(slot=past, name="李四", id_number=number, phone="13800000000")
    first, later = _slots(world, 2)
    with freeze_time("2026-09-28 13:00:00+08:00"):  # the morning's slot is over
        cancelled = services.appointment_book(
            slot=first, name="李四", id_number=number, phone="13800000000"
        )
        services.appointment_cancel(appointment=cancelled)
        # Cancelled: the same slot can be booked again, and it is the one open booking.
        services.appointment_book(slot=first, name="李四", id_number=number, phone="13800000000")
        with pytest.raises(InvalidInput):
            services.appointment_book(
                slot=later, name="李四", id_number=number, phone="13800000001"
            )


@pytest.mark.django_db(transaction=True)
def test_one_person_booking_one_slot_twice_at_once_gets_one_place(tree, personas):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    slot = _future_slot(tree, personas, capacity=5)

    results = _book_at_once(slot, 6, lambda i: ("11010519491231002X", f"1380000000{i}"))

    assert results.count("ok") == 1
    assert results.count(errors.SAME_SLOT_TWICE) == 5
    slot.refresh_from_db()
    assert slot.booked == 1 == Appointment.objects.filter(slot=slot).count()

"""Permission-walk classification of the rota pages (views/rota.py): appointments, callbacks,
the bad-review loop and satisfaction analysis (windows, leave and lunch duty: staffing's
tests/walk_staffing.py).

kind: public / self / list / object / global; kwargs point at village B's objects; the last
value says whether a township-level user would see village B in that list."""

import datetime as dt


def extend_world(world, tree, personas):
    """Village B's slots and appointment, completed cases with a callback, an evaluation below
    满意 and its loop, and a completed case still unrated."""
    from django.utils import timezone

    from junjia.cases import services
    from junjia.cases.catalogue import load_catalogue
    from junjia.cases.choices import Channel, LoopStage, SlotKind
    from junjia.cases.models import (
        AppointmentSlot,
        Callback,
        Case,
        Evaluation,
        RectificationLoop,
        ServiceItem,
    )

    station = tree.stations.village_b
    key = station.region_key
    clerk_b = personas.clerk_b
    today = timezone.localdate()

    def slot(days_ahead):
        return AppointmentSlot.objects.create(
            station=station,
            region_key=key,
            date=today + dt.timedelta(days=days_ahead),
            start=dt.time(9),
            end=dt.time(10),
            kind=SlotKind.VIDEO,
            capacity=3,
        )

    world.rota_slot_b = slot(30)
    world.rota_slot_b2 = slot(31)  # a second open slot: where a booking is moved to
    world.rota_appointment_b = services.appointment_book(
        slot=world.rota_slot_b,
        name="乙预约人",
        id_number="11010519491231002X",
        phone="13800000000",
        actor=clerk_b,
    )
    load_catalogue()
    version = ServiceItem.objects.get(code="employment-register").current_version

    def completed(number):
        return Case.objects.create(
            number=number,
            item_version=version,
            station=station,
            region_key=key,
            applicant_name="乙申请人",
            channel=Channel.WINDOW,
            status="completed",
            owner=clerk_b,
            completed_at=timezone.now(),
            result="已推荐岗位",
        )

    world.rota_case_b = completed(f"{station.region.code}-ROTA-0001")
    world.rota_case_unrated_b = completed(f"{station.region.code}-ROTA-0002")
    # the applicant left a phone number: the callback's reveal shows it
    from junjia.cases.models import CASE_APPLICANT_PHONE

    Case.objects.filter(pk=world.rota_case_b.pk).update(**CASE_APPLICANT_PHONE.seal("13800000001"))
    world.rota_callback_b = Callback.objects.create(
        case=world.rota_case_b, region_key=key, owner=clerk_b, due_on=today
    )
    world.rota_evaluation_b = Evaluation.objects.create(
        case=world.rota_case_b,
        region_key=key,
        score=2,
        comment="等候太久",
        channel="paper",
        owner=clerk_b,
        item=version.item,
    )
    world.rota_loop_b = RectificationLoop.objects.create(
        evaluation=world.rota_evaluation_b,
        region_key=key,
        stage=LoopStage.FOUND,
        owner=clerk_b,
        due_on=today,
    )


def _appointment(world):
    return {"pk": world.rota_appointment_b.pk}


def _loop(world):
    return {"pk": world.rota_loop_b.pk}


def _clerk_b(world):
    """Village B's clerk: first handler of B's cases, owner of the callback and the loop."""
    return world.staff_b


def rebook(world) -> dict:
    """Village B's booking moved to B's other open slot."""
    return {"slot": world.rota_slot_b2.pk}


def loop_record(world) -> dict:
    """The loop's first stage recorded by its owner, the next stage kept by them."""
    return {"record": "已核实：等候超时", "next_owner": world.staff_b.pk}


def slot_today(world):
    """Village B's booked slot falls today: only then is the person marked arrived."""
    from django.utils import timezone

    from junjia.cases.models import AppointmentSlot

    AppointmentSlot.objects.filter(pk=world.rota_slot_b.pk).update(date=timezone.localdate())


ROUTES = {
    # lists and forms whose station pickers list the jurisdiction's stations
    "cases:appointments": ("list", None, True),
    "cases:slots": ("list", None, True),
    "cases:appointment_book": ("list", None, True),
    "cases:callbacks": ("list", None, True),
    "cases:loops": ("list", None, True),
    "cases:evaluation_paper": ("list", None, True),
    "cases:analysis": ("list", None, True),
    "cases:analysis_cases": ("list", None, True),
    # village B's objects
    "cases:appointment_mark": (
        "object",
        _appointment,
        False,
        {"body": lambda w: {"status": "arrived"}, "prepare": slot_today},
    ),
    "cases:appointment_cancel": ("object", _appointment, False, lambda w: {}),
    "cases:appointment_reschedule": ("object", _appointment, False, rebook),
    "cases:callback_record": (
        "object",
        lambda w: {"pk": w.rota_callback_b.pk},
        False,
        {
            "body": lambda w: {"outcome": "电话回访，已解决", "satisfaction": "5"},
            "actor": _clerk_b,
        },
    ),
    # the write is the reveal's audit entry, which the fingerprint leaves out
    "cases:callback_reveal_phone": (
        "object",
        lambda w: {"pk": w.rota_callback_b.pk},
        False,
        {"body": lambda w: {}, "actor": _clerk_b, "changes_db": False},
    ),
    "cases:loop_detail": ("object", _loop, False),
    "cases:loop_advance": ("object", _loop, False, {"body": loop_record, "actor": _clerk_b}),
}

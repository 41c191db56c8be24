"""The one deadline scanner (core.deadlines) on the cases app's workflows: each case,
callback and rectification stage due soon, overdue or overdue long enough to escalate is told
once per event to its owner, its station head and the head above."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from junjia.cases import services
from junjia.cases.choices import CallbackStatus, LoopStage
from junjia.cases.models import Callback, Case, RectificationLoop
from junjia.cases.workflow import CASE_WORKFLOW
from junjia.core import deadlines
from junjia.core.models import DeadlineEvent, Notification
from junjia.core.tasks import scan_deadlines_task
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff

from . import test_services as base
from .test_services import ALL_CARD_MATERIALS, TODAY, open_case

world = base.world  # the shared fixture (frozen at TODAY, a Monday)


def accepted(world, actor, due_on):
    case = services.case_accept(
        actor=actor, case=open_case(world, actor=actor, received=ALL_CARD_MATERIALS)
    )
    Case.objects.filter(pk=case.pk).update(due_on=due_on)
    return case


def told(user, what):
    return Notification.objects.filter(user=user, text__contains=what).count()


def case_scan(today=TODAY, batch=deadlines.BATCH):
    return deadlines.scan_watch(deadlines._WATCHES[CASE_WORKFLOW.name], today, batch)


@pytest.mark.parametrize("batch", [1, 2, 500])
def test_each_event_is_told_once_to_the_owner_and_the_head(world, batch):
    b_clerk = world.personas.clerk_b
    b_head = make_staff(world.tree.stations.village_b, Role.STATION_HEAD, username="head_b")
    make_staff(world.station, Role.STATION_HEAD, username="head_a_second")  # later id: not told
    late_a = accepted(world, world.a, TODAY - dt.timedelta(days=3))
    soon_a = accepted(world, world.a, TODAY + dt.timedelta(days=1))
    late_b = accepted(world, b_clerk, TODAY - dt.timedelta(days=1))
    accepted(world, world.a, TODAY + dt.timedelta(days=20))  # later: not yet
    not_running = open_case(world)  # received: the time limit has not started
    Case.objects.filter(pk=not_running.pk).update(due_on=TODAY - dt.timedelta(days=5))

    assert case_scan(batch=batch) == {"soon": 1, "overdue": 2, "escalated": 0}

    events = set(DeadlineEvent.objects.values_list("object_id", "kind"))
    assert events == {(late_a.pk, "overdue"), (soon_a.pk, "soon"), (late_b.pk, "overdue")}
    assert told(world.a, "已超期") == 1 and told(world.a, "将于") == 1
    assert told(world.head, "已超期") == 1 and told(world.head, "将于") == 0
    assert told(b_clerk, "已超期") == 1 and told(b_head, "已超期") == 1
    assert Notification.objects.filter(user__username="head_a_second").count() == 0
    # the same day again: nothing new; two days on, the case due soon is overdue
    assert case_scan(batch=batch) == {"soon": 0, "overdue": 0, "escalated": 0}
    assert case_scan(TODAY + dt.timedelta(days=2)) == {"soon": 0, "overdue": 1, "escalated": 0}
    assert told(world.a, "已超期") == 2


def test_a_moved_due_date_is_a_new_deadline(world):
    case = accepted(world, world.a, TODAY - dt.timedelta(days=1))
    case_scan()
    Case.objects.filter(pk=case.pk).update(due_on=TODAY + dt.timedelta(days=1))  # extended
    assert case_scan() == {"soon": 1, "overdue": 0, "escalated": 0}


def test_overdue_long_enough_is_escalated_to_the_head_above(world, settings):
    settings.JUNJIA_ESCALATE_AFTER_DAYS = 3
    # Tue 22 Sep: 23, 24, 25 and 27 (a make-up Sunday) and 28 Sep later — four working days
    case = accepted(world, world.a, dt.date(2026, 9, 22))
    fresh = accepted(world, world.a, dt.date(2026, 9, 25))  # one working day late
    county_head = world.personas.head_county

    assert case_scan() == {"soon": 0, "overdue": 2, "escalated": 1}

    text = Notification.objects.get(user=county_head).text
    assert text == (
        f"{case.station.name}的办件 {case.number}（{case.applicant_name}）已超期 3 个工作日以上"
        "（期限 09月22日），请督办。"
    )
    assert told(world.head, "已超期") == 2  # the station's own head: both, once each
    assert not Notification.objects.filter(user=county_head, link=f"/cases/{fresh.pk}/").exists()
    assert case_scan() == {"soon": 0, "overdue": 0, "escalated": 0}


def test_overdue_callbacks_and_rectification_stages_now_tell_their_owners(world):
    case = accepted(world, world.a, TODAY + dt.timedelta(days=10))
    callback = Callback.objects.create(
        case=case, region_key=case.region_key, owner=world.b, due_on=TODAY - dt.timedelta(days=1)
    )
    services.case_complete(actor=world.a, case=case, result="已办结")
    evaluation = services.evaluation_submit(
        case=Case.objects.get(pk=case.pk), score=1, comment="慢", channel="window"
    )
    loop = RectificationLoop.objects.get(evaluation=evaluation)
    RectificationLoop.objects.filter(pk=loop.pk).update(due_on=TODAY - dt.timedelta(days=1))

    result = deadlines.scan(TODAY)

    assert result["case_callback"]["overdue"] == 1
    assert result["rectification_loop"]["overdue"] == 1
    assert told(world.b, f"办件 {case.number} 的回访已超期") == 1
    assert told(loop.owner, f"差评整改“{LoopStage.FOUND.label}”环节已超期") == 1
    # once recorded, a callback is no longer watched
    services.callback_record(
        actor=world.b, callback=callback, outcome="已电话回访", satisfaction=5, follow_up=False
    )
    assert Callback.objects.get(pk=callback.pk).status == CallbackStatus.DONE
    assert deadlines.scan(TODAY)["case_callback"] == {"soon": 0, "overdue": 0, "escalated": 0}


def test_the_hourly_task_runs_every_watched_workflow(world):
    accepted(world, world.a, TODAY - dt.timedelta(days=1))
    with freeze_time("2026-09-28 11:00:00+08:00"):
        first = scan_deadlines_task.call()
        again = scan_deadlines_task.call()
    assert first["case"] == {"soon": 0, "overdue": 1, "escalated": 0}
    assert again["case"] == {"soon": 0, "overdue": 0, "escalated": 0}
    assert {"case", "case_callback", "rectification_loop"} <= set(first)


def test_the_candidates_are_read_in_a_fixed_number_of_queries(world):
    for days in range(1, 6):
        accepted(world, world.a, TODAY - dt.timedelta(days=days))
    case_scan()
    with CaptureQueriesContext(connection) as queries:
        case_scan()  # nothing new: three candidate reads, no batch
    assert len(queries) <= 8


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_tell_each_event_once(tree, personas):
    from junjia.cases.catalogue import load_catalogue
    from junjia.core.workdays.services import calendar_seed_from_package

    calendar_seed_from_package()
    load_catalogue()
    with freeze_time("2026-09-28 10:00:00+08:00"):
        W = type("W", (), {"a": personas.clerk_a, "tree": tree, "personas": personas})
        cases = [accepted(W, personas.clerk_a, TODAY - dt.timedelta(days=n)) for n in (1, 2, 3)]
    results, start = [], threading.Barrier(2)

    def scan():
        try:
            start.wait()
            results.append(deadlines.scan_watch(deadlines._WATCHES[CASE_WORKFLOW.name], TODAY, 1))
        except Exception as exc:  # a lock error or a duplicate would be a failure of the design
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # batches of one: the two scans share the work, each case told by exactly one of them
    assert sum(r["overdue"] for r in results) == 3, results
    assert DeadlineEvent.objects.filter(kind="overdue").count() == 3
    assert told(personas.clerk_a, "已超期") == 3
    assert told(personas.head_a, "已超期") == 3
    assert {e.object_id for e in DeadlineEvent.objects.all()} == {c.pk for c in cases}


def test_a_batch_is_told_in_a_fixed_number_of_queries(world, settings):
    # Due soon, overdue and escalated, for two stations: the rows, their people and the writes
    # are read and written per batch, never per case.
    settings.JUNJIA_ESCALATE_AFTER_DAYS = 3
    b_clerk = world.personas.clerk_b
    make_staff(world.tree.stations.village_b, Role.STATION_HEAD, username="head_b")

    def some(n):
        for days in range(n):
            for clerk in (world.a, b_clerk):
                accepted(world, clerk, TODAY + dt.timedelta(days=1))
                accepted(world, clerk, TODAY - dt.timedelta(days=1 + days))
                accepted(world, clerk, dt.date(2026, 9, 1) - dt.timedelta(days=days))

    some(1)
    with CaptureQueriesContext(connection) as few:
        first = case_scan()
    some(3)
    with CaptureQueriesContext(connection) as more:
        second = case_scan()
    assert first == {"soon": 2, "overdue": 4, "escalated": 2}
    assert second == {"soon": 6, "overdue": 12, "escalated": 6}
    assert len(more) == len(few)
    escalated = Notification.objects.filter(text__contains="请督办")
    assert {n.user for n in escalated} == {world.personas.head_county}
    assert escalated.count() == 8

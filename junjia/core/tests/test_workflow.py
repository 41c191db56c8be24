"""The workflow kernel: deadlines in working or calendar days, paused clocks, typed refusals,
what a user may do now, and side effects that cannot break a committed step."""

import datetime as dt
import logging
from types import SimpleNamespace

import pytest
from django.db import models
from freezegun import freeze_time

from junjia.core import workflow
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.core.workflow import CALENDAR, WORKING, Deadline, Transition, Workflow

D = dt.date


class Status(models.TextChoices):
    OPEN = "open", "受理"
    WAITING = "waiting", "等待补充"
    HEARING = "hearing", "听证"
    DONE = "done", "办结"


def _late(obj, actor, **context):
    return "材料不全，不能办结。" if obj.missing else None


FLOW = Workflow(
    "test",
    Status,
    {
        Status.OPEN: {
            Status.WAITING: Transition("等待补充", "x.handle"),
            Status.HEARING: Transition("听证", "x.handle"),
            Status.DONE: Transition(
                "办结", "x.handle", _late, requires={"result": "请填写办理结果。"}, field="m"
            ),
        },
        Status.WAITING: {Status.OPEN: Transition("恢复", "x.handle")},
        Status.HEARING: {Status.OPEN: Transition("恢复", "x.handle")},
    },
    deadlines={Status.OPEN: Deadline(60, kind=CALENDAR)},
    running=frozenset({Status.OPEN}),
    paused=frozenset({Status.WAITING, Status.HEARING}),
    kind=CALENDAR,
)


def thing(**kw):
    return SimpleNamespace(
        **{"status": Status.OPEN, "due_on": None, "paused_on": None, "missing": False, **kw}
    )


def test_a_calendar_day_deadline_counts_every_day():
    with freeze_time("2026-12-07 10:00:00+08:00"):
        obj = thing(status=Status.WAITING)
        fields = []
        workflow._clock(FLOW, obj, "new", Status.OPEN, fields)
    assert obj.due_on == D(2027, 2, 5)  # 60 calendar days, holidays and all
    assert "due_on" in fields


def test_a_paused_clock_moves_the_due_date_by_the_days_paused_and_says_so():
    obj = thing(due_on=D(2027, 2, 5))
    with freeze_time("2026-12-10 10:00:00+08:00"):
        workflow._clock(FLOW, obj, Status.OPEN, Status.HEARING, [])
    assert obj.paused_on == D(2026, 12, 10)
    with freeze_time("2026-12-24 10:00:00+08:00"):
        fields = []
        extra = workflow._clock(FLOW, obj, Status.HEARING, Status.OPEN, fields)
    assert obj.due_on == D(2027, 2, 19) and obj.paused_on is None
    assert extra["paused_days"] == 14
    assert extra["paused_remark"] == "期限暂停 14 个日（2026-12-10 至 2026-12-24）"
    assert {"due_on", "paused_on"} <= set(fields)


@pytest.mark.django_db
def test_working_day_pauses_count_working_days():
    calendar_seed_from_package()
    flow = Workflow("w", Status, FLOW.table, paused=FLOW.paused, kind=WORKING)
    obj = thing(due_on=D(2026, 10, 20))
    with freeze_time("2026-09-29 10:00:00+08:00"):
        workflow._clock(flow, obj, Status.OPEN, Status.WAITING, [])
    with freeze_time("2026-10-09 10:00:00+08:00"):  # over the National Day week
        extra = workflow._clock(flow, obj, Status.WAITING, Status.OPEN, [])
    # (29 Sep, 9 Oct]: 30 Sep, 8 and 9 Oct (1–7 Oct off); 20 Oct moves on to 23 Oct
    assert extra["paused_days"] == 3
    assert obj.due_on == D(2026, 10, 23)


def allow(actor, capability, obj):
    return True


def test_refusals_are_typed():
    wrong = workflow.wrong_state(FLOW, Status.WAITING, Status.DONE)
    assert isinstance(wrong, WrongState)
    assert str(wrong) == "当前状态为“等待补充”，不能执行此操作（不能变为“办结”）。"
    assert wrong.allowed == [(Status.OPEN, "受理")]
    with pytest.raises(InvalidInput) as missing:
        workflow._check_input(FLOW.table[Status.OPEN][Status.DONE], {"result": " "})
    assert missing.value.field == "result"
    with pytest.raises(InvalidInput) as guard:
        workflow._guard(FLOW.table[Status.OPEN][Status.DONE], thing(missing=True), None, {})
    assert (str(guard.value), guard.value.field) == ("材料不全，不能办结。", "m")
    with pytest.raises(NotPermitted, match="只有首办人"):
        workflow._permission(
            lambda *a: "只有首办人可以办理。", None, FLOW.table[Status.OPEN][Status.DONE], None
        )
    with pytest.raises(NotPermitted, match="权限"):
        workflow._permission(lambda *a: False, None, FLOW.table[Status.OPEN][Status.DONE], None)


def test_available_is_the_table_the_rights_and_the_guards():
    steps = [to for to, _ in workflow.available(FLOW, thing(), None, can=allow)]
    assert steps == [Status.WAITING, Status.HEARING, Status.DONE]
    steps = [to for to, _ in workflow.available(FLOW, thing(missing=True), None, can=allow)]
    assert steps == [Status.WAITING, Status.HEARING]
    assert workflow.available(FLOW, thing(), None, can=lambda *a: False) == []


@pytest.mark.django_db
def test_a_failing_side_effect_is_logged_and_the_step_stands(
    django_capture_on_commit_callbacks, caplog
):
    def gateway_down():
        raise ConnectionError("短信网关无响应")

    done = []
    with (
        caplog.at_level(logging.ERROR, logger="junjia.workflow"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        workflow.after_commit(gateway_down)
        workflow.after_commit(lambda: done.append(1))
    assert done == [1]
    assert "side effect after commit failed" in caplog.text

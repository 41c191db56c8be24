"""Deadlines in a provisional year are recounted when the official schedule is entered, and
their owners are told."""

import datetime as dt

from django.utils import timezone

from junjia.cases import services
from junjia.cases.choices import CallbackStatus
from junjia.cases.models import Callback, Case
from junjia.core.models import AuditEntry, Notification
from junjia.core.workdays import add_working_days
from junjia.core.workdays.services import calendar_year_save

from . import test_pages_work as base
from .test_pages_work import accepted_case, new_case

frozen, work = base.frozen, base.work  # the shared fixtures

D = dt.date
# Two extra weekdays off at the start of 2027 (test data, not the real notice).
SCHEDULE = "2027-01-01 休 元旦\n2027-01-04 休 元旦\n2027-01-05 休 元旦\n"


def enter_2027(actor):
    return calendar_year_save(actor=actor, year=2027, notice="测试通知", schedule=SCHEDULE)


def test_a_case_due_in_a_provisional_year_moves_and_its_owner_is_told(work):
    work.frozen.move_to("2026-12-15 10:00:00+08:00")
    case = services.case_accept(actor=work.a, case=new_case(work.a))
    estimated = case.due_on
    limit = case.item_version.time_limit_days
    assert estimated == add_working_days(D(2026, 12, 15), limit) and estimated.year == 2027

    saved = enter_2027(work.personas.sysadmin)

    case.refresh_from_db()
    # the same number of working days from acceptance, now without 4 and 5 January
    assert case.due_on == add_working_days(D(2026, 12, 15), limit)
    assert case.due_on > estimated
    assert [(m.old, m.new) for m in saved.moved] == [(estimated, case.due_on)]
    told = Notification.objects.get(user=work.a, text__startswith="2027 年节假日安排已录入")
    assert told.text == (
        f"2027 年节假日安排已录入：办件 {case.number} 的承诺办结日期由 "
        f"{estimated} 调整为 {case.due_on}。"
    )
    assert told.link == f"/cases/{case.pk}/"
    row = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).latest("pk")
    assert row.changes == {"due_on": [estimated.isoformat(), case.due_on.isoformat()]}


def test_deadlines_before_the_year_and_closed_work_stay_as_they_are(work):
    work.frozen.move_to("2026-12-01 10:00:00+08:00")
    early = accepted_case(work.a, name="早到期", due=D(2026, 12, 20))
    done = accepted_case(work.a, name="已办结", due=D(2027, 1, 20))
    services.case_complete(actor=work.a, case=done, result="已办结")

    saved = enter_2027(work.personas.sysadmin)

    assert saved.moved == []
    assert Case.objects.get(pk=early.pk).due_on == D(2026, 12, 20)
    assert Case.objects.get(pk=done.pk).due_on == D(2027, 1, 20)
    assert not Notification.objects.filter(text__startswith="2027 年节假日安排已录入").exists()


def test_a_due_callback_is_recounted_from_the_day_it_was_opened(work):
    work.frozen.move_to("2026-12-28 10:00:00+08:00")
    case = accepted_case(work.a, name="回访人")
    callback = Callback.objects.create(
        case=case,
        region_key=case.region_key,
        owner=work.a2,
        due_on=add_working_days(timezone.localdate(), 5),
    )
    # 29, 30, 31 Dec, then 4 and 5 Jan under the statutory holidays alone
    assert callback.due_on == D(2027, 1, 5)

    enter_2027(work.personas.sysadmin)

    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DUE and callback.due_on == D(2027, 1, 7)
    assert Notification.objects.filter(
        user=work.a2, text__contains=f"办件 {case.number} 的回访期限由 2027-01-05 调整为 2027-01-07"
    ).exists()


def test_the_api_says_when_a_due_date_is_an_estimate(work):
    from .test_rest import CASES, api_for

    work.frozen.move_to("2026-12-15 10:00:00+08:00")
    later = services.case_accept(actor=work.a, case=new_case(work.a))
    early = accepted_case(work.a, name="年内到期", due=D(2026, 12, 30))

    rows = {r["id"]: r for r in api_for(work.a).get(CASES).json()["results"]}

    assert rows[later.pk]["due_on_estimated"] is True
    assert rows[early.pk]["due_on_estimated"] is False


def test_an_open_rectification_stage_is_recounted_from_when_it_began(work):
    from junjia.cases.models import RectificationLoop

    work.frozen.move_to("2026-12-31 10:00:00+08:00")
    case = accepted_case(work.a, name="差评人")
    case = services.case_complete(actor=work.a, case=case, result="已办结")
    services.evaluation_submit(case=case, score=1, comment="太慢", channel="window")
    loop = RectificationLoop.objects.get()
    assert loop.due_on == D(2027, 1, 4)  # one working day; 1 Jan is statutory

    enter_2027(work.personas.sysadmin)

    loop.refresh_from_db()
    assert loop.due_on == D(2027, 1, 6)

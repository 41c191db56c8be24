"""The clerk's to-do (core.todo) shows her visits due (issue 13): the people her station is
responsible for in a live campaign whose window has opened, soonest closing first; overdue once
the window has closed, and counted beside 工作台; gone once a visit that counts is recorded.
Another station's people, and those the county is responsible for, are not hers."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from junjia.core import todo
from junjia.orgs.choices import Level
from junjia.orgs.tests.helpers import login_as
from junjia.visits import services
from junjia.visits.choices import MemberState
from junjia.visits.recording import visit_record
from junjia.visits.tests.test_campaigns import SPRING, create, members
from junjia.visits.tests.test_visits import entry

pytestmark = pytest.mark.django_db


def _visits(sections) -> dict[str, list]:
    return {
        s["kind"]: [i.title for i in s["items"] if i.label == "走访"]
        for s in sections
        if any(i.label == "走访" for i in s["items"])
    }


def test_a_village_clerk_sees_her_visits_due_then_overdue_and_not_after_a_visit(
    people, personas, django_capture_on_commit_callbacks
):
    with freeze_time(SPRING - dt.timedelta(days=3)):
        campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
        wang = members(campaign)["王抚恤"]
        due = _visits(todo.todo_for(personas.clerk_a))
        assert list(due) == [todo.MINE] and len(due[todo.MINE]) == 1
        assert due[todo.MINE][0].startswith("王抚恤（") and "2027 春节走访" in due[todo.MINE][0]
        assert wang.recipient.id_masked in due[todo.MINE][0]
        # village B's clerk and the county head: not theirs (村B's people, the village's level)
        assert "王抚恤" not in str(_visits(todo.todo_for(personas.clerk_b)))
        assert _visits(todo.todo_for(personas.head_county)) == {}

    closed = wang.closes + dt.timedelta(days=1)  # the day after the window's last day
    with freeze_time(closed):
        late = _visits(todo.todo_for(personas.clerk_a))
        assert list(late) == [todo.OVERDUE]
        assert todo.count_for(personas.clerk_a) == 1

    with freeze_time(dt.datetime.combine(closed, dt.time(10))):
        visit_record(actor=personas.clerk_a, recipient=wang.recipient, data=entry(), member=wang)
        wang.refresh_from_db()
        assert wang.visit_state == MemberState.VISITED
        assert _visits(todo.todo_for(personas.clerk_a)) == {}
        assert todo.count_for(personas.clerk_a) == 0


def test_a_person_given_to_the_county_is_on_the_county_s_list(
    client, people, personas, django_capture_on_commit_callbacks
):
    with freeze_time(SPRING - dt.timedelta(days=3)):
        campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
        wang = members(campaign)["王抚恤"]
        services.member_reassign(
            actor=personas.head_county, member=wang, level=Level.COUNTY, reason="重点对象"
        )
        assert "王抚恤" not in str(_visits(todo.todo_for(personas.clerk_a)))
        county = _visits(todo.todo_for(personas.head_county))
        assert any(t.startswith("王抚恤（") for t in county[todo.MINE])
        # the home page links straight to recording the visit
        login_as(client, personas.head_county)
        page = client.get(reverse("orgs:home")).content.decode()
        link = reverse("visits:visit_new_member", kwargs={"pk": campaign.pk, "member": wang.pk})
        assert link in page

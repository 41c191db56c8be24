"""The one deadline scanner (core.deadlines) on visit windows (issue 13: "Reminders before a
window opens and escalation when overdue"): each campaign member still due in a live campaign
is told once when its window opens soon, once when it closes soon, once overdue and once
escalated — to the visitor it was given to, else the responsible station's clerks; overdue
also the station's head; escalated the head above. One message per campaign, station and
people, not one per person; a visited person, a closed campaign: nothing."""

import datetime as dt

import pytest

from junjia.core import deadlines
from junjia.core.models import DeadlineEvent, Notification
from junjia.core.tests.helpers_calendar import known_calendar
from junjia.core.workdays import WorkingDayCalendar
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.registry.tests.factories import make_recipient
from junjia.visits.assignment import member_assign
from junjia.visits.choices import CampaignStatus, MemberState
from junjia.visits.generation import generate
from junjia.visits.models import CampaignMember, VisitCampaign
from junjia.visits.tests.test_campaigns import SPRING, create, members
from junjia.visits.workflow import MEMBER_WORKFLOW

pytestmark = pytest.mark.django_db
OPENS, CLOSES = SPRING - dt.timedelta(days=30), SPRING + dt.timedelta(days=15)


def scan(today):
    return deadlines.scan_watch(deadlines._WATCHES[MEMBER_WORKFLOW.name], today)


def texts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("text", flat=True)
    )


@pytest.fixture
def world(people, personas, tree, django_capture_on_commit_callbacks):
    known_calendar(OPENS)
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    # a second person of 村B, so that 村B's clerk gets one message for two people
    make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_a,
        name="陈定补",
        sections={"pension": {"pension_type": "subsidy"}},
    )
    generate(campaign, actor=personas.head_county)
    found = members(campaign)
    member_assign(actor=personas.clerk_a, members=[found["王抚恤"]], visitor=personas.head_a)
    head_b = make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b")
    head_town = make_staff(tree.stations.town1, Role.STATION_HEAD, username="head_town1")
    return campaign, found, head_b, head_town


def test_each_stage_is_told_once_to_the_right_people(world, personas):
    _campaign, found, head_b, head_town = world
    calendar = WorkingDayCalendar()
    before_opening = OPENS - dt.timedelta(days=1)
    while not calendar.is_working_day(before_opening):
        before_opening -= dt.timedelta(days=1)

    # Two working days or less before the window opens: opening, once
    counts = scan(before_opening)
    assert counts == {"soon": 0, "overdue": 0, "escalated": 0, "opening": 4}
    assert texts(personas.head_a) == [
        f"2027 春节走访：王抚恤的走访窗口将于{OPENS:%m月%d日}开始，请安排走访。"
    ]
    assert texts(personas.clerk_a) == []  # 王抚恤 was given to 村A's head
    (told_b,) = texts(personas.clerk_b)  # 村B's two people: one message
    assert told_b.startswith("2027 春节走访：") and "李定补" in told_b and "陈定补" in told_b
    assert texts(head_b) == [] and texts(head_town) == []
    assert scan(before_opening) == {"soon": 0, "overdue": 0, "escalated": 0, "opening": 0}

    # The window open for weeks: nothing to tell
    assert scan(OPENS + dt.timedelta(days=7)) == dict.fromkeys(
        ("soon", "overdue", "escalated", "opening"), 0
    )

    # 王抚恤 visited meanwhile: no longer watched
    CampaignMember.objects.filter(pk=found["王抚恤"].pk).update(visit_state=MemberState.VISITED)

    # Closing soon, then overdue (the station's head as well), then escalated (the head above)
    soon_day = CLOSES - dt.timedelta(days=1)
    while not calendar.is_working_day(soon_day):
        soon_day -= dt.timedelta(days=1)
    assert scan(soon_day)["soon"] == 3
    assert (
        "的走访窗口将于" in texts(personas.clerk_b)[-1]
        and "结束，尚未走访" in texts(personas.clerk_b)[-1]
    )
    assert len(texts(personas.head_a)) == 1  # visited: not told again

    late = CLOSES + dt.timedelta(days=1)
    assert scan(late) == {"soon": 0, "overdue": 3, "escalated": 0, "opening": 0}
    assert "仍未走访（已超期）" in texts(personas.clerk_b)[-1]
    assert "仍未走访（已超期）" in texts(head_b)[-1]
    assert texts(head_town) == []
    assert scan(late)["overdue"] == 0

    much_later = calendar.add_working_days(CLOSES, deadlines.escalate_after() + 1)
    counts = scan(much_later)
    assert counts["escalated"] == 3 and counts["overdue"] == 0
    (escalated,) = texts(head_town)
    assert escalated.startswith(f"{personas.clerk_b.station.name}的2027 春节走访：")
    assert escalated.endswith("请督办。")
    assert personas.head_county.pk in Notification.objects.filter(
        text__contains="赵立功", text__endswith="请督办。"
    ).values_list("user_id", flat=True)  # 村C's person: 乙街道 has no head, so the county's
    assert scan(much_later)["escalated"] == 0
    kinds = set(
        DeadlineEvent.objects.filter(workflow="visit_member").values_list("kind", flat=True)
    )
    assert kinds == {"opening", "soon", "overdue", "escalated"}


def test_a_closed_campaign_and_a_person_no_longer_due_are_not_watched(world, personas):
    campaign, found, _head_b, _head_town = world
    CampaignMember.objects.filter(pk=found["李定补"].pk).update(still_due=False)
    assert scan(CLOSES + dt.timedelta(days=1))["overdue"] == 3
    VisitCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    DeadlineEvent.objects.all().delete()
    assert scan(CLOSES + dt.timedelta(days=1))["overdue"] == 0

"""Coverage (issue 13 "Ledgers and coverage"): the counts table coverage.refresh keeps — every
region's counts equal the sum of its child regions', scoped to the reader's share, never
claimed fresher than they are; contact coverage (联系全覆盖, 003 第41项) counting every way of
contact and leaving out the dead; naming a responsible contact; the pages and the API."""

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse
from freezegun import freeze_time

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditEntry
from junjia.core.scheduler import _PERIODIC
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.registry.tests.factories import make_recipient
from junjia.visits import coverage, errors, selectors, services
from junjia.visits.models import (
    ContactCount,
    ContactPerson,
    CoverageCount,
    VisitCampaign,
    VisitRule,
    VisitRuleVersion,
)
from junjia.visits.recording import VisitInput, visit_record
from junjia.visits.tests.test_campaigns import PENSION, create, members

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2027, 2, 8, 10, 0, tzinfo=TZ)  # inside the Spring Festival window


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW + dt.timedelta(hours=2)):
        yield


@pytest.fixture
def campaign(people, tree, personas, django_capture_on_commit_callbacks):
    """市南区's 春节 campaign: 王抚恤 (村A), 李定补 (村B), 赵立功 (村C), and 郑街道 registered
    at 甲街道 itself; 王抚恤 visited at home."""
    people["town_direct"] = make_recipient(
        tree.regions.town1, created_by=personas.clerk_a, name="郑街道", **PENSION
    )
    spring = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    visit(personas.clerk_a, people["pensioner_a"], member=members(spring)["王抚恤"])
    coverage.refresh()
    spring.refresh_from_db()
    return spring


def visit(actor, person, *, how="home", at=NOW, member=None):
    data = VisitInput(visited_at=at, how=how, met="本人", visitors=[actor])
    return visit_record(actor=actor, recipient=person, data=data, member=member)[0]


def counts(campaign) -> dict[int, tuple]:
    return {
        r.region_key: (r.parent_key, r.due, r.visited, r.overdue)
        for r in CoverageCount.objects.filter(campaign=campaign)
    }


def test_every_region_equals_the_sum_of_its_children_and_people(campaign, tree):
    r = tree.regions
    found = counts(campaign)
    # the village rows hold their people; 甲街道 also its own registered person
    assert found[r.village_a.key] == (r.town1.key, 1, 1, 0)
    assert found[r.village_b.key] == (r.town1.key, 1, 0, 0)
    assert found[r.village_c.key] == (r.town2.key, 1, 0, 0)
    assert found[r.town1.key] == (r.county.key, 3, 1, 0)
    assert found[r.county.key] == (r.city.key, 4, 1, 0)
    assert found[r.province.key] == (None, 4, 1, 0)
    assert r.village_d.key not in found  # not in the campaign
    # each row is the sum of its children plus the people registered at it directly
    direct = {r.town1.key: (1, 0, 0)}
    for key, (_parent, *values) in found.items():
        children = [v[1:] for v in found.values() if v[0] == key]
        if children:
            summed = tuple(sum(c[i] for c in children) for i in range(3))
            extra = direct.get(key, (0, 0, 0))
            assert tuple(values) == tuple(s + e for s, e in zip(summed, extra, strict=True))


def test_the_drill_down_adds_a_line_for_people_at_the_region_itself(campaign, personas, tree):
    drill = selectors.campaign_coverage(personas.reviewer_town, campaign)
    assert drill.node.name == "甲街道" and (drill.node.due, drill.node.visited) == (3, 1)
    lines = [(c.name, c.due, c.visited, c.not_yet, c.direct) for c in drill.children]
    assert lines == [
        ("村A", 1, 1, 0, False),
        ("村B", 1, 0, 1, False),
        ("甲街道（本级）", 1, 0, 1, True),
    ]
    assert drill.node.rate == 33.3
    assert sum(c.due for c in drill.children) == drill.node.due


def test_readers_see_their_share_only(campaign, personas, tree, people):
    r = tree.regions
    # the county head: the county, its townships; the path starts at her county
    county = selectors.campaign_coverage(personas.head_county, campaign)
    assert [c.name for c in county.children] == ["甲街道", "乙街道"]
    assert [p.name for p in county.path] == ["市南区"]
    village = selectors.campaign_coverage(personas.head_county, campaign, "370202001001")
    assert [p.name for p in village.path] == ["市南区", "甲街道", "村A"]
    assert village.children == []
    # village B's clerk: her station alone, never the township or the neighbour
    mine = selectors.campaign_coverage(personas.clerk_b, campaign)
    assert (mine.node.key, mine.node.due, mine.children) == (r.village_b.key, 1, [])
    for code in ("370202001000", "370202001001", "370202", "370200", "abc", "370203001001"):
        with pytest.raises(Http404):
            selectors.campaign_coverage(personas.clerk_b, campaign, code)
    people_b = selectors.not_yet_visited(personas.clerk_b, campaign, mine)
    assert [m.recipient.name for m in people_b] == ["李定补"]
    # the township sees its two villages
    town = selectors.campaign_coverage(personas.reviewer_town, campaign)
    assert {c.name for c in town.children if not c.direct} == {"村A", "村B"}
    # another county's head does not see the campaign at all
    from junjia.visits.permissions import get_campaign_for_actor

    with pytest.raises(Http404):
        get_campaign_for_actor(personas.head_county2, campaign.pk)
    # the index: each campaign with the reader's top region's line
    listed = selectors.campaigns_coverage(personas.clerk_b, [campaign])[0]
    assert (listed.coverage.due, listed.coverage.visited) == (1, 0)


def test_overdue_counts_people_still_due_after_their_window(campaign, tree):
    closes = members(campaign)["李定补"].closes
    with freeze_time(dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(9), tzinfo=TZ)):
        coverage.refresh()
    found = counts(campaign)
    assert found[tree.regions.village_b.key][1:] == (1, 0, 1)
    assert found[tree.regions.village_a.key][1:] == (1, 1, 0)  # visited: never overdue
    assert found[tree.regions.county.key][1:] == (4, 1, 3)


def test_counts_are_stamped_and_a_visit_shows_at_the_next_refresh(campaign, personas, people):
    # the scheduler refreshes every 45 s: 45 + 2 s (tick, poll) + the refresh < 60 s
    assert _PERIODIC["visits.coverage"].every_seconds == coverage.PERIOD_SECONDS <= 45
    assert _PERIODIC["visits.coverage"].task_path == "junjia.visits.tasks.refresh_coverage"
    # contact coverage (a year's contacts) every five minutes, said so on its page
    contact = _PERIODIC["visits.contact_coverage"]
    assert contact.every_seconds == coverage.CONTACT_PERIOD_SECONDS == 300
    assert contact.task_path == "junjia.visits.tasks.refresh_contact_coverage"
    drill = selectors.campaign_coverage(personas.head_county, campaign)
    assert drill.stamp == campaign.coverage_at and not drill.stale
    # a visit is counted at the next refresh, whose stamp is later
    visit(personas.clerk_b, people["pensioner_b"], member=members(campaign)["李定补"])
    assert selectors.campaign_coverage(personas.head_county, campaign).node.visited == 1
    with freeze_time(NOW + dt.timedelta(hours=2, seconds=45)):
        assert coverage.refresh_campaigns() == 5  # 村B, 甲街道, 市南区, 青岛市, 山东省
        fresh = selectors.campaign_coverage(personas.head_county, VisitCampaign.objects.get())
        assert fresh.node.visited == 2 and not fresh.stale
        assert fresh.stamp - drill.stamp == dt.timedelta(seconds=45)
    # nothing changed: nothing written
    assert coverage.refresh_campaigns() == 0
    # a stamp over a minute old is said to be stale; no stamp yet: still counting
    with freeze_time(NOW + dt.timedelta(hours=2, seconds=61)):
        assert selectors.campaign_coverage(personas.head_county, campaign).stale
    VisitCampaign.objects.filter(pk=campaign.pk).update(coverage_at=None)
    campaign.refresh_from_db()
    assert selectors.campaign_coverage(personas.head_county, campaign).stamp is None
    # contact coverage: stale only after its own period and a minute
    coverage.refresh_contacts()
    with freeze_time(NOW + dt.timedelta(hours=2, seconds=359)):
        drill = selectors.contact_coverage(personas.head_county)
        assert (drill.stale, drill.every) == (False, "每五分钟更新")
    with freeze_time(NOW + dt.timedelta(hours=2, seconds=361)):
        assert selectors.contact_coverage(personas.head_county).stale


def test_a_campaign_being_generated_keeps_its_last_counts_and_a_closed_one_is_counted_once(
    campaign, personas
):
    VisitCampaign.objects.filter(pk=campaign.pk).update(status="closed")
    assert list(coverage.campaigns_to_count()) == []  # counted after its last change
    VisitCampaign.objects.filter(pk=campaign.pk).update(coverage_at=None)
    assert list(coverage.campaigns_to_count()) == [campaign]


# --- contact coverage -------------------------------------------------------------------------


def set_target(times: int) -> None:
    rule = VisitRule.objects.get(code="contact-coverage")
    VisitRuleVersion.objects.filter(pk=rule.current_version_id).update(times_per_year=times)


def test_contact_coverage_counts_every_way_of_contact_and_leaves_out_the_dead(
    people, personas, tree
):
    r = tree.regions
    set_target(2)
    a, b, c = people["pensioner_a"], people["pensioner_b"], people["merit_c"]
    # 王抚恤: a phone call and a video call this year — reached; 李定补: a meeting and a
    # home visit — reached; 赵立功: one visit this year, one last year — not reached
    visit(personas.clerk_a, a, how="phone")
    visit(personas.clerk_a, a, how="video", at=NOW - dt.timedelta(days=3))
    visit(personas.clerk_b, b, how="meeting")
    visit(personas.clerk_b, b, how="home", at=NOW - dt.timedelta(days=30))
    visit(personas.head_county, c, how="home")
    visit(personas.head_county, c, how="home", at=dt.datetime(2026, 12, 20, 10, tzinfo=TZ))
    # the dead person had two visits this year: not counted anywhere
    dead = people["dead_a"]
    visit(personas.clerk_a, dead, how="home")
    visit(personas.clerk_a, dead, how="phone")
    services.contact_assign(actor=personas.clerk_a, recipient=a, staff=personas.clerk_a)
    services.contact_assign(actor=personas.clerk_a, recipient=dead, name="志愿者甲")

    coverage.refresh_contacts()

    rows = {x.region_key: (x.living, x.with_contact, x.reached) for x in ContactCount.objects.all()}
    # 村A: 王抚恤 and 钱普通 living (孙已故 dead, 周草稿 a draft file)
    assert rows[r.village_a.key] == (2, 1, 1)
    assert rows[r.village_b.key] == (1, 0, 1)
    assert rows[r.village_c.key] == (1, 0, 0)
    assert rows[r.county.key] == (4, 1, 2)
    assert rows[r.city.key] == (5, 1, 2)  # 吴外县 of 市北区
    drill = selectors.contact_coverage(personas.head_county)
    assert (drill.node.rate, drill.node.contact_rate) == (50.0, 25.0)
    assert drill.extra == {"year": 2027, "target": 2}
    assert [(x.name, x.living) for x in drill.children] == [("甲街道", 3), ("乙街道", 1)]
    # a village clerk: her village only
    assert selectors.contact_coverage(personas.clerk_b).node.living == 1
    with pytest.raises(Http404):
        selectors.contact_coverage(personas.clerk_b, "370202001001")
    # the target is data: with one contact a year, 赵立功 is reached too
    set_target(1)
    coverage.refresh_contacts()
    assert ContactCount.objects.get(region_key=r.village_c.key).reached == 1


def test_the_station_names_a_responsible_contact(people, personas):
    a = people["pensioner_a"]
    with pytest.raises(NotPermitted):
        services.contact_assign(actor=personas.clerk_b, recipient=a, name="张三")
    with pytest.raises(InvalidInput) as bad:
        services.contact_assign(actor=personas.clerk_a, recipient=a, name="  ")
    assert str(bad.value) == errors.NO_CONTACT_NAME
    with pytest.raises(InvalidInput) as bad:
        services.contact_assign(actor=personas.clerk_a, recipient=a, staff=personas.clerk_b)
    assert bad.value.field == "staff"
    assert not ContactPerson.objects.exists()

    services.contact_assign(actor=personas.clerk_a, recipient=a, name=" 网格员王五 ")
    services.contact_assign(actor=personas.clerk_a, recipient=a, staff=personas.head_county)
    found = ContactPerson.objects.get()
    assert (found.staff, found.name, found.region_key) == (
        personas.head_county,
        personas.head_county.full_name or "head_county",
        a.region_key,
    )
    entries = AuditEntry.objects.filter(object_type="visits.contactperson").order_by("id")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["staff"] == [None, personas.head_county.pk]


# --- pages and API ---------------------------------------------------------------------------


def test_the_pages_drill_down_to_the_people_not_yet_visited(campaign, client, personas):
    login_as(client, personas.head_county)
    url = reverse("visits:campaign_coverage", kwargs={"pk": campaign.pk})
    page = client.get(url).content.decode()
    assert "数据更新于" in page and "甲街道" in page and "coverage-data" in page
    assert "李定补" not in page  # no names above the station
    before = AuditEntry.objects.filter(action="view").count()
    page = client.get(url, {"region": "370202001002"}).content.decode()
    assert "李定补" in page and "记录走访" in page
    assert AuditEntry.objects.filter(action="view").count() == before + 1
    direct = client.get(url, {"region": "370202001000", "people": "direct"}).content.decode()
    assert "郑街道" in direct and "李定补" not in direct
    assert client.get(url, {"region": "370203"}).status_code == 404
    assert client.get(reverse("visits:coverage_index")).status_code == 200
    assert client.get(reverse("visits:contact_coverage")).status_code == 200


def test_the_api_answers_the_same_counts_within_reach(campaign, client, personas):
    key = api_token_key(personas.head_county)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    url = reverse("api:visit-campaign-coverage", kwargs={"pk": campaign.pk})
    body = client.get(url, **auth).json()
    assert body["region"]["name"] == "市南区"
    assert (body["region"]["due"], body["region"]["visited"], body["region"]["not_yet"]) == (
        4,
        1,
        3,
    )
    assert [c["name"] for c in body["children"]] == ["甲街道", "乙街道"]
    assert body["stale"] is False and body["computed_at"]
    assert client.get(url, {"region": "370203"}, **auth).status_code == 404
    coverage.refresh_contacts()
    contact = client.get(reverse("api:contact-coverage"), {"region": "370202"}, **auth).json()
    assert contact["region"]["living"] == 5 and contact["target"] == 1  # with 郑街道
    clerk = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_b)}"}
    assert client.get(url, {"region": "370202"}, **clerk).status_code == 404

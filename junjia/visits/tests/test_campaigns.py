"""Campaigns (issue 13 "Campaigns and plans"): generated as a job from the rule versions of
the time, who appears with which reasons and window, grouped by station; re-generation adds
and removes people but keeps handled members; one responsible level, reassigned by a head
above the village."""

import datetime as dt

import pytest

from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditEntry, Job, JobStatus
from junjia.orgs.choices import Level
from junjia.registry.models import Honour
from junjia.registry.tests.factories import make_recipient
from junjia.visits import errors, selectors, services
from junjia.visits.choices import CampaignStatus, MemberState
from junjia.visits.evaluation import lunar_to_solar
from junjia.visits.generation import generate
from junjia.visits.models import CampaignMember, CampaignStep, VisitCampaign, VisitRule
from junjia.visits.rules import load_seed_rules

pytestmark = pytest.mark.django_db

SPRING = lunar_to_solar(2027, 1, 1)  # 2027-02-06
START, END = SPRING - dt.timedelta(days=20), SPRING + dt.timedelta(days=10)
KEY_GROUPS = ("spring-festival", "county-key-groups")
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}


@pytest.fixture
def people(tree, personas):
    load_seed_rules()
    personas.head_province = _head(tree.stations.province, "head_province")
    r, clerk = tree.regions, personas.clerk_a
    return {
        "pensioner_a": make_recipient(r.village_a, created_by=clerk, name="王抚恤", **PENSION),
        "pensioner_b": make_recipient(r.village_b, created_by=clerk, name="李定补", **PENSION),
        "merit_c": _with_merit(make_recipient(r.village_c, created_by=clerk, name="赵立功")),
        "plain_a": make_recipient(r.village_a, created_by=clerk, name="钱普通"),
        "dead_a": make_recipient(
            r.village_a, created_by=clerk, name="孙已故", death_date=dt.date(2026, 3, 1), **PENSION
        ),
        "draft_a": make_recipient(
            r.village_a, created_by=clerk, name="周草稿", status="draft", **PENSION
        ),
        "pensioner_d": make_recipient(r.village_d, created_by=clerk, name="吴外县", **PENSION),
    }


def _with_merit(person):
    Honour.objects.create(recipient=person, kind="second_class", title="二等功")
    return person


def create(actor, codes=("spring-festival",), capture=None, **kw):
    args = {"name": "2027 春节走访", "period_start": START, "period_end": END} | kw
    with capture(execute=True):
        campaign = services.campaign_create(actor=actor, rule_codes=list(codes), **args)
    campaign.refresh_from_db()
    return campaign


def county_campaign(tree, personas, code: str, name: str) -> VisitCampaign:
    """市南区's campaign on one seed rule, made and generated directly (no job)."""
    load_seed_rules()
    county = tree.regions.county
    campaign = VisitCampaign.objects.create(
        name=name,
        region_key=county.key,
        region_key_high=county.key_high,
        region_name=county.name,
        period_start=START,
        period_end=END,
        created_by=personas.head_county,
    )
    campaign.rule_versions.set(
        VisitRule.objects.filter(code=code).values_list("current_version", flat=True)
    )
    generate(campaign, actor=personas.head_county)
    return campaign


def members(campaign) -> dict[str, CampaignMember]:
    return {
        m.recipient.name: m
        for m in CampaignMember.objects.filter(campaign=campaign).select_related("recipient")
    }


def test_generation_lists_who_is_due_with_reasons_windows_and_stations(
    people, personas, tree, django_capture_on_commit_callbacks
):
    # Given the seed rules; when the county head generates 春节 and 联系全覆盖
    campaign = create(
        personas.head_county,
        ("spring-festival", "county-key-groups"),
        django_capture_on_commit_callbacks,
    )

    # Then the job ran to the end and the campaign is generated
    job = Job.objects.get(pk=campaign.job_id)
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 3, 3)
    assert job.result == {"added": 3, "removed": 0, "changed": 0, "kept_handled": 0, "total": 3}
    assert (campaign.status, campaign.member_count) == (CampaignStatus.GENERATED, 3)
    assert CampaignStep.objects.get(campaign=campaign).to_status == CampaignStatus.GENERATED
    # the versions it used are recorded
    used = {(v.rule.code, v.number) for v in campaign.rule_versions.select_related("rule")}
    assert used == {("spring-festival", 1), ("county-key-groups", 1)}

    # the pensioners of the county and the second-class merit; not the plain veteran, the
    # dead, a draft file, nor anyone of the other county
    found = members(campaign)
    assert set(found) == {"王抚恤", "李定补", "赵立功"}
    opens, closes = SPRING - dt.timedelta(days=30), SPRING + dt.timedelta(days=15)
    wang = found["王抚恤"]
    assert wang.reasons == [
        {
            "rule": "spring-festival",
            "version": 1,
            "opens": opens.isoformat(),
            "closes": closes.isoformat(),
        }
    ]
    assert (wang.opens, wang.closes) == (opens, closes)
    assert wang.station_key == tree.regions.village_a.key
    assert wang.responsible_level == Level.VILLAGE
    # the merit: both rules, and the key-groups rule gives the person to the county
    zhao = found["赵立功"]
    assert [r["rule"] for r in zhao.reasons] == ["county-key-groups", "spring-festival"]
    assert zhao.responsible_level == Level.COUNTY
    assert (zhao.opens, zhao.closes) == (opens, closes)  # the widest of its windows
    assert zhao.station_key == tree.regions.village_c.key


def test_a_rule_changed_later_does_not_change_the_campaign(
    people, personas, django_capture_on_commit_callbacks
):
    # Given a campaign made with version 1 of the Spring Festival rule (30 days before)
    campaign = create(personas.head_province, capture=django_capture_on_commit_callbacks)
    rule = VisitRule.objects.get(code="spring-festival")
    content = {f: getattr(rule.current_version, f) for f in services.CONTENT_FIELDS}
    # When the province publishes version 2 (3 days before) and the campaign is regenerated
    services.rule_change(
        actor=personas.head_province,
        rule=rule,
        name=rule.name,
        content=content | {"days_before": 3},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_regenerate(actor=personas.head_province, campaign=campaign)
    # Then it keeps version 1 and its windows
    assert list(campaign.rule_versions.values_list("number", flat=True)) == [1]
    wang = members(campaign)["王抚恤"]
    assert wang.opens == SPRING - dt.timedelta(days=30)
    # while a new campaign takes version 2
    fresh = create(personas.head_province, capture=django_capture_on_commit_callbacks)
    assert list(fresh.rule_versions.values_list("number", flat=True)) == [2]
    assert members(fresh)["王抚恤"].opens == SPRING - dt.timedelta(days=3)


def test_regeneration_adds_and_removes_but_keeps_handled_members(
    people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    assert set(members(campaign)) == {"王抚恤", "李定补", "赵立功"}
    # Given 王 was visited, and 李 reassigned to the township
    CampaignMember.objects.filter(pk=members(campaign)["王抚恤"].pk).update(
        visit_state=MemberState.VISITED
    )
    town_head = _head(tree.stations.town1)
    services.member_reassign(
        actor=town_head, member=members(campaign)["李定补"], level=Level.TOWNSHIP, reason="乡镇包联"
    )
    # When the registry changes: 王 and 李 lose their pension, 钱 gains one
    for key in ("pensioner_a", "pensioner_b"):
        person = people[key]
        person.sections = {}
        person.save(update_fields=["sections"])
    plain = people["plain_a"]
    plain.sections = PENSION["sections"]
    plain.save(update_fields=["sections"])
    _with_merit(people["pensioner_b"])  # 李 stays due by his merit
    with django_capture_on_commit_callbacks(execute=True):
        job = services.campaign_regenerate(actor=personas.head_county, campaign=campaign)
    job.refresh_from_db()

    # Then 钱 is added, 王 kept (visited) though no longer due, 李 kept with his new level
    found = members(campaign)
    assert set(found) == {"王抚恤", "李定补", "赵立功", "钱普通"}
    assert (found["王抚恤"].still_due, found["王抚恤"].visit_state) == (False, MemberState.VISITED)
    assert found["李定补"].responsible_level == Level.TOWNSHIP
    assert found["钱普通"].still_due is True
    assert job.result == {"added": 1, "removed": 0, "changed": 0, "kept_handled": 1, "total": 4}
    campaign.refresh_from_db()
    assert (campaign.status, campaign.member_count) == (CampaignStatus.GENERATED, 4)

    # And when 钱 drops out again before any visit, he is removed
    plain.sections = {}
    plain.save(update_fields=["sections"])
    with django_capture_on_commit_callbacks(execute=True):
        job = services.campaign_regenerate(actor=personas.head_county, campaign=campaign)
    job.refresh_from_db()
    assert set(members(campaign)) == {"王抚恤", "李定补", "赵立功"}
    assert job.result["removed"] == 1


def _head(station, username=None):
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff

    return make_staff(station, Role.STATION_HEAD, username=username or f"head_{station.pk}")


def test_job_reports_progress_rule_by_rule(people, personas):
    campaign = VisitCampaign.objects.create(
        name="测试",
        region_key=personas.head_county.station.region.key,
        region_key_high=personas.head_county.station.region.key_high,
        region_name="市南区",
        period_start=START,
        period_end=END,
        created_by=personas.head_county,
    )
    campaign.rule_versions.set(
        VisitRule.objects.filter(code__in=["spring-festival", "martyrs-day"]).values_list(
            "current_version", flat=True
        )
    )
    seen = []
    result = generate(campaign, actor=personas.head_county, progress=lambda *a: seen.append(a))
    assert seen == [
        (0, 3, "正在按规则“烈士纪念日走访慰问烈士遗属”查找应走访的人员……"),
        (1, 3, "正在按规则“春节走访慰问”查找应走访的人员……"),
        (2, 3, "共 3 人应走访，正在写入名单……"),
        (3, 3, "已生成：3 人（新增 3，移出 0）。"),
    ]
    assert result["total"] == 3


@pytest.mark.parametrize(
    ("who", "kw", "message"),
    [
        ("head_a", {}, errors.NOT_CAMPAIGN_MAKER),
        ("leader_county", {}, errors.NOT_CAMPAIGN_MAKER),
        ("head_county", {"name": " "}, errors.NO_CAMPAIGN_NAME),
        ("head_county", {"period_end": START - dt.timedelta(days=1)}, errors.BAD_PERIOD),
        ("head_county", {"period_end": START + dt.timedelta(days=400)}, errors.PERIOD_TOO_LONG),
        ("head_county", {"rule_codes": []}, errors.NO_RULES),
        (
            "head_county",
            {"rule_codes": ["no-such-rule"]},
            errors.RULE_NOT_AVAILABLE.format(code="no-such-rule"),
        ),
    ],
)
def test_creation_refusals_write_nothing(people, personas, who, kw, message):
    args = {
        "name": "2027 春节走访",
        "period_start": START,
        "period_end": END,
        "rule_codes": ["spring-festival"],
    } | kw
    with pytest.raises((NotPermitted, InvalidInput)) as refused:
        services.campaign_create(actor=getattr(personas, who), **args)
    assert str(refused.value) == message
    assert VisitCampaign.objects.count() == 0 and Job.objects.count() == 0


def test_a_retired_rule_cannot_be_chosen(people, personas):
    rule = VisitRule.objects.get(code="army-day")
    services.rule_retire(actor=personas.head_province, rule=rule, reason="并入")
    with pytest.raises(InvalidInput):
        services.campaign_create(
            actor=personas.head_county,
            name="八一",
            period_start=dt.date(2027, 7, 20),
            period_end=dt.date(2027, 8, 1),
            rule_codes=["army-day"],
        )


def test_scoping_a_village_sees_her_station_a_county_its_subtree(
    people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, KEY_GROUPS, django_capture_on_commit_callbacks)
    r = tree.regions
    # the village clerk: her station only
    assert [s["station_key"] for s in selectors.station_counts(personas.clerk_a, campaign)] == [
        r.village_a.key
    ]
    assert [m.recipient.name for m in selectors.members_of(personas.clerk_a, campaign)] == [
        "王抚恤"
    ]
    # the township reviewer: its villages; the county: all three
    town = selectors.station_counts(personas.reviewer_town, campaign)
    assert [(s["name"], s["members"]) for s in town] == [
        (tree.stations.village_a.name, 1),
        (tree.stations.village_b.name, 1),
    ]
    county = selectors.station_counts(personas.head_county, campaign)
    assert [s["members"] for s in county] == [1, 1, 1]
    assert county[2]["county"] == 1  # 赵 (key group) with the county
    # the campaign is seen from inside and above; not by the other county
    assert list(selectors.campaigns_for(personas.clerk_a)) == [campaign]
    assert list(selectors.campaigns_for(personas.head_county2)) == []
    assert list(selectors.campaigns_for(personas.head_province)) == [campaign]


def test_reassignment_by_a_head_above_the_village_only(
    people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, KEY_GROUPS, django_capture_on_commit_callbacks)
    li = members(campaign)["李定补"]  # village B
    zhao = members(campaign)["赵立功"]  # village C, given to the county
    town_head = _head(tree.stations.town1)
    before = AuditEntry.objects.count()

    # refused: the village's own head, the other county, the township for a county person,
    # a level above the actor's own, no reason
    refusals = [
        (personas.head_a, li, Level.TOWNSHIP, "x", errors.NOT_REASSIGNER),
        (personas.head_county2, li, Level.COUNTY, "x", errors.NOT_REASSIGNER),
        (personas.reviewer_town, li, Level.TOWNSHIP, "x", errors.NOT_REASSIGNER),
        (town_head, zhao, Level.TOWNSHIP, "x", errors.NOT_REASSIGNER),
        (town_head, li, Level.COUNTY, "x", errors.BAD_LEVEL.format(own="乡镇（街道）")),
        (town_head, li, Level.VILLAGE, "x", errors.SAME_LEVEL.format(level="村（社区）")),
        (town_head, li, Level.TOWNSHIP, " ", errors.NO_REASSIGN_REASON),
    ]
    for actor, member, level, reason, message in refusals:
        with pytest.raises((NotPermitted, InvalidInput)) as refused:
            services.member_reassign(actor=actor, member=member, level=level, reason=reason)
        assert str(refused.value) == message, actor.username
    li.refresh_from_db()
    assert (li.responsible_level, li.reassigned_by_id) == (Level.VILLAGE, None)
    assert AuditEntry.objects.count() == before

    # accepted: the township head takes 李; the county head gives 赵 back to the village
    services.member_reassign(actor=town_head, member=li, level=Level.TOWNSHIP, reason="包联")
    services.member_reassign(
        actor=personas.head_county, member=zhao, level=Level.VILLAGE, reason="村里就近"
    )
    li.refresh_from_db()
    zhao.refresh_from_db()
    assert (li.responsible_level, li.reassigned_by) == (Level.TOWNSHIP, town_head)
    assert zhao.responsible_level == Level.VILLAGE
    entry = AuditEntry.objects.filter(object_type="visits.campaignmember").order_by("id").first()
    assert entry.changes == {"responsible_level": [Level.VILLAGE, Level.TOWNSHIP]}
    assert entry.subject_id == f"recipient:{li.recipient_id}"


def test_status_moves_through_the_kernel(people, personas, django_capture_on_commit_callbacks):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    with pytest.raises(NotPermitted):
        services.campaign_move(actor=personas.head_a, campaign=campaign, to=CampaignStatus.OPEN)
    services.campaign_move(actor=personas.head_county, campaign=campaign, to=CampaignStatus.OPEN)
    services.campaign_move(actor=personas.head_county, campaign=campaign, to=CampaignStatus.CLOSED)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert list(campaign.steps.values_list("action", flat=True)) == [
        "生成名单",
        "开始走访",
        "结束计划",
    ]
    with pytest.raises(WrongState):
        services.campaign_move(
            actor=personas.head_county, campaign=campaign, to=CampaignStatus.OPEN
        )
    with pytest.raises(WrongState) as refused:
        services.campaign_regenerate(actor=personas.head_county, campaign=campaign)
    assert str(refused.value) == errors.CAMPAIGN_CLOSED
    li = members(campaign)["李定补"]
    with pytest.raises(WrongState):
        services.member_reassign(
            actor=_head(campaign.created_by.station), member=li, level=Level.COUNTY, reason="x"
        )


def test_a_run_on_an_old_copy_of_the_campaign_finds_it_generated(
    people, personas, django_capture_on_commit_callbacks
):
    # Given the job generated the campaign while the caller still holds its draft copy
    with django_capture_on_commit_callbacks(execute=True):
        stale = services.campaign_create(
            actor=personas.head_county,
            name="春节",
            period_start=START,
            period_end=END,
            rule_codes=["spring-festival"],
        )
    assert stale.status == CampaignStatus.DRAFT
    # When it runs the generation again on that copy, then the members are brought in line
    # and the status is left as it is (one step in the history)
    assert generate(stale, actor=personas.head_county)["total"] == 3
    stale.refresh_from_db()
    assert stale.status == CampaignStatus.GENERATED
    assert stale.steps.count() == 1


def test_the_job_s_result_is_committed_with_the_members(people, personas):
    # A worker that dies after the members are written leaves a job the reaper finishes as
    # succeeded (core.jobs.reap_abandoned), not as "nothing written": the result is on the
    # job row in the same transaction as the members, before the runner records it.
    campaign = VisitCampaign.objects.create(
        name="测试",
        region_key=personas.head_county.station.region.key,
        region_key_high=personas.head_county.station.region.key_high,
        region_name="市南区",
        period_start=START,
        period_end=END,
        created_by=personas.head_county,
    )
    campaign.rule_versions.set(
        VisitRule.objects.filter(code="spring-festival").values_list("current_version", flat=True)
    )
    job = Job.objects.create(
        kind="visits.campaign_generate",
        title="生成走访名单",
        started_by=personas.head_county,
        region_key=campaign.region_key,
    )
    result = generate(campaign, actor=personas.head_county, job=job)
    job.refresh_from_db()
    assert job.result == result and result["total"] == 3

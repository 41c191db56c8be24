"""Rounds and the assessment workflow: a county opens its quarter, the township scores its
villages and submits, the county spot-checks; scoping — a township scores only its
villages, a county sees its townships' rounds, another county sees nothing."""

from decimal import Decimal

import pytest

from junjia.assessment import selectors, services
from junjia.assessment.choices import AssessmentStatus, ScoringKind
from junjia.assessment.models import Assessment, AssessmentStep, ScoreRound, Scoring
from junjia.assessment.permissions import can_check, can_score
from junjia.assessment.tests.factories import full_marks, open_round, scored, township_head
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff

pytestmark = pytest.mark.django_db


def station_of(found, station) -> Assessment:
    return Assessment.objects.get(round=found, station=station)


def test_a_county_opens_its_quarter_for_each_village_station(tree, personas):
    found = open_round(personas)
    names = set(found.assessments.values_list("station_name", flat=True))
    assert names == {"村A退役军人服务站", "村B退役军人服务站", "村C退役军人服务站"}
    a = station_of(found, tree.stations.village_a)
    assert (a.township_name, a.status, a.total) == ("甲街道", AssessmentStatus.SCORING, None)
    assert (found.region_name, found.station_count, found.version.number) == ("市南区", 3, 1)
    assert AuditEntry.objects.filter(object_type="assessment.scoreround").count() == 1


def test_a_quarter_is_opened_once(personas):
    open_round(personas)
    with pytest.raises(InvalidInput) as refused:
        open_round(personas)
    assert str(refused.value) == "市南区2027年第一季度的考核已开启。"
    assert ScoreRound.objects.count() == 1


@pytest.mark.parametrize("who", ["reviewer_town", "clerk_a", "leader_county"])
def test_only_a_county_head_opens_a_quarter(tree, personas, who):
    from junjia.assessment.tests.factories import loaded_version

    loaded_version()
    with pytest.raises(NotPermitted):
        services.round_open(actor=getattr(personas, who), year=2027, quarter=1)
    assert ScoreRound.objects.count() == 0


def test_the_township_scores_saves_a_draft_and_submits(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = station_of(found, tree.stations.village_a)
    data = full_marks(found.version, **{"27": ("2", "两户档案缺照片")})
    del data.scores[40]
    scoring = scored(head, a, data)
    assert (scoring.total, scoring.complete, scoring.passed) == (Decimal("97"), False, False)
    with pytest.raises(InvalidInput) as refused:
        services.assessment_submit(actor=head, assessment=a)
    assert str(refused.value) == "第40项尚未评分。"
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SCORING
    scored(head, a, full_marks(found.version, **{"27": ("2", "两户档案缺照片")}))
    services.assessment_submit(actor=head, assessment=a, remark="一季度")
    a.refresh_from_db()
    assert (a.status, a.total, a.passed, a.vetoed) == ("submitted", Decimal(99), True, False)
    step = AssessmentStep.objects.get(assessment=a)
    assert (step.from_status, step.to_status, step.action, step.actor) == (
        "scoring",
        "submitted",
        "报送县级",
        head,
    )


def test_a_submitted_scoring_cannot_change(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = station_of(found, tree.stations.village_a)
    scored(head, a, full_marks(found.version))
    services.assessment_submit(actor=head, assessment=a)
    with pytest.raises(WrongState) as refused:
        scored(head, a, full_marks(found.version, **{"1": ("0", "未研究")}))
    assert str(refused.value) == "该服务站的考核已报送县级，不能再修改乡镇评分。"
    assert Scoring.objects.get(assessment=a).total == 100


def test_a_missing_note_is_refused_naming_the_row_and_nothing_is_saved(tree, personas):
    found = open_round(personas)
    a = station_of(found, tree.stations.village_a)
    with pytest.raises(InvalidInput) as refused:
        scored(township_head(tree), a, full_marks(found.version, **{"39": ("1", "")}))
    assert (refused.value.field, str(refused.value)) == (
        "note_39",
        "第39项扣了 2 分，请填写扣分说明。",
    )
    assert Scoring.objects.count() == 0


def test_a_township_scores_only_its_own_villages(tree, personas):
    found = open_round(personas)
    head = township_head(tree)  # 甲街道: villages A and B
    c = station_of(found, tree.stations.village_c)  # 乙街道
    assert not can_score(head, c)
    with pytest.raises(NotPermitted):
        scored(head, c, full_marks(found.version))
    # village staff and the county do not score
    a = station_of(found, tree.stations.village_a)
    for user in (personas.head_a, personas.clerk_a, personas.head_county):
        assert not can_score(user, a)
    assert Scoring.objects.count() == 0


def test_the_county_spot_checks_and_sees_the_differences(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = station_of(found, tree.stations.village_a)
    scored(head, a, full_marks(found.version))
    with pytest.raises(WrongState):
        scored(personas.head_county, a, full_marks(found.version), kind=ScoringKind.CHECK)
    services.assessment_submit(actor=head, assessment=a)
    assert can_check(personas.head_county, a)
    assert not can_check(personas.head_county2, a)
    assert not can_check(head, a)
    changes = {"39": ("1", "三户未挂光荣牌"), "27": ("2.5", "一户信息未更新")}
    scored(personas.head_county, a, full_marks(found.version, **changes), kind=ScoringKind.CHECK)
    compared = selectors.comparison(a)
    assert [(r.number, r.township, r.check, r.difference) for r in compared["differing"]] == [
        (27, 3, Decimal("2.5"), Decimal("-0.5")),
        (39, 3, 1, -2),
    ]
    assert (compared["township"].total, compared["check"].total) == (100, Decimal("97.5"))
    assert selectors.differing_count([a]) == {a.pk: 2}
    services.check_finish(actor=personas.head_county, assessment=a)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.CHECKED
    assert a.total == 100  # the township's submitted score stays the station's score


def test_a_vetoed_station_fails_at_full_marks(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = station_of(found, tree.stations.village_a)
    data = full_marks(found.version)
    data.vetoes, data.veto_note = [3], "3月发生负面舆情炒作"
    scored(head, a, data)
    services.assessment_submit(actor=head, assessment=a)
    a.refresh_from_db()
    assert (a.total, a.vetoed, a.passed) == (100, True, False)
    assert selectors.remark_of(a) == "一票否决，不达标"


def test_scoping_of_rounds_and_assessments(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    town2 = make_staff(tree.stations.town2, Role.CLERK, username="clerk_town2")

    def names(user):
        return sorted(a.station_name for a in selectors.assessments_for(user))

    assert names(personas.head_county) == [
        "村A退役军人服务站",
        "村B退役军人服务站",
        "村C退役军人服务站",
    ]
    assert names(head) == ["村A退役军人服务站", "村B退役军人服务站"]
    assert names(town2) == ["村C退役军人服务站"]
    assert names(personas.clerk_a) == ["村A退役军人服务站"]
    assert names(personas.head_county2) == []
    assert list(selectors.rounds_for(head)) == [found]
    assert list(selectors.rounds_for(personas.clerk_a)) == [found]
    assert list(selectors.rounds_for(personas.head_county2)) == []
    assert list(selectors.rounds_for(personas.auditor)) == []  # no business role


def test_statistics_rows_in_the_layout_of_the_form(tree, personas):
    tree.stations.village_a.phone = "023-70601234"
    tree.stations.village_a.save(update_fields=["phone"])
    found = open_round(personas)
    head = township_head(tree)
    a = station_of(found, tree.stations.village_a)
    scored(head, a, full_marks(found.version, **{"9": ("1.5", "无独立场所")}))
    services.assessment_submit(actor=head, assessment=a)
    rows = selectors.statistics_rows(head, found)
    assert [(r.number, r.station, r.score, r.contact, r.phone, r.remark) for r in rows] == [
        (
            1,
            "村A退役军人服务站",
            Decimal("98.5"),
            personas.head_a.full_name,
            "023-70601234",
            "达标",
        ),
        (2, "村B退役军人服务站", None, "", "", "尚未报送"),
    ]


def test_list_selectors_do_not_grow_with_rows(tree, personas, django_assert_num_queries):
    found = open_round(personas)
    rows = list(selectors.round_assessments(personas.head_county, found))
    with django_assert_num_queries(1):
        selectors.differing_count(rows)
    head = township_head(tree)
    with django_assert_num_queries(3):  # assessments with stations, station heads
        selectors.statistics_rows(head, found)


def test_the_townships_home_page_lists_its_stations_to_score(tree, personas):
    from junjia.core import todo

    def mine(user):
        return [
            item.title
            for section in todo.todo_for(user)
            for item in section["items"]
            if item.label == "考核"
        ]

    found = open_round(personas)
    head = township_head(tree)
    assert mine(head) == [
        "村A退役军人服务站 · 2027年第一季度考核评分",
        "村B退役军人服务站 · 2027年第一季度考核评分",
    ]
    assert mine(personas.head_county) == mine(personas.clerk_a) == []
    a = station_of(found, tree.stations.village_a)
    scored(head, a, full_marks(found.version))
    services.assessment_submit(actor=head, assessment=a)
    assert mine(head) == ["村B退役军人服务站 · 2027年第一季度考核评分"]

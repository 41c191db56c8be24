"""Visit rules as data: the seed loader, adding, changing (a new version) and retiring,
who may do it, and the pages and API that show them."""

import pytest
from django.urls import reverse

from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditEntry
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.visits import errors
from junjia.visits.models import VisitRule, VisitRuleVersion
from junjia.visits.rules import SEED_RULES, load_seed_rules
from junjia.visits.selectors import rules_for
from junjia.visits.services import rule_add, rule_change, rule_retire

pytestmark = pytest.mark.django_db

LUNAR = {"source": "市南区文件", "timing": "lunar_date", "month": 9, "day": 9, "pension": True}


def test_the_loader_ships_every_seed_rule_once_each_citing_its_seed():
    assert load_seed_rules() == len(SEED_RULES)
    assert load_seed_rules() == 0
    rules = VisitRule.objects.select_related("current_version")
    assert rules.count() == len(SEED_RULES) == 23
    for rule in rules:
        assert rule.region_key is None and rule.owner_name == "全国（依据文件）"
        assert rule.current_version.number == 1
        assert rule.current_version.source[:3] in ("000", "001", "002", "003")


def test_a_county_head_adds_a_rule_for_the_county(personas, tree):
    rule = rule_add(actor=personas.head_county, code="double-ninth", name="重阳节", content=LUNAR)
    assert (rule.region_key, rule.region_key_high) == (
        tree.regions.county.key,
        tree.regions.county.key_high,
    )
    assert rule.owner_name == "市南区"
    assert rule.current_version.responsible_level == 5
    entry = AuditEntry.objects.get(object_type="visits.visitrule", object_id=str(rule.pk))
    assert entry.action == "create"


@pytest.mark.parametrize("who", ["head_a", "clerk_a", "reviewer_town", "leader_county"])
def test_below_county_or_without_the_capability_no_rule_is_added(personas, who):
    with pytest.raises(NotPermitted, match=errors.NOT_RULE_MAKER):
        rule_add(actor=getattr(personas, who), code="x", name="x", content=LUNAR)
    assert VisitRule.objects.count() == 0


def test_a_change_publishes_a_new_version_and_keeps_the_old(personas):
    rule = rule_add(actor=personas.head_county, code="double-ninth", name="重阳节", content=LUNAR)
    first = rule.current_version
    version = rule_change(
        actor=personas.head_county,
        rule=rule,
        name="重阳节走访",
        content={**LUNAR, "days_before": 7, "min_age": 80},
    )
    rule.refresh_from_db()
    assert (version.number, rule.current_version, rule.name) == (2, version, "重阳节走访")
    first.refresh_from_db()
    assert (first.days_before, first.min_age, version.days_before, version.min_age) == (
        0,
        None,
        7,
        80,
    )


def test_another_county_may_neither_change_nor_retire_the_rule(personas):
    rule = rule_add(actor=personas.head_county, code="double-ninth", name="重阳节", content=LUNAR)
    with pytest.raises(NotPermitted, match="市南区"):
        rule_change(actor=personas.head_county2, rule=rule, name="改", content=LUNAR)
    with pytest.raises(NotPermitted):
        rule_retire(actor=personas.head_county2, rule=rule, reason="不要")
    rule.refresh_from_db()
    assert (rule.name, rule.retired_at, VisitRuleVersion.objects.count()) == ("重阳节", None, 1)


def test_a_county_may_not_change_a_national_rule(personas):
    load_seed_rules()
    rule = VisitRule.objects.get(code="spring-festival")
    with pytest.raises(NotPermitted):
        rule_retire(actor=personas.head_county, rule=rule, reason="不要")
    assert VisitRule.objects.get(code="spring-festival").retired_at is None


def test_a_retired_rule_is_kept_and_cannot_be_changed(personas):
    rule = rule_add(actor=personas.head_county, code="double-ninth", name="重阳节", content=LUNAR)
    rule_retire(actor=personas.head_county, rule=rule, reason="并入普遍走访")
    rule.refresh_from_db()
    assert rule.is_retired and rule.retire_reason == "并入普遍走访"
    with pytest.raises(WrongState, match=errors.RULE_RETIRED):
        rule_change(actor=personas.head_county, rule=rule, name="重阳节", content=LUNAR)
    assert rule.versions.count() == 1


def test_the_rule_list_puts_rules_in_force_first_and_national_before_a_regions_own(personas):
    """The same order on both databases (PostgreSQL puts NULLs last unless told)."""
    load_seed_rules()
    retired = rule_add(actor=personas.head_county, code="a-old", name="旧规则", content=LUNAR)
    rule_retire(actor=personas.head_county, rule=retired, reason="停用")
    own = rule_add(actor=personas.head_county, code="a-own", name="重阳节", content=LUNAR)
    codes = [rule.code for rule in rules_for(personas.head_county, retired=True)]
    assert codes[-2:] == [own.code, retired.code]
    assert len(codes) == len(SEED_RULES) + 2


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ({**LUNAR, "day": 31}, "day", "农历9月没有31日"),
        ({**LUNAR, "timing": "fixed_date", "month": 2, "day": 30}, "day", "2月没有30日"),
        ({**LUNAR, "source": ""}, "source", "请填写依据"),
        (
            {"source": "s", "timing": "event", "anchor": "recorded_event"},
            "event_kind",
            errors.NO_EVENT_KIND,
        ),
        (
            {"source": "s", "timing": "event", "anchor": "discharge_date"},
            "months_after",
            errors.NO_WINDOW,
        ),
        ({"source": "s", "timing": "frequency"}, "times_per_year", "请填写每年至少次数"),
        (
            {"source": "s", "timing": "event", "anchor": "death_date", "days_after": 5},
            "subject",
            errors.DEATH_NEEDS_DECEASED,
        ),
        ({**LUNAR, "subject": "deceased"}, "subject", errors.DECEASED_NEEDS_DEATH),
        (
            {"source": "s", "timing": "anniversary", "anchor": "discharge_date"},
            "anchor",
            errors.BAD_ANNIVERSARY,
        ),
    ],
)
def test_an_inconsistent_rule_is_refused_naming_the_field(personas, content, field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        rule_add(actor=personas.head_county, code="bad", name="坏规则", content=content)
    assert refused.value.field == field
    assert VisitRule.objects.count() == 0


def test_readers_see_national_rules_their_county_s_and_not_another_county_s(client, personas):
    load_seed_rules()
    rule_add(actor=personas.head_county, code="double-ninth", name="市南区重阳节", content=LUNAR)
    rule_add(actor=personas.head_county2, code="north-only", name="市北区专项", content=LUNAR)
    login_as(client, personas.clerk_a)
    body = client.get(reverse("visits:rule_list")).content.decode()
    assert "春节走访慰问" in body and "市南区重阳节" in body and "市北区专项" not in body
    assert client.get(reverse("visits:rule_detail", args=["north-only"])).status_code == 404
    page = client.get(reverse("visits:rule_detail", args=["spring-festival"])).content.decode()
    assert "农历1月1日" in page and "001 第二十五条" in page and "修改（发布新版本）" not in page


def test_the_county_head_changes_a_rule_on_its_page(client, personas):
    rule_add(actor=personas.head_county, code="double-ninth", name="重阳节", content=LUNAR)
    login_as(client, personas.head_county)
    url = reverse("visits:rule_edit", args=["double-ninth"])
    form = {
        "name": "重阳节",
        "source": "市南区文件",
        "subject": "living",
        "timing": "lunar_date",
        "month": "9",
        "day": "30",
        "responsible_level": "5",
        "contact_counts": "home",
    }
    refused = client.post(url, form)
    assert "农历9月没有30日" not in refused.content.decode()  # 30 is a lunar day: accepted
    assert VisitRule.objects.get(code="double-ninth").current_version.number == 2
    bad = client.post(url, {**form, "day": "31"})
    assert bad.status_code == 200 and "农历9月没有31日" in bad.content.decode()
    assert VisitRule.objects.get(code="double-ninth").current_version.number == 2


def test_the_api_lists_rules_with_their_current_version(client, personas):
    load_seed_rules()
    rule = VisitRule.objects.get(code="army-day")
    rule_retire_by_province(personas, rule)
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    body = client.get("/api/v1/visit-rules/", **auth).json()
    rows = body["results"]
    assert body["count"] == len(rows) == 22 and "army-day" not in {r["code"] for r in rows}
    spring = next(r for r in rows if r["code"] == "spring-festival")
    assert spring["current_version"]["timing"] == "lunar_date"
    assert spring["current_version"]["merits"][:3] == [
        "honour_title",
        "first_class",
        "second_class",
    ]
    assert spring["current_version"]["labels"]["timing"] == "农历节日"
    assert spring["current_version"]["labels"]["merits"][:3] == ["荣誉称号", "一等功", "二等功"]
    assert spring["current_version"]["labels"]["summary"].endswith(
        "享受抚恤定补的优抚对象；农历1月1日；提前 30 天，之后 15 天内"
    )
    assert client.get("/api/v1/visit-rules/?retired=true", **auth).json()["count"] == 23
    paged = client.get("/api/v1/visit-rules/?retired=true&page_size=5&page=2", **auth).json()
    assert len(paged["results"]) == 5 and paged["previous"] is not None
    detail = client.get("/api/v1/visit-rules/army-day/", **auth).json()
    assert detail["retire_reason"] == "本省另定" and [v["number"] for v in detail["versions"]] == [
        1
    ]
    assert client.get("/api/v1/visit-rules/nope/", **auth).status_code == 404


def rule_retire_by_province(personas, rule):
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff, make_station

    station = make_station(personas.head_county.station.region.parent.parent)
    head = make_staff(station, Role.STATION_HEAD, username="head_province")
    rule_retire(actor=head, rule=rule, reason="本省另定")


def test_the_rules_are_in_the_openapi_schema(client, personas):
    login_as(client, personas.clerk_a)
    schema = client.get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/visit-rules/", "/api/v1/visit-rules/{code}/"} <= set(schema["paths"])


def test_a_rule_without_a_code_gets_one_from_its_name_s_pinyin(client, personas):
    # Given no code typed: the name's pinyin (重阳 read as a phrase), then -2 when taken
    first = rule_add(actor=personas.head_county, code="", name="重阳节走访", content=LUNAR)
    second = rule_add(actor=personas.head_county, code=" ", name="重阳节走访", content=LUNAR)
    assert (first.code, second.code) == ("chong-yang-jie-zou-fang", "chong-yang-jie-zou-fang-2")
    # a long name is cut at a word within the code's length; Latin letters and digits kept
    long = rule_add(
        actor=personas.head_county,
        code="",
        name="市南区2027年春节期间对八十岁以上高龄老兵的重点走访慰问",
        content=LUNAR,
    )
    assert long.code.startswith("shi-nan-qu-2027-nian-chun-jie") and len(long.code) <= 34
    # and on the page, the code may be left empty
    login_as(client, personas.head_county)
    body = {
        "code": "",
        "name": "建军节座谈",
        "source": "市南区文件",
        "subject": "living",
        "timing": "fixed_date",
        "month": "8",
        "day": "1",
        "responsible_level": "5",
        "contact_counts": "home",
    }
    done = client.post(reverse("visits:rule_new"), body)
    assert done.status_code == 302 and done["Location"].endswith("/rules/jian-jun-jie-zuo-tan/")

"""The campaign pages and /api/v1/visit-campaigns/: the same scoping as the selectors,
identity numbers masked, every showing of members audited; creating answers with the job."""

import re

import pytest
from django.urls import reverse

from junjia.core.models import AuditEntry, Job
from junjia.orgs.choices import Level
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.visits.choices import CampaignStatus
from junjia.visits.models import CampaignMember, VisitCampaign
from junjia.visits.tests.test_campaigns import END, START, _head, create

pytestmark = pytest.mark.django_db


def _members_audits():
    return AuditEntry.objects.filter(action="view", object_type="visits.visitcampaign")


def test_pages_create_generate_and_show_members(
    client, people, personas, tree, django_capture_on_commit_callbacks
):
    login_as(client, personas.head_county)
    # the preset fills the Spring Festival rule
    form = client.get(reverse("visits:campaign_new"), {"preset": "spring"})
    assert form.status_code == 200
    text = form.content.decode()
    assert re.search(r'value="spring-festival"[^>]*checked', text)
    assert not re.search(r'value="army-day"[^>]*checked', text)
    body = {
        "name": "2027年春节走访慰问",
        "period_start": START.isoformat(),
        "period_end": END.isoformat(),
        "rules": ["spring-festival"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("visits:campaign_new"), body)
    campaign = VisitCampaign.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    assert campaign.status == CampaignStatus.GENERATED

    page = client.get(response.url).content.decode()
    assert "各服务站人数" in page and tree.stations.village_c.name in page
    assert "王抚恤" not in page  # no member shown before a station is chosen
    before = _members_audits().count()
    page = client.get(response.url, {"station": tree.regions.village_a.key}).content.decode()
    wang = CampaignMember.objects.select_related("recipient").get(recipient=people["pensioner_a"])
    assert "王抚恤" in page and wang.recipient.id_masked in page
    assert not re.search(r"\d{17}[\dX]", page)  # no full identity number
    assert "春节走访慰问" in page
    assert _members_audits().count() == before + 1


def test_bad_form_input_is_named_and_nothing_written(client, people, personas):
    login_as(client, personas.head_county)
    response = client.post(
        reverse("visits:campaign_new"),
        {
            "name": "x",
            "period_start": END.isoformat(),
            "period_end": START.isoformat(),
            "rules": ["spring-festival"],
        },
    )
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert VisitCampaign.objects.count() == 0


def test_a_village_clerk_sees_her_members_straight_away(
    client, people, personas, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    login_as(client, personas.clerk_a)
    page = client.get(reverse("visits:campaign_detail", kwargs={"pk": campaign.pk}))
    text = page.content.decode()
    assert "王抚恤" in text and "李定补" not in text and "赵立功" not in text
    assert "重新生成名单" not in text and "调整原因" not in text
    # and cannot create, regenerate or reassign
    assert client.get(reverse("visits:campaign_new")).status_code == 403
    url = reverse("visits:campaign_regenerate", kwargs={"pk": campaign.pk})
    assert client.post(url).status_code == 403


def test_reassign_page_action(client, people, personas, tree, django_capture_on_commit_callbacks):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    li = CampaignMember.objects.get(recipient=people["pensioner_b"])
    town_head = _head(tree.stations.town1, "head_town1")
    login_as(client, town_head)
    url = reverse("visits:member_reassign", kwargs={"pk": campaign.pk, "member": li.pk})
    response = client.post(url, {"level": str(Level.TOWNSHIP), "reason": "街道包联"}, follow=True)
    assert "已将李定补改由乡镇（街道）负责走访。" in response.content.decode()
    li.refresh_from_db()
    assert li.responsible_level == Level.TOWNSHIP
    # the village head: not found here (no reassigning at the village)
    login_as(client, personas.head_a)
    assert client.post(url, {"level": "5", "reason": "x"}).status_code == 404


def test_a_refused_reassignment_names_the_person_and_the_field(
    client, people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    li = CampaignMember.objects.get(recipient=people["pensioner_b"])
    login_as(client, _head(tree.stations.town1, "head_town1"))
    url = reverse("visits:member_reassign", kwargs={"pk": campaign.pk, "member": li.pk})
    response = client.post(url, {"level": str(Level.TOWNSHIP), "reason": ""})
    assert response.url.endswith(f"?station={li.station_key}#members")  # back to the row
    page = client.get(response.url).content.decode()
    assert "调整李定补的责任层级未成功：调整原因，该字段是必填项。" in page
    li.refresh_from_db()
    assert li.responsible_level == Level.VILLAGE and li.reassigned_at is None


def test_moving_a_campaign_says_so_plainly_and_closing_asks_first(
    client, people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    login_as(client, personas.head_county)
    detail = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    page = client.get(detail).content.decode()
    assert re.search(r'data-confirm="结束后不能再重新生成名单[^"]*">结束计划', page)
    move = reverse("visits:campaign_move", kwargs={"pk": campaign.pk})
    assert "已开始走访。" in client.post(move, {"to": "open"}, follow=True).content.decode()
    assert "走访计划已结束。" in client.post(move, {"to": "closed"}, follow=True).content.decode()


def test_a_station_not_in_the_reader_s_list_shows_no_members(
    client, people, personas, tree, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    login_as(client, personas.clerk_a)
    detail = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    before = _members_audits().count()
    for key in ("999", str(tree.regions.village_b.key)):
        page = client.get(detail, {"station": key}).content.decode()
        assert "：应走访人员" not in page and "李定补" not in page
    assert _members_audits().count() == before


def test_api_list_create_detail_members(
    client, people, personas, tree, django_capture_on_commit_callbacks
):
    county = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.head_county)}"}
    clerk = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    url = reverse("api:visit-campaign-list")
    body = {
        "name": "2027 春节走访",
        "period_start": START.isoformat(),
        "period_end": END.isoformat(),
        "rules": ["spring-festival"],
    }
    refused = client.post(url, body, content_type="application/json", **clerk)
    assert refused.status_code == 403
    bad = client.post(url, body | {"rules": ["nope"]}, content_type="application/json", **county)
    assert bad.status_code == 400 and bad.json() == {
        "rules": ["规则“nope”不存在、已停用或不适用于本辖区。"]
    }
    assert VisitCampaign.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(url, body, content_type="application/json", **county)
    assert made.status_code == 202
    data = made.json()
    job = Job.objects.get()
    assert data["job"]["id"] == str(job.pk) and data["status"] == "draft"

    listed = client.get(url, **clerk).json()
    assert [c["name"] for c in listed["results"]] == ["2027 春节走访"]
    detail = client.get(
        reverse("api:visit-campaign-detail", kwargs={"pk": data["id"]}), **clerk
    ).json()
    assert detail["status"] == "generated" and detail["member_count"] == 3
    assert detail["rules"] == [{"rule": "spring-festival", "name": "春节走访慰问", "version": 1}]
    assert [(s["station_key"], s["members"]) for s in detail["stations"]] == [
        (tree.regions.village_a.key, 1)
    ]
    before = _members_audits().count()
    members = client.get(
        reverse("api:visit-campaign-members", kwargs={"pk": data["id"]}), **clerk
    ).json()
    assert [m["name"] for m in members["results"]] == ["王抚恤"]
    assert members["results"][0]["id_number"] == people["pensioner_a"].id_masked
    assert members["results"][0]["reasons"][0]["rule"] == "spring-festival"
    assert _members_audits().count() == before + 1
    # the other county: not found
    other = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.head_county2)}"}
    assert (
        client.get(
            reverse("api:visit-campaign-detail", kwargs={"pk": data["id"]}), **other
        ).status_code
        == 404
    )
    assert client.get(url, **other).json()["results"] == []


@pytest.mark.parametrize(
    ("today", "preset", "expected"),
    [
        # the next Spring Festival's window from the lunar calendar (2027-02-06, 2028-01-26)
        ("2026-12-07", "spring", ("2027年春节走访慰问", "2027-01-07", "2027-02-21")),
        ("2027-03-01", "spring", ("2028年春节走访慰问", "2027-12-27", "2028-02-10")),
        ("2027-08-05", "army", ("2027年“八一”走访慰问", "2027-07-17", "2027-08-08")),
        ("2027-09-30", "martyrs", ("2027年烈士纪念日走访慰问", "2027-09-20", "2027-09-30")),
    ],
)
def test_presets_give_the_next_festival(people, personas, today, preset, expected):
    import datetime as dt

    from junjia.core import clock
    from junjia.visits import selectors
    from junjia.visits.campaign_views import preset_initial

    rules = {r.code: r for r in selectors.rules_for(personas.head_county)}
    with clock.as_of(dt.date.fromisoformat(today)):
        got = preset_initial(rules, preset)
    name, opens, closes = expected
    assert got == {
        "name": name,
        "period_start": dt.date.fromisoformat(opens),
        "period_end": dt.date.fromisoformat(closes),
        "rules": [got["rules"][0]],
    }


def test_a_village_clerk_sees_her_share_and_a_county_the_total(
    client, people, personas, django_capture_on_commit_callbacks
):
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    whole = campaign.member_count
    mine = CampaignMember.objects.filter(
        campaign=campaign, region_key=personas.clerk_a.station.region.key
    ).count()
    assert 0 < mine < whole
    login_as(client, personas.clerk_a)
    listing = client.get(reverse("visits:campaign_list")).content.decode()
    assert f"本辖区 {mine}（全计划 {whole}）" in listing
    detail = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    assert f"本辖区 {mine}（全计划 {whole}）" in client.get(detail).content.decode()
    login_as(client, personas.head_county)
    page = client.get(detail).content.decode()
    assert "本辖区" not in page
    assert re.search(rf'<tr class="total">.*?<td data-label="人数">{whole}</td>', page, re.S)

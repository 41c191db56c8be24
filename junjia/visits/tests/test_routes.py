"""Route lists (走访路线单) and the assignment pages and API: 我的走访 lists the people given to
the logged-in visitor — live campaigns, window open or opening within five working days,
grouped by village, soonest closing first, each linked to recording the visit — and nobody
else's; the printable list for one visitor is the responsible station's and an audited
export; the member list assigns several at once; the campaign page groups stations by
township and shows a reassignment's reason."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from junjia.core.models import AuditEntry
from junjia.core.tests.helpers_calendar import known_calendar
from junjia.orgs.choices import Level
from junjia.orgs.tests.factories import make_region, make_station
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.registry.tests.factories import make_recipient
from junjia.visits import services
from junjia.visits.assignment import member_assign
from junjia.visits.models import CampaignMember
from junjia.visits.tests.test_campaigns import SPRING, create, members

pytestmark = pytest.mark.django_db
TODAY = SPRING - dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(dt.datetime.combine(TODAY, dt.time(9))):
        yield


@pytest.fixture
def spring(people, personas, django_capture_on_commit_callbacks):
    known_calendar(TODAY)
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    return campaign, members(campaign)


def _route_audits(page):
    return AuditEntry.objects.filter(object_type="visits.route", extra__page=page)


def test_my_route_lists_my_people_with_a_link_to_record_and_is_audited(client, spring, personas):
    campaign, found = spring
    wang = found["王抚恤"]
    member_assign(actor=personas.clerk_a, members=[wang], visitor=personas.clerk_a)
    login_as(client, personas.clerk_a)
    page = client.get(reverse("visits:route")).content.decode()
    record = reverse("visits:visit_new_member", kwargs={"pk": campaign.pk, "member": wang.pk})
    assert "王抚恤" in page and wang.recipient.id_masked in page
    # the form is fetched onto the phone by 保存到手机离线使用 (the village has weak signal)
    assert f'<a class="button" href="{record}" data-offline="1"' in page
    assert "保存到手机离线使用" in page and 'name="junjia-offline"' in page
    assert "春节走访慰问" in page  # the reason by its rule's name
    assert "共 1 人" in page
    audit = _route_audits("visits.route").get()
    assert (audit.actor_id, audit.action, audit.extra["rows"]) == (personas.clerk_a.pk, "view", 1)
    # the full identity number is never on the page
    assert wang.recipient.id_masked != "" and "*" in wang.recipient.id_masked


def test_the_route_leaves_out_others_people_visited_and_far_windows(
    client, spring, personas, django_capture_on_commit_callbacks
):
    _campaign, found = spring
    wang, li = found["王抚恤"], found["李定补"]
    member_assign(actor=personas.clerk_b, members=[li], visitor=personas.clerk_b)
    # a window opening in three weeks is not on the route yet; one opening in 3 days is
    later = create(
        personas.head_county,
        capture=django_capture_on_commit_callbacks,
        name="以后的计划",
    )
    far = members(later)["王抚恤"]
    near = members(later)["赵立功"]
    CampaignMember.objects.filter(pk=far.pk).update(opens=TODAY + dt.timedelta(days=21))
    CampaignMember.objects.filter(pk=near.pk).update(opens=TODAY + dt.timedelta(days=3))
    head_c = personas.head_county
    member_assign(actor=personas.clerk_a, members=[wang, far], visitor=head_c)
    services.member_reassign(actor=head_c, member=near, level=Level.COUNTY, reason="重点")
    member_assign(actor=head_c, members=[near], visitor=head_c)

    login_as(client, head_c)
    page = client.get(reverse("visits:route")).content.decode()
    assert "王抚恤" in page and "赵立功" in page and "尚未开始" in page
    assert "李定补" not in page  # given to village B's clerk
    assert page.count("记录走访</a>") == 2  # not the window three weeks off
    # village A's clerk was given nobody
    login_as(client, personas.clerk_a)
    assert "目前没有分派给您的待走访人员" in client.get(reverse("visits:route")).content.decode()


def test_route_groups_by_village_soonest_closing_first(spring, personas, tree):
    from junjia.visits import selectors

    _campaign, found = spring
    head_c = personas.head_county
    for name in ("王抚恤", "李定补"):
        services.member_reassign(
            actor=head_c, member=found[name], level=Level.COUNTY, reason="重点"
        )
    CampaignMember.objects.filter(pk=found["李定补"].pk).update(closes=TODAY + dt.timedelta(days=2))
    member_assign(actor=head_c, members=[found["王抚恤"], found["李定补"]], visitor=head_c)
    groups = selectors.route_groups(selectors.route_members(head_c, TODAY, visitor=head_c))
    assert [(g["name"], [m.recipient.name for m in g["members"]]) for g in groups] == [
        (tree.stations.village_b.name, ["李定补"]),
        (tree.stations.village_a.name, ["王抚恤"]),
    ]


def test_a_head_prints_a_visitor_s_route_as_an_audited_export(client, spring, personas):
    _campaign, found = spring
    wang = found["王抚恤"]
    member_assign(actor=personas.head_a, members=[wang], volunteer_name="张志愿")
    volunteer = CampaignMember.objects.get(pk=wang.pk).volunteer
    login_as(client, personas.head_a)
    response = client.get(reverse("visits:route_print"), {"volunteer": volunteer.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "走访路线单：志愿者张志愿" in page
    assert "王抚恤" in page and wang.recipient.id_masked in page
    assert "<th>走访日期</th><th>签名</th>" in page
    audit = _route_audits("visits.route.print").get()
    assert (audit.action, audit.extra["volunteer"], audit.extra["rows"]) == (
        "export",
        volunteer.pk,
        1,
    )


def test_printing_someone_else_s_route_is_the_responsible_station_s(client, spring, personas):
    _campaign, found = spring
    member_assign(actor=personas.clerk_a, members=[found["王抚恤"]], visitor=personas.head_a)
    url = reverse("visits:route_print")
    # the township reviewer assigns nowhere; village B's clerk does not reach 村A's head
    login_as(client, personas.reviewer_town)
    assert client.get(url, {"visitor": personas.head_a.pk}).status_code == 403
    login_as(client, personas.clerk_b)
    assert client.get(url, {"visitor": personas.head_a.pk}).status_code == 404
    assert client.get(url, {"volunteer": "99999"}).status_code == 404
    assert not _route_audits("visits.route.print").exists()
    # her own, anyone who records visits
    assert client.get(url).status_code == 200


def test_the_member_list_assigns_several_and_says_whom(
    client, spring, personas, tree, django_capture_on_commit_callbacks
):
    campaign, found = spring
    wang = found["王抚恤"]
    make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="郑定补",
        sections={"pension": {"pension_type": "subsidy"}},
    )
    services.campaign_regenerate(actor=personas.head_county, campaign=campaign)
    from junjia.visits.generation import generate

    generate(campaign, actor=personas.head_county)
    zheng = members(campaign)["郑定补"]
    login_as(client, personas.head_a)
    detail = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    page = client.get(detail, {"station": wang.station_key}).content.decode()
    assert 'id="assign-form"' in page and f'value="{wang.pk}" form="assign-form"' in page
    response = client.post(
        reverse("visits:member_assign", kwargs={"pk": campaign.pk}),
        {
            "members": [wang.pk, zheng.pk],
            "visitor": personas.clerk_a.pk,
            "volunteer_name": "张志愿",
            "volunteer_phone": "13912345678",
            "station": wang.station_key,
            "action": "assign",
        },
    )
    assert response.url == f"{detail}?station={wang.station_key}#members"
    page = client.get(response.url).content.decode()
    name = personas.clerk_a.full_name
    assert f"共 2 人分派给{name}和志愿者张志愿" in page
    assert "志愿者张志愿（139****5678）" in page and "13912345678" not in page
    # a bad phone is named, nothing changes
    response = client.post(
        reverse("visits:member_assign", kwargs={"pk": campaign.pk}),
        {
            "members": [wang.pk],
            "volunteer_name": "李",
            "volunteer_phone": "123",
            "action": "assign",
        },
    )
    page = client.get(response.url).content.decode()
    assert "分派未成功：志愿者手机号码应为 11 位中国大陆手机号" in page
    # taking them back
    client.post(
        reverse("visits:member_assign", kwargs={"pk": campaign.pk}),
        {"members": [wang.pk, zheng.pk], "action": "unassign"},
    )
    assert set(
        CampaignMember.objects.filter(pk__in=[wang.pk, zheng.pk]).values_list(
            "visitor_id", "volunteer_id"
        )
    ) == {(None, None)}


def test_a_person_outside_the_list_is_not_assigned_nor_named(client, spring, personas):
    campaign, found = spring
    li = found["李定补"]  # village B
    login_as(client, personas.clerk_a)
    response = client.post(
        reverse("visits:member_assign", kwargs={"pk": campaign.pk}),
        {"members": [li.pk], "visitor": personas.clerk_a.pk, "action": "assign"},
    )
    page = client.get(response.url).content.decode()
    assert "分派未成功：人员，所选人员不在本页名单中" in page and "李定补" not in page
    assert CampaignMember.objects.get(pk=li.pk).visitor_id is None


def test_station_counts_grouped_by_township_with_the_place_above(
    client, spring, personas, tree, django_capture_on_commit_callbacks
):
    # a second 村A under 乙街道: the same name, told apart by the township
    twin = make_region("370202002002", "村A", tree.regions.town2)
    twin_station = make_station(twin)
    make_recipient(
        twin,
        created_by=personas.clerk_a,
        name="冯定补",
        sections={"pension": {"pension_type": "subsidy"}},
    )
    campaign = create(personas.head_county, capture=django_capture_on_commit_callbacks, name="二")
    login_as(client, personas.head_county)
    page = client.get(reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})).content
    page = page.decode()
    assert '<th colspan="6" scope="rowgroup">甲街道</th>' in page
    assert '<th colspan="6" scope="rowgroup">乙街道</th>' in page
    assert page.index("甲街道</th>") < page.index(tree.stations.village_a.name)
    assert f'{twin_station.name}</a> <span class="muted">（乙街道）</span>' in page
    response = client.get(
        reverse("api:visit-campaign-detail", kwargs={"pk": campaign.pk}),
        HTTP_AUTHORIZATION=f"Token {api_token_key(personas.head_county)}",
    )
    parents = {s["station_key"]: s["parent_name"] for s in response.json()["stations"]}
    assert parents[twin.key] == "乙街道" and parents[tree.regions.village_a.key] == "甲街道"


def test_the_reassignment_reason_is_on_the_member_row_and_in_the_api(client, spring, personas):
    campaign, found = spring
    wang = found["王抚恤"]
    services.member_reassign(
        actor=personas.head_county, member=wang, level=Level.COUNTY, reason="重点对象：县级联系"
    )
    login_as(client, personas.head_county)
    detail = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    page = client.get(detail, {"station": wang.station_key}).content.decode()
    assert "（调整原因：重点对象：县级联系）" in page
    rows = client.get(
        reverse("api:visit-campaign-members", kwargs={"pk": campaign.pk}),
        HTTP_AUTHORIZATION=f"Token {api_token_key(personas.head_county)}",
    ).json()["results"]
    assert {r["name"]: r["reassign_reason"] for r in rows}["王抚恤"] == "重点对象：县级联系"


def test_api_assign_unassign_and_my_route(client, spring, personas):
    campaign, found = spring
    wang, li = found["王抚恤"], found["李定补"]
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    url = reverse("api:visit-campaign-members-assign", kwargs={"pk": campaign.pk})
    body = {"members": [wang.pk], "visitor": personas.clerk_a.pk, "volunteer_name": "张志愿"}
    response = client.post(url, body, content_type="application/json", **auth)
    assert response.status_code == 200, response.content
    (row,) = response.json()
    assert row["visitor"] == {"id": personas.clerk_a.pk, "name": personas.clerk_a.full_name}
    assert row["volunteer"]["name"] == "张志愿" and row["volunteer"]["phone"] == ""

    # someone outside her list: 400 on members, never named; a visitor she cannot send: 400
    refused = client.post(
        url,
        {"members": [li.pk], "visitor": personas.clerk_a.pk},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400 and "members" in refused.json()
    refused = client.post(
        url,
        {"members": [wang.pk], "visitor": personas.clerk_b.pk},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400 and "visitor" in refused.json()
    # village B's head of nothing here: the township reviewer may not assign at all
    reviewer = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.reviewer_town)}"}
    refused = client.post(
        url,
        {"members": [wang.pk], "volunteer_name": "李"},
        content_type="application/json",
        **reviewer,
    )
    assert refused.status_code == 403

    route = client.get(reverse("api:visit-route"), **auth).json()
    assert [(r["name"], r["id"]) for r in route] == [("王抚恤", wang.pk)]
    assert route[0]["record_url"] == reverse(
        "visits:visit_new_member", kwargs={"pk": campaign.pk, "member": wang.pk}
    )
    assert "*" in route[0]["id_number"]
    assert _route_audits("visits.route.api").count() == 1

    unassign = reverse("api:visit-campaign-members-unassign", kwargs={"pk": campaign.pk})
    response = client.post(
        unassign, {"members": [wang.pk]}, content_type="application/json", **auth
    )
    assert response.json()[0]["visitor"] is None
    assert client.get(reverse("api:visit-route"), **auth).json() == []

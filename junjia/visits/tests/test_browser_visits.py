"""Browser test: a village clerk on a phone (390×844) records a visit from a campaign
member — the form prefilled with the person, one column without sideways scrolling — and
the member comes back visited (issue 13 "Recording a visit")."""

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits.choices import MemberState
from junjia.visits.models import CampaignMember, Visit
from junjia.visits.tests.test_campaigns import county_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}


def test_a_village_clerk_records_a_visit_on_a_phone(page, tree, personas):
    # Given 市南区's Spring Festival campaign holding village A's pensioner
    wang = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, name="王抚恤", **PENSION
    )
    campaign = county_campaign(tree, personas, "spring-festival", "2027年春节走访慰问")
    member = CampaignMember.objects.get(campaign=campaign, recipient=wang)

    # When village A's clerk opens the campaign on her phone and records the visit
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"/visits/campaigns/{campaign.pk}/")
    page.locator("#members").get_by_role("link", name="记录走访").click()
    expect(page.get_by_role("heading", name="记录走访：王抚恤")).to_be_visible()
    expect(page.get_by_label("入户走访")).to_be_checked()
    me = f"{personas.clerk_a.full_name}（{tree.stations.village_a.name}）"
    # the recorder is a visitor by default
    expect(page.get_by_label(me, exact=True)).to_be_checked()
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "the visit form scrolls sideways on a phone"
    page.get_by_label("接待人").fill("本人及配偶")
    page.get_by_label("健康状况").fill("腿脚不便")
    page.get_by_label("了解的需求").fill("希望帮助申请居家养老服务")
    page.get_by_label("慰问金（元）").fill("500")
    page.shot("phone-form")
    page.get_by_role("button", name="保存走访记录").click()
    # a comfort payment without its budget line is refused under the field
    expect(page.locator(".errorlist")).to_contain_text("请填写经费来源")
    assert Visit.objects.count() == 0
    page.get_by_label("经费来源").fill("春节慰问经费")
    page.get_by_role("button", name="保存走访记录").click()

    # Then the visit is shown, counted, and the member is visited
    expect(page.locator(".messages, .msg").first).to_contain_text("已计入走访计划")
    expect(page.locator("#visit-comfort")).to_contain_text("500.00 元")
    expect(page.locator("#visit-facts")).to_contain_text(wang.id_masked)
    page.shot("phone-visit")
    visit = Visit.objects.get()
    assert (visit.money_fen, visit.member_id, visit.met) == (50000, member.pk, "本人及配偶")
    member.refresh_from_db()
    assert member.visit_state == MemberState.VISITED
    # the refusal above is the API's 400, which the browser reports on its console
    refused = "the server responded with a status of 400"
    assert [e for e in page.js_errors if refused not in e] == []

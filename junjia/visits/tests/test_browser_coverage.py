"""Browser test of the coverage drill-down (issue 13 "Ledgers and coverage"): the county head
goes from the campaign to its coverage — chart and table — then 甲街道, then 村B's station,
the people not yet visited there and the link recording a visit; on a desktop and on a
phone (390×844, tables as cards, nothing scrolling sideways)."""

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits import coverage
from junjia.visits.models import CampaignMember
from junjia.visits.tests.test_campaigns import county_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def drill_down(page, campaign, where: str) -> None:
    page.goto(f"/visits/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="覆盖情况（逐级查看）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("市南区覆盖情况")
    expect(page.locator("#coverage-stamp")).to_contain_text("数据更新于")
    # the chart is drawn (ECharts) and the table beside it holds the same figures
    page.wait_for_function(
        "() => window.echarts"
        " && echarts.getInstanceByDom(document.getElementById('coverage-chart'))"
    )
    table = page.locator("#coverage-table")
    expect(table).to_contain_text("甲街道")
    expect(table.locator("tfoot")).to_contain_text("33.3%")
    page.shot(f"{where}-county")
    table.get_by_role("link", name="甲街道").click()
    expect(page.locator("#coverage-path")).to_contain_text("市南区 › 甲街道")
    page.locator("#coverage-table").get_by_role("link", name="村B").click()
    # the village station: the people not yet visited, masked, with the link to record
    people = page.locator("#people-table")
    expect(people).to_contain_text("李定补")
    expect(people).not_to_contain_text("王抚恤")
    page.shot(f"{where}-village-people")


def test_a_county_head_drills_down_to_the_people_not_yet_visited(page, tree, personas):
    r, clerk = tree.regions, personas.clerk_a
    wang = make_recipient(r.village_a, created_by=clerk, name="王抚恤", **PENSION)
    li = make_recipient(r.village_b, created_by=clerk, name="李定补", **PENSION)
    make_recipient(r.village_c, created_by=clerk, name="赵定补", **PENSION)
    campaign = county_campaign(tree, personas, "spring-festival", "2027年春节走访慰问")
    CampaignMember.objects.filter(campaign=campaign, recipient=wang).update(visit_state="visited")
    coverage.refresh()

    login(page, "head_county")
    drill_down(page, campaign, "desktop")
    expect(page.locator("#people-table")).to_contain_text(li.id_masked)
    page.locator("#people-table").get_by_role("link", name="记录走访").click()
    expect(page.get_by_role("heading", name="记录走访：李定补")).to_be_visible()

    page.set_viewport_size(PHONE)
    drill_down(page, campaign, "phone")
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "the coverage page scrolls sideways on a phone"
    page.goto("/visits/coverage/")
    expect(page.locator("#coverage-campaigns")).to_contain_text("33.3%")
    page.shot("phone-index")
    assert page.js_errors == []

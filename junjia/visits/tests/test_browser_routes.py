"""Browser tests: village A's head ticks two people in the member list and gives them to the
village clerk and a volunteer; the clerk opens 我的走访 on her phone (390×844) and finds them
as cards, each linked to recording the visit (issue 13 "Assignment to staff and to
volunteer visitors"; route lists). And the county head reassigns a person to the county with
a reason, shown on the row (issue 13 "Done when": reassigning a person to the county)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from junjia.core import clock
from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits.models import CampaignMember, VolunteerVisitor
from junjia.visits.tests.test_campaigns import county_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _spring_with_open_windows(tree, personas):
    """市南区's Spring Festival campaign holding two pensioners of village A, the windows
    moved around today (the clock of the live server is not frozen)."""
    for name, address in (("王抚恤", "村A 东街 3 号"), ("刘定补", "村A 西街 8 号")):
        make_recipient(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name=name,
            current_address=address,
            **PENSION,
        )
    campaign = county_campaign(tree, personas, "spring-festival", "2027年春节走访慰问")
    today = clock.today()
    CampaignMember.objects.filter(campaign=campaign).update(
        opens=today - dt.timedelta(days=1), closes=today + dt.timedelta(days=12)
    )
    return campaign


def test_a_head_assigns_two_people_and_the_clerk_finds_them_on_her_phone(page, tree, personas):
    campaign = _spring_with_open_windows(tree, personas)

    # When village A's head ticks both and gives them to the clerk and a volunteer
    _login(page, "head_a")
    page.goto(f"/visits/campaigns/{campaign.pk}/")
    members = page.locator("#members")
    members.get_by_label("选择王抚恤").check()
    members.get_by_label("选择刘定补").check()
    clerk = f"{personas.clerk_a.full_name}（{tree.stations.village_a.name}）"
    page.get_by_label("走访人员（工作人员）").select_option(label=clerk)
    page.get_by_label("志愿者姓名").fill("张志愿")
    page.get_by_label("志愿者手机号码（可不填）").fill("139 1234 5678")
    page.shot("assign")
    page.get_by_role("button", name="分派", exact=True).click()

    # Then the list says whom, and shows the visitors on each row, the phone masked
    expect(page.locator(".messages, .msg").first).to_contain_text(
        f"共 2 人分派给{personas.clerk_a.full_name}和志愿者张志愿"
    )
    visitors = page.locator("#members-table .member-visitors")
    expect(visitors).to_have_count(2)
    for i in range(2):
        expect(visitors.nth(i)).to_contain_text("志愿者张志愿（139****5678）")
    assert VolunteerVisitor.objects.get().phone_masked == "139****5678"
    page.shot("assigned")

    # And the clerk, on her phone, finds both on 我的走访 as cards linked to recording
    page.set_viewport_size(PHONE)
    _login(page, "clerk_a")
    page.goto("/visits/route/")
    expect(page.get_by_role("heading", name="我的走访")).to_be_visible()
    cards = page.locator(".route-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("东街 3 号")
    expect(cards.nth(1)).to_contain_text("西街 8 号")
    expect(page.locator(".route-card a", has_text="记录走访")).to_have_count(2)
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "我的走访 scrolls sideways on a phone"
    page.shot("phone-route")
    cards.nth(0).get_by_role("link", name="记录走访").click()
    expect(page.get_by_role("heading", name="记录走访：王抚恤")).to_be_visible()

    # And her printable route list holds the blank columns to fill in on paper
    page.goto("/visits/route/print/")
    expect(
        page.get_by_role("heading", name=f"走访路线单：{personas.clerk_a.full_name}")
    ).to_be_visible()
    expect(page.locator(".route-sheet table th", has_text="签名")).to_have_count(1)
    page.shot("phone-print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    expect(page.locator(".sidenav, .topbar").first).to_be_hidden()
    page.shot("print-a4")
    assert page.js_errors == []


def test_the_county_head_reassigns_a_person_to_the_county(page, tree, personas):
    campaign = _spring_with_open_windows(tree, personas)
    wang = CampaignMember.objects.get(campaign=campaign, recipient__name="王抚恤")

    _login(page, "head_county")
    page.goto(f"/visits/campaigns/{campaign.pk}/")
    page.locator("#station-counts").get_by_role("link", name=tree.stations.village_a.name).click()
    row = page.locator("#members-table tr", has_text="王抚恤")
    row.get_by_label("责任层级").select_option(label="县级")
    row.get_by_label("调整原因").fill("重点对象：县级联系")
    row.get_by_role("button", name="调整").click()

    expect(page.locator(".messages, .msg").first).to_contain_text("已将王抚恤改由县级负责走访。")
    row = page.locator("#members-table tr", has_text="王抚恤")
    expect(row).to_contain_text("县级")
    expect(row).to_contain_text("调整原因：重点对象：县级联系")
    page.shot("reassigned")
    wang.refresh_from_db()
    assert (wang.responsible_level, wang.reassign_reason) == (3, "重点对象：县级联系")
    assert page.js_errors == []

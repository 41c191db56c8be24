"""Browser test: generating a campaign. The county head picks the Spring Festival preset,
generates the campaign for 市南区, watches it come back generated and opens a village
station's members (names with masked identity numbers, reasons and windows)."""

import re

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits.choices import CampaignStatus
from junjia.visits.models import VisitCampaign
from junjia.visits.rules import load_seed_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}


def test_generating_a_campaign(page, tree, personas):
    # Given the seed rules and two pensioners of 市南区 (villages A and C) and a plain veteran
    load_seed_rules()
    r, clerk = tree.regions, personas.clerk_a
    wang = make_recipient(r.village_a, created_by=clerk, name="王抚恤", **PENSION)
    make_recipient(r.village_c, created_by=clerk, name="赵定补", **PENSION)
    make_recipient(r.village_a, created_by=clerk, name="钱普通")

    # When the county head logs in and generates the Spring Festival campaign
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("head_county")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/visits/campaigns/")
    page.get_by_role("link", name="生成走访计划").click()
    page.get_by_role("link", name="春节走访慰问").click()
    expect(page.get_by_label("计划名称")).to_have_value(re.compile(r"^\d{4}年春节走访慰问$"))
    expect(page.get_by_label("春节走访慰问", exact=True)).to_be_checked()
    expect(page.locator("input[value=army-day]")).not_to_be_checked()
    page.shot("form")
    page.get_by_role("button", name="生成").click()

    # Then the campaign comes back generated (the job ran), counted per station
    expect(page.locator(".messages, .msg").first).to_contain_text("正在后台生成名单")
    expect(page.locator("#campaign-status")).to_have_text("已生成")
    expect(page.locator("#campaign-job")).to_contain_text("已完成")
    counts = page.locator("#station-counts")
    expect(counts).to_contain_text(tree.stations.village_a.name)
    expect(counts).to_contain_text(tree.stations.village_c.name)
    campaign = VisitCampaign.objects.get()
    assert (campaign.status, campaign.member_count) == (CampaignStatus.GENERATED, 2)
    page.shot("generated")

    # And one station's members show the person masked, with the reason and window
    counts.get_by_role("link", name=tree.stations.village_a.name).click()
    members = page.locator("#members")
    expect(members).to_contain_text("王抚恤")
    expect(members).to_contain_text(wang.id_masked)
    expect(members).to_contain_text("春节走访慰问")
    expect(members).not_to_contain_text("钱普通")
    expect(members).not_to_contain_text("赵定补")
    page.shot("members")
    assert page.js_errors == []

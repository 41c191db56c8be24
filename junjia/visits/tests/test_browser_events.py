"""Browser tests: a village clerk on a phone (390×844) records a 返乡 event for a person and
sees the visit due on her home page, then records the visit and it is gone (六必访, issue 13);
the comfort-money ledger with its totals per budget line and its A4 signing sheet (desktop)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits.models import VisitEvent
from junjia.visits.recording import VisitInput, visit_record
from junjia.visits.rules import load_seed_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _no_sideways(page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, f"{page.url} scrolls sideways on a phone"


def test_a_village_clerk_records_a_return_home_and_sees_the_visit_due(page, tree, personas):
    # Given the seed rules and a veteran of village A just back home
    load_seed_rules()
    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="刘返乡")

    # When village A's clerk finds him on her phone and records his return home
    page.set_viewport_size(PHONE)
    _login(page, "clerk_a")
    page.goto("/visits/events/")
    page.get_by_label("为服务对象登记事件：查找姓名或身份证号码").fill("刘返乡")
    page.get_by_role("button", name="查找").click()
    page.locator("#found").get_by_role("link", name="登记事件").click()
    expect(page.get_by_role("heading", name="登记走访事件：刘返乡")).to_be_visible()
    page.get_by_label("事件").select_option(label="退役返乡")
    page.get_by_label("说明").fill("今日返乡报到")
    _no_sideways(page)
    page.shot("event-form-phone")
    page.get_by_role("button", name="登记事件").click()

    # Then she is told the visit is due within a month, on the person's page
    closes = VisitEvent.objects.get().closes
    expect(page.locator(".messages, .msg").first).to_contain_text(f"{closes:%Y-%m-%d} 前入户走访")
    expect(page.locator("#events")).to_contain_text("待走访")
    _no_sideways(page)
    page.shot("event-person-phone")

    # and on her home page's to-do list, linked to recording the visit
    page.goto("/")
    due = page.locator(".todo-item", has_text="刘返乡")
    expect(due).to_contain_text("退役返乡")
    expect(due).to_contain_text(person.id_masked)
    _no_sideways(page)
    page.shot("event-home-phone")
    due.get_by_role("link").click()
    expect(page.get_by_role("heading", name="记录走访：刘返乡")).to_be_visible()
    page.get_by_label("接待人").fill("本人")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#visit-facts")).to_be_visible()

    # a home visit clears it: gone from the to-do list
    page.goto("/")
    expect(page.locator(".todo-item", has_text="刘返乡")).to_have_count(0)
    assert VisitEvent.objects.get().visit_state == "visited"
    assert page.js_errors == []


def test_the_comfort_ledger_shows_totals_per_budget_line_and_prints(page, tree, personas):
    # Given comfort given in the county on two budget lines and goods once
    people = [
        make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name=name)
        for name in ("王慰问", "张慰问", "李慰问")
    ]
    at = timezone.now() - dt.timedelta(hours=2)
    for person, fen, line, goods in (
        (people[0], 50000, "春节慰问经费", "米、油"),
        (people[1], 30050, "春节慰问经费", ""),
        (people[2], 100000, "县级重点优抚对象慰问金", ""),
        (people[2], 0, "", "慰问信"),
    ):
        data = VisitInput(
            visited_at=at,
            how="home",
            met="本人",
            visitors=[personas.clerk_a],
            money_fen=fen,
            budget_line=line,
            goods=goods,
        )
        visit_record(actor=personas.clerk_a, recipient=person, data=data)

    # When the county head opens the comfort-money ledger on a desktop
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, "head_county")
    page.goto("/visits/comfort/")

    # Then the totals per budget line and overall are shown, with the 签收 column
    totals = page.locator("#comfort-totals")
    expect(totals.locator("tbody tr").first).to_contain_text("县级重点优抚对象慰问金")
    expect(totals.locator("tbody tr").nth(1)).to_contain_text("800.50")
    expect(totals.locator("tfoot")).to_contain_text("1800.50")
    expect(page.locator("#comfort tbody tr")).to_have_count(4)
    expect(page.locator("#comfort")).to_contain_text("未签收")
    page.shot("comfort-ledger")

    # filtered to one budget line, then the signing sheet for it
    page.get_by_label("经费来源").select_option(label="春节慰问经费")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#comfort tbody tr")).to_have_count(2)
    page.get_by_role("link", name="打印签字表").click()
    sheet = page.locator("#comfort-sheet")
    expect(sheet).to_contain_text("合计（2 人次）")
    expect(sheet).to_contain_text("负责人签字")
    expect(sheet.locator("tbody tr")).to_have_count(2)
    page.shot("comfort-print")
    page.emulate_media(media="print")
    page.shot("comfort-print-media")
    assert page.js_errors == []

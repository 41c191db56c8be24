"""Every public page against the ageing-friendly rules (工业和信息化部《互联网网站适老化通用设计
规范》), in chromium on a phone and a desktop: axe-core finds no serious or critical problem,
in the standard display and in 大字 + 高对比度; text is 18px at least (22px large); every
control is 44px high at least; the display chosen stays on, with or without JavaScript.

axe-core comes from the npm registry's package in node_modules (package.json, a dev
dependency); it is injected into the page by the test and never served by the app."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from junjia.cases import services as case_services
from junjia.portal import views

from .helpers import NUMBER, make_slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, where: v.nodes.map(n => n.target.join(" "))}));
}"""

# Every visible control but the text links inside a sentence (an inline link is exempt from
# the target size, WCAG 2.5.8) and the radio buttons, whose whole card is the target.
SMALL_TARGETS = """() => {
  const controls = document.querySelectorAll(
    "a, button, input:not([type=radio]):not([type=hidden]), select, textarea, " +
    ".p-choice, .p-slot, .p-score");
  const small = [];
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || box.right < 0 || style.visibility === "hidden") continue;
    if (el.matches("a") && style.display === "inline") continue;
    const what = `${el.tagName} ${el.textContent.trim().slice(0, 20)}`;
    if (box.height < 44) small.push(`${what} ${box.height}`);
  }
  return small;
}"""

FONT_SIZE = "() => parseFloat(getComputedStyle(document.body).fontSize)"


@pytest.fixture
def axe_page(_chromium, live_server):
    """A browser context for the axe runs: the page's CSP allows no inline script, so this
    context bypasses it to add axe-core (the other browser tests keep the CSP)."""
    if not AXE.exists():
        pytest.fail("axe-core 未安装：请先运行 make assets（npm ci）。")
    context = _chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def check(page, name: str, *, large: bool = False, viewports=(PHONE, DESKTOP)) -> list:
    """Problems of the page as it is now, at each viewport: axe's serious and critical
    violations, controls under 44px, text under 18px (22px large)."""
    problems = []
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    for viewport in viewports:
        page.set_viewport_size(viewport)
        where = f"{name} @{viewport['width']}"
        problems += [(where, v) for v in page.evaluate(RUN_AXE)]
        problems += [(where, "small target", t) for t in page.evaluate(SMALL_TARGETS)]
        size = page.evaluate(FONT_SIZE)
        if size < (22 if large else 18):
            problems.append((where, "font size", size))
    return problems


def walk(page, world, *, large: bool = False, viewports=(PHONE, DESKTOP)) -> list:
    """Every public page, as a person reaches it: guides, each step of booking (errors
    included), the look-up and managing a booking, rating, the progress query."""
    problems = []

    def at(name):
        problems.extend(check(page, name, large=large, viewports=viewports))

    page.set_viewport_size(PHONE)
    page.goto("/")
    at("root")
    page.goto("/public/")
    at("home")
    page.goto("/public/guides/")
    at("guides")
    page.goto("/public/guides/preferential-card/")
    at("guide")
    page.goto("/public/guides/no-such-item/")
    at("not-found")

    # booking: the empty first step, a county, a search, the slots, an error, done
    page.goto("/public/book/")
    at("book-start")
    page.goto("/public/book/?county=370202&go=area")
    at("book-county")
    page.goto("/public/book/?q=甲街道&go=search")
    at("book-search")
    page.goto(f"/public/book/{world.station.pk}/")
    at("book-slots")
    page.locator(".p-slot", has_text="09:00–10:00").click()
    page.get_by_label("姓名").fill("张卫国")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_label("手机号码").fill("1391234567")
    page.get_by_role("button", name="提交预约").click()
    expect(page.locator(".p-alert")).to_be_visible()
    at("book-error")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_role("button", name="提交预约").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("预约成功")
    at("book-done")
    code = page.locator("[data-booking-code]").inner_text()

    # look-up: the form, a failed try, managing the booking
    page.goto("/public/appointment/")
    at("lookup")
    page.get_by_label("预约码").fill("ZZZZ2345")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-alert")).to_be_visible()
    at("lookup-failed")
    page.get_by_label("预约码").fill(code)
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的预约")
    at("manage")

    # rating: the form with its error, the thanks
    page.goto(world.rate_path)
    at("rate")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".has-error")).to_be_visible()
    at("rate-error")

    # the progress query: the form, a failed try, the answer
    page.goto("/public/progress/")
    at("progress")
    page.get_by_label("办件编号").fill(world.case.number)
    page.get_by_label("身份证号码").fill("11010519491231002X")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-alert")).to_be_visible()
    at("progress-failed")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("办件进度")
    at("progress-answer")
    return problems


@pytest.fixture
def world(catalogue, station, completed_case):
    from types import SimpleNamespace

    make_slot(station, days=3, start=9, capacity=2)
    make_slot(station, days=3, start=14, capacity=1, booked=1)
    rate_path = case_services.rating_url(completed_case).split("127.0.0.1:8000", 1)[-1]
    return SimpleNamespace(station=station, case=completed_case, rate_path=rate_path)


def test_every_public_page_passes_axe_on_a_phone_and_a_desktop(axe_page, world):
    assert walk(axe_page, world) == []
    assert axe_page.js_errors == []


def test_every_public_page_passes_axe_in_large_text_and_high_contrast(axe_page, world):
    # Given a visitor who chose both (the cookie the switches set)
    axe_page.goto("/public/display/?large=1&next=/public/")
    axe_page.goto("/public/display/?contrast=1&next=/public/")
    expect(axe_page.locator("html")).to_have_class("p-contrast p-large")

    assert walk(axe_page, world, large=True, viewports=(PHONE,)) == []
    assert axe_page.js_errors == []


def test_large_text_stays_on_without_javascript(_chromium, live_server, catalogue, station):
    context = _chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/public/guides/")
        assert page.evaluate(FONT_SIZE) == 18

        # When the visitor taps 大字模式 (a plain link: the server sets the cookie)
        page.get_by_role("link", name="大字模式").click()

        # Then the same page comes back large, and every page after it
        expect(page).to_have_url(f"{live_server.url}/public/guides/")
        assert page.evaluate(FONT_SIZE) == 22
        page.get_by_role("link", name="在线预约").first.click()
        assert page.evaluate(FONT_SIZE) == 22
        expect(page.get_by_role("link", name="恢复标准字号")).to_be_visible()
    finally:
        context.close()


def test_the_switches_keep_what_was_typed_and_stay_on_next_time(page, catalogue, station):
    page.set_viewport_size(PHONE)
    page.goto("/public/progress/")
    page.get_by_label("办件编号").fill("370202001001-20260928-0001")

    # When the visitor switches to large text and high contrast halfway through the form
    page.get_by_role("link", name="大字模式").click()
    page.get_by_role("link", name="高对比度").click()

    # Then the page changes at once, keeping what they typed
    expect(page.locator("html")).to_have_class("p-large p-contrast")
    expect(page.get_by_label("办件编号")).to_have_value("370202001001-20260928-0001")
    assert page.evaluate(FONT_SIZE) == 22
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    expect(page.get_by_role("link", name="恢复标准字号")).to_be_visible()
    page.shot("01-large-contrast-phone")

    # and the next visit opens in them, drawn so by the server from the first paint
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies[views.DISPLAY_COOKIE] == "contrast.large"
    page.goto("/public/")
    expect(page.locator("html")).to_have_class("p-contrast p-large")
    page.shot("02-home-large-contrast-phone")

    # and switching back restores the standard display
    page.get_by_role("link", name="恢复标准字号").click()
    page.get_by_role("link", name="恢复标准配色").click()
    expect(page.locator("html")).to_have_class("")
    page.reload()
    assert page.evaluate(FONT_SIZE) == 18
    assert page.js_errors == []


def test_the_site_root_shows_the_public_home_with_the_staff_log_in(page, catalogue, station):
    page.set_viewport_size(PHONE)
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("退役军人服务")
    page.shot("01-root-phone")
    page.get_by_role("link", name="工作人员登录").click()
    expect(page).to_have_url(f"{page.url.split('/accounts/')[0]}/accounts/login/")
    assert page.js_errors == []

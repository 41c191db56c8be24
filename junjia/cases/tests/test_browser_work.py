"""Browser tests of the case pages as a clerk uses them (000 §7): a case opened with
incomplete materials, the one-time notice printed with its contact card, the materials
completed and the case accepted and finished; and a case whose first handler (A) is on leave
accepted and finished by the backup (B). Screenshots of the work list, the open-case form,
the case page and the notice, on a desktop and a 375px phone, under /tmp/shots/work_*.png."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from junjia.cases import services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import CaseStatus, Channel
from junjia.cases.models import Case, CaseStep, ServiceItem
from junjia.core.tests.helpers_calendar import known_calendar
from junjia.core.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.registry.choices import Category
from junjia.registry.tests.factories import make_recipient
from junjia.staffing import api as staffing

from .test_browser_rota import log_in, open_nav

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 860}
SHOTS = Path("/tmp/shots")


def shot(page, name: str) -> Path:
    """A full-page screenshot under /tmp/shots/work_<name>.png, and the suite's artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"work_{name}.png"
    page.evaluate("() => window.scrollTo(0, 0)")  # the sticky top bar stays at the top
    page.screenshot(path=str(path), full_page=True)
    page.shot(name)
    return path


def no_sideways_scroll(page) -> None:
    """Nothing on the page is wider than the screen (tables fold into cards on a phone)."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


@pytest.fixture
def station(tree, personas):
    """Village A with 张一 (A, office phone) and 李二 (B) on 综合窗口, its head, and a retired
    soldier on file. The working-day calendar covers today and the promised time limits."""
    known_calendar(actor=personas.sysadmin)
    load_catalogue()
    village = tree.stations.village_a
    village.phone = "0532-88880000"
    village.save(update_fields=["phone"])
    head, a = personas.head_a, personas.clerk_a
    head.full_name = "赵站长"
    head.save(update_fields=["full_name"])
    a.full_name, a.office_phone = "张一", "0532-85561234"
    a.save(update_fields=["full_name", "office_phone"])
    b = make_staff(village, Role.CLERK, username="clerk_a2", full_name="李二")
    staffing.window_save(actor=head, station=village, name="综合窗口", primary=a, backup=b)
    person = make_recipient(
        tree.regions.village_a,
        created_by=a,
        name="王建军",
        categories=(Category.RETIRED_SOLDIER,),
        phone="13912345678",
    )
    return type("S", (), {"a": a, "b": b, "head": head, "person": person})


def test_incomplete_materials_notice_printed_then_completed_accepted_and_finished(page, station):
    page.on("dialog", lambda dialog: dialog.accept())
    # An earlier case of 张一's, so the work list has something due.
    earlier = services.case_open(
        actor=station.a,
        item=ServiceItem.objects.get(code="employment-register"),
        channel=Channel.WINDOW,
        applicant_name="孙就业",
        received={
            "居民身份证": {"state": "ok"},
            "退役证（转业证、离退休证）": {"state": "ok"},
            "学历证明": {"state": "ok"},
        },
    )
    services.case_accept(actor=station.a, case=earlier)
    # …and two more: one overdue, one due within 2 working days.
    today = timezone.localdate()
    overdue_on = today - dt.timedelta(days=3)  # any past date
    # Due on the next working day: one working day left, on a weekend or holiday too (from a
    # Sunday, a limit of one working day counted from today would leave two: Monday, Tuesday).
    for name, due in (("陈超期", overdue_on), ("刘将到", next_working_day(today))):
        late = services.case_open(
            actor=station.a,
            item=ServiceItem.objects.get(code="honour-plaque"),
            channel=Channel.WINDOW,
            applicant_name=name,
            received={
                "居民身份证": {"state": "ok"},
                "户口簿": {"state": "ok"},
                "入伍批准书或退役证件": {"state": "ok"},
            },
        )
        services.case_accept(actor=station.a, case=late)
        Case.objects.filter(pk=late.pk).update(due_on=due)

    # Given the clerk at the window
    log_in(page, "clerk_a")
    open_nav(page, "我的办件")
    expect(page.get_by_role("heading", name="我的办件", level=1)).to_be_visible()
    rows = page.locator("#work tbody tr")
    expect(rows).to_have_count(3)
    # Due soonest first: the overdue case in red, the one due within 2 working days amber.
    expect(rows.nth(0)).to_have_class("overdue")
    expect(rows.nth(0)).to_contain_text("陈超期")
    expect(rows.nth(1)).to_have_class("soon")
    expect(rows.nth(1)).to_contain_text("剩余 1 个工作日")
    expect(rows.nth(2)).to_contain_text("孙就业")
    shot(page, "list_desktop")

    # When 王建军 comes for his 优待证 with a wrong photo and no discharge certificate
    page.get_by_role("link", name="接件", exact=True).first.click()
    expect(page.get_by_role("heading", name="接件", level=1)).to_be_visible()
    page.get_by_label("在档案中查找服务对象").fill("王建军")
    person = page.locator("#recipient-results").get_by_text("王建军")
    expect(person).to_be_visible()
    person.click()
    # Once a person on file is chosen, the walk-in fields fold away.
    expect(page.get_by_label("姓名", exact=True)).to_be_hidden()
    page.get_by_label("办理事项").select_option(label="优待证申领")
    expect(page.locator("#materials")).to_contain_text("承诺时限 20 个工作日")
    rows = page.locator("#materials tbody tr")
    expect(rows).to_have_count(5)
    rows.nth(0).get_by_label("齐全").check()
    rows.nth(1).get_by_label("有误").check()
    rows.nth(1).get_by_role("textbox").fill("照片为三年前所拍，须近六个月内白底免冠照")
    # 退役证 and the martyr-family rows stay 按类别: the person's category decides.
    expect(page.locator("fieldset[data-channel='doorstep']")).to_be_hidden()
    page.get_by_label("上门", exact=True).check()
    expect(page.locator("fieldset[data-channel='doorstep']")).to_be_visible()
    page.get_by_label("窗口", exact=True).check()
    shot(page, "open_desktop")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    shot(page, "open_phone")
    page.set_viewport_size(DESKTOP)
    page.locator("#step-submit").get_by_role("button", name="接件").click()

    # Then the case is opened with the materials marked and the notice is the next step
    expect(page.locator("ul.messages")).to_contain_text("材料不全")
    expect(page.locator("#case-status")).to_have_text("已接件")
    expect(page.locator("#materials")).to_contain_text("缺少 1 项，有误 1 项")
    case = Case.objects.get(applicant_name="王建军")
    assert case.owner == station.a and case.recipient == station.person
    page.get_by_role("button", name="材料不全").click()
    expect(page.locator("#case-status")).to_have_text("材料不全")
    page.get_by_role("button", name="出具一次性告知").click()

    # The printable one-time notice lists what is missing and wrong, and the contact card
    expect(page.get_by_role("heading", name="一次性告知单", level=1).first).to_be_visible()
    notice = page.locator("#notice")
    expect(notice.locator("#missing")).to_contain_text("退役证（转业证、离退休证）")
    expect(notice.locator("#defective")).to_contain_text(
        "近期免冠照片：照片为三年前所拍，须近六个月内白底免冠照"
    )
    expect(notice).to_contain_text("自受理之日起 20 个工作日内办结")
    card = notice.get_by_label("联系服务卡")
    expect(card).to_contain_text("张一")
    expect(card).to_contain_text("0532-85561234")
    expect(card).to_contain_text(case.number)
    shot(page, "notice_desktop")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".wk-head")).to_be_hidden()
    expect(page.locator("#notice")).to_be_visible()
    shot(page, "notice_print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    shot(page, "notice_phone")
    page.set_viewport_size(DESKTOP)
    assert page.js_errors == []

    # When he comes back with everything, the materials are completed…
    page.get_by_role("link", name="返回办件").click()
    page.get_by_role("link", name="补交材料").click()
    rows = page.locator("table.mat-check tbody tr")
    rows.nth(1).get_by_label("齐全").check()
    rows.nth(1).get_by_role("textbox").fill("")
    rows.nth(2).get_by_label("齐全").check()
    page.get_by_role("button", name="保存核验结果").click()
    expect(page.locator("ul.messages")).to_contain_text("材料已齐全，可以受理。")
    expect(page.locator("#materials")).to_contain_text("齐全")

    # …and the case is accepted and completed
    page.locator("#actions").get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("ul.messages")).to_contain_text("已受理，承诺")
    expect(page.locator("#case-status")).to_have_text("已受理")
    # 20 working days from the next working day when today is a weekend or holiday (受理日为
    # 节假日的顺延), so 21 are left counted from such a day.
    left = working_days_between(today, add_working_days(today, 20))
    assert left == (20 if is_working_day(today) else 21)
    expect(page.locator("#due")).to_contain_text(f"剩余 {left} 个工作日")
    shot(page, "case_desktop")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    shot(page, "case_phone")
    page.set_viewport_size(DESKTOP)
    page.locator("#actions").get_by_text("办结", exact=True).click()
    page.get_by_label("办理结果").fill("优待证已制发，本人当场领取")
    page.get_by_role("button", name="确认办结").click()
    expect(page.locator("ul.messages")).to_contain_text("已办结")
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#result")).to_contain_text("优待证已制发，本人当场领取")
    page.get_by_role("link", name="打印办结回执").click()
    expect(page.locator("#rating-qr svg")).to_be_visible()

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert list(CaseStep.objects.filter(case=case).values_list("action", flat=True)) == [
        "接件",
        "材料核验：不全",
        "出具一次性告知",
        "补齐材料",
        "受理",
        "办结",
    ]
    # The list on a phone: the cases fold into cards.
    open_nav_phone(page, "/cases/work/")
    expect(page.locator("#work")).to_contain_text("陈超期")
    no_sideways_scroll(page)
    shot(page, "list_phone")
    assert page.js_errors == []


def open_nav_phone(page, url: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(url)


def test_a_case_whose_owner_is_on_leave_is_accepted_and_finished_by_b(page, station):
    page.on("dialog", lambda dialog: dialog.accept())
    case = services.case_open(
        actor=station.a,
        item=ServiceItem.objects.get(code="preferential-card"),
        channel=Channel.WINDOW,
        recipient=station.person,
        received={
            "居民身份证": {"state": "ok"},
            "近期免冠照片": {"state": "ok"},
            "退役证（转业证、离退休证）": {"state": "ok"},
        },
    )
    today = timezone.localdate()
    staffing.leave_record(
        actor=station.head,
        user=station.a,
        start=today,
        end=today + dt.timedelta(days=3),
        reason="年休假",
    )

    # Given B, told by a notification that A is away
    log_in(page, "clerk_a2")
    expect(page.locator("#bell .bell-count")).to_have_text("1")
    open_nav(page, "我的办件")
    work = page.locator("#work")
    expect(work).to_contain_text("王建军")
    expect(work).to_contain_text("代 A 角 张一 办理")
    shot(page, "standin_list")

    # When B opens A's case, accepts it and completes it
    work.get_by_role("link", name=case.number).click()
    expect(page.locator("#stand-in")).to_contain_text("首办人 张一 休假中")
    expect(page.locator("#stand-in")).to_contain_text("由 B 角 李二 代为办理")
    page.locator("#actions").get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("#case-status")).to_have_text("已受理")
    shot(page, "standin_case")
    page.locator("#actions").get_by_text("办结", exact=True).click()
    page.get_by_label("办理结果").fill("B 角代为办结，已电话告知本人领取")
    page.get_by_role("button", name="确认办结").click()

    # Then the case is finished by B and still A's
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#history")).to_contain_text("李二")
    page.set_viewport_size(PHONE)
    no_sideways_scroll(page)
    shot(page, "standin_case_phone")
    case.refresh_from_db()
    assert (case.status, case.owner) == (CaseStatus.COMPLETED, station.a)
    assert set(
        CaseStep.objects.filter(case=case).exclude(action="接件").values_list("actor", flat=True)
    ) == {station.b.pk}
    assert page.js_errors == []

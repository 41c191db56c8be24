"""Browser tests of the rota pages as the station head uses them: a paper rating of 不满意 is
entered and walked through the closed loop (差评发现 → 问题核实 → 反馈整改 → 问题回访 →
改进提升 → 已闭环), the satisfaction chart is drawn and drills down, and a tour of windows,
leave, lunch duty, appointments and callbacks on a desktop and a phone.
Screenshots under test-artifacts/screenshots/."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from junjia.cases import services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import LoopStage, RatingChannel, SlotKind
from junjia.cases.models import Evaluation, RectificationLoop
from junjia.core.tests.helpers_calendar import known_calendar
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import PASSWORD
from junjia.staffing import api as staffing

from .test_pages_rota import completed_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .who")).to_be_visible()


def log_out(page) -> None:
    """Signing out first drops the pages kept on the phone, then posts: wait for the log-in
    page before going anywhere, or the next page aborts the sign-out."""
    page.locator(".topbar").get_by_role("button", name="退出", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def open_nav(page, label: str) -> None:
    page.locator("#sidenav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


@pytest.fixture
def station(tree, personas):
    known_calendar(actor=personas.sysadmin)
    load_catalogue()
    personas.head_a.full_name = "赵站长"
    personas.head_a.save(update_fields=["full_name"])
    personas.clerk_a.full_name = "张一"
    personas.clerk_a.save(update_fields=["full_name"])
    a2 = make_staff(tree.stations.village_a, Role.CLERK, username="clerk_a2", full_name="李二")
    staffing.window_save(
        actor=personas.head_a,
        station=tree.stations.village_a,
        name="综合窗口",
        primary=personas.clerk_a,
        backup=a2,
    )
    return a2


def test_a_bad_paper_rating_is_walked_through_the_closed_loop(page, personas, station):
    case = completed_case(personas.clerk_a, name="周建国")
    page.on("dialog", lambda dialog: dialog.accept())

    # Given the station head with a paper rating form in hand
    log_in(page, "head_a")
    open_nav(page, "差评整改")
    expect(page.get_by_role("heading", name="差评整改")).to_be_visible()
    page.get_by_role("link", name="纸质评价录入").click()
    expect(page.locator("#unrated")).to_contain_text(case.number)

    # When they pick the case and enter 不满意 with the person's words
    page.locator("#unrated").get_by_role("link", name="录入评价").click()
    expect(page.get_by_label("办件编号")).to_have_value(case.number)
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("意见建议（照录评价表）").fill("中午来办事窗口没人，等了一个多小时。")
    page.shot("01-paper-rating")
    page.get_by_role("button", name="录入评价").click()

    # Then the loop opens at 差评发现 with the head as owner
    expect(page.locator("ul.messages")).to_contain_text("已启动差评整改")
    expect(page.locator("#loop-stage")).to_have_text("差评发现")
    expect(page.locator("#evaluation")).to_contain_text("中午来办事窗口没人")
    expect(page.locator("#evaluation")).to_contain_text("纸质评价表（赵站长 录入）")
    page.shot("02-loop-found")

    # And each stage is recorded and handed on until the loop is closed
    stages = [
        ("差评发现", "收到纸质差评，登记并交经办人核实。", "张一", "问题核实"),
        ("问题核实", "核实属实：午间无人值守窗口。", "赵站长", "反馈整改"),
        ("反馈整改", "已排定午间值班表，向本人致歉。", None, "问题回访"),
        ("问题回访", "电话回访，本人表示满意。", None, "改进提升"),
    ]
    for current, record, owner, following in stages:
        if current == "问题核实":
            # The clerk who was given 问题核实 records it; the head takes it back afterwards.
            log_out(page)
            log_in(page, "clerk_a")
            page.goto(f"/cases/loops/{RectificationLoop.objects.get().pk}/")
        expect(page.locator("#loop-stage")).to_have_text(current)
        page.get_by_label("本环节记录").fill(record)
        if owner:
            page.get_by_label("下一环节责任人").select_option(label=owner)
        page.get_by_role("button", name=f"记录并进入“{following}”").click()
        expect(page.locator("ul.messages")).to_contain_text(f"已进入“{following}”")
        expect(page.locator("#loop-records")).to_contain_text(record)
        if current == "问题核实":
            page.shot("03-verified-by-clerk")
            log_out(page)
            log_in(page, "head_a")
            page.goto(f"/cases/loops/{RectificationLoop.objects.get().pk}/")
    page.shot("04-before-closing")
    page.get_by_label("本环节记录").fill("纳入本月满意度分析，午间值班常态化。")
    page.get_by_role("button", name="记录并闭环").click()
    expect(page.locator("ul.messages")).to_contain_text("差评整改已闭环")
    expect(page.locator("#loop-stage")).to_have_text("已闭环")
    expect(page.locator("#loop-stages li.done")).to_have_count(6)
    expect(page.locator("#loop-form")).to_have_count(0)
    page.shot("05-closed")
    page.set_viewport_size(PHONE)
    page.shot("06-closed-phone")

    loop = RectificationLoop.objects.get()
    assert loop.stage == LoopStage.CLOSED
    assert list(loop.records.values_list("stage", flat=True)) == [
        "found",
        "verify",
        "rectify",
        "revisit",
        "improve",
    ]
    assert Evaluation.objects.get().channel == RatingChannel.PAPER
    # The closed loop leaves the open list and shows among the recently closed.
    page.set_viewport_size({"width": 1280, "height": 860})
    open_nav(page, "差评整改")
    expect(page.locator("#open-loops")).to_contain_text("没有进行中的差评整改。")
    expect(page.locator("#closed-loops")).to_contain_text(case.number)
    assert page.js_errors == []


def test_the_satisfaction_chart_is_drawn_and_drills_down(page, tree, personas, station):
    clerk_b = personas.clerk_b
    for clerk, score in ((personas.clerk_a, 5), (personas.clerk_a, 2), (station, 4)):
        services.evaluation_submit(
            case=completed_case(clerk), score=score, comment="", channel=RatingChannel.QR
        )
    services.evaluation_submit(
        case=completed_case(clerk_b, name="乙某"), score=5, comment="", channel=RatingChannel.SMS
    )

    # The county head compares the stations side by side
    log_in(page, "head_county")
    open_nav(page, "满意度分析")
    expect(page.get_by_role("heading", name="满意度分析")).to_be_visible()
    expect(page.locator("#analysis-chart canvas")).to_have_count(1)
    expect(page.locator("#analysis-table")).to_contain_text("村A退役军人服务站")
    expect(page.locator("#analysis-table")).to_contain_text("66.7% 未达标")
    page.wait_for_timeout(300)
    page.shot("01-analysis-stations")
    assert page.js_errors == []

    # A click on the first bar (村A, drawn at the top) opens the cases behind it
    box = page.locator("#analysis-chart").bounding_box()
    # Where ECharts drew the middle of the first bar (rate 66.7 on category 0).
    x, y = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('analysis-chart'))"
        ".convertToPixel({seriesIndex: 0}, [33, 0])"
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page).to_have_url(re.compile(r"/cases/analysis/cases/\?by=station"))
    expect(page.get_by_role("heading", level=1)).to_have_text("评价明细：村A退役军人服务站")
    expect(page.locator("#evaluation-list tbody tr")).to_have_count(3)
    page.shot("02-drill-down")

    # By month the chart is a line; on a phone it still fits
    page.goto("/cases/analysis/?by=month")
    expect(page.locator("#analysis-chart canvas")).to_have_count(1)
    page.set_viewport_size(PHONE)
    page.goto("/cases/analysis/?by=item")
    expect(page.locator("#analysis-chart canvas")).to_have_count(1)
    page.wait_for_timeout(300)
    page.shot("03-analysis-items-phone")
    assert page.js_errors == []


def test_the_station_head_tours_the_rota_pages(page, tree, personas, station):
    head = personas.head_a
    today = timezone.localdate()
    slot = services.slot_create(
        actor=head,
        station=tree.stations.village_a,
        day=today + dt.timedelta(days=7),
        start=dt.time(9),
        end=dt.time(10),
        kind=SlotKind.VIDEO,
        capacity=3,
    )
    services.appointment_book(
        slot=slot, name="刘预约", id_number="11010519491231002X", phone="13800000000", actor=head
    )
    completed_case(personas.clerk_a, code="employment-register", name="孙就业")
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "head_a")

    # 请假: the head records leave for A; B stands in on the windows page
    open_nav(page, "请假")
    page.get_by_label("请假人员").select_option(label="张一（村A退役军人服务站）")
    page.get_by_label("开始日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("结束日期").fill(f"{today + dt.timedelta(days=1):%Y-%m-%d}")
    page.get_by_label("事由").fill("年休假")
    page.get_by_role("button", name="登记请假").click()
    expect(page.locator("ul.messages")).to_contain_text("其 B 角已收到通知")
    page.shot("01-leave")
    # … and B may not be away at the same time
    page.get_by_label("请假人员").select_option(label="李二（村A退役军人服务站）")
    page.get_by_label("开始日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("结束日期").fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="登记请假").click()
    expect(page.locator(".errorlist")).to_contain_text("A 角与 B 角不能同时休假")
    page.shot("02-leave-refused")

    open_nav(page, "窗口与AB角")
    expect(page.locator("#windows")).to_contain_text("B 角顶岗")
    page.shot("03-windows")

    open_nav(page, "午间值班")
    first = page.locator("#lunch-rota tbody tr").first
    first.locator("select").select_option(label="李二")
    first.get_by_role("button", name="保存").click()
    expect(page.locator("ul.messages")).to_contain_text("午间值班：李二")
    page.shot("04-lunch")

    open_nav(page, "预约管理")
    page.goto(f"/cases/appointments/?date={slot.date:%Y-%m-%d}")
    expect(page.locator("#appt-list")).to_contain_text("刘预约")
    page.shot("05-appointments")
    page.get_by_role("link", name="预约时段设置").click()
    expect(page.locator("#slot-list")).to_contain_text("远程视频咨询")
    page.shot("06-slots")

    open_nav(page, "回访台账")
    expect(page.locator("#callback-list")).to_contain_text("孙就业")
    page.get_by_role("link", name="记录回访").click()
    page.get_by_label("回访情况").fill("已上岗，但工资低于预期")
    page.get_by_label("满意度").select_option(label="不满意")
    page.get_by_role("button", name="保存回访记录").click()
    expect(page.locator("ul.messages")).to_contain_text("已为首办人 张一 生成跟进回访")
    page.shot("07-callbacks")
    assert page.js_errors == []

    # The same pages on a phone
    page.set_viewport_size(PHONE)
    for name, url in (
        ("08-phone-windows", "/cases/rota/"),
        ("09-phone-lunch", "/cases/lunch/"),
        ("10-phone-appointments", f"/cases/appointments/?date={slot.date:%Y-%m-%d}"),
        ("11-phone-callbacks", "/cases/callbacks/?show=all"),
        ("12-phone-book", "/cases/appointments/book/"),
    ):
        page.goto(url)
        page.shot(name)
    assert page.js_errors == []


def test_a_clerk_reveals_the_number_for_her_callback_on_her_phone(page, station, personas):
    # Given clerk A completed an employment case: a callback is due
    case = completed_case(personas.clerk_a, code="employment-register", name="孙就业")
    callback = case.callbacks.get()
    page.set_viewport_size(PHONE)
    log_in(page, "clerk_a")

    # When she opens the callback from her to-do list
    page.goto("/")
    page.locator("#todo-mine").get_by_role("link", name=re.compile("孙就业")).click()
    expect(page.get_by_role("heading", name="回访：孙就业")).to_be_visible()
    phone = page.locator("#callback-phone")
    expect(phone).to_contain_text("139****5678")

    # Then one tap shows the whole number as a link that dials it, and it is audited
    phone.get_by_role("button", name="显示完整手机号码以便回访").click()
    dial = page.locator("#callback-phone a.revealed")
    expect(dial).to_have_text("13912345678")
    expect(dial).to_have_attribute("href", "tel:13912345678")
    assert "13912345678" not in page.url
    from junjia.core.models import AuditEntry

    assert AuditEntry.objects.filter(
        action="view", object_id=str(case.pk), extra__callback=callback.pk
    ).exists()
    page.shot("phone-callback-reveal")
    assert page.js_errors == []

"""Browser tests: a township head scores a village station on a phone (390×844) — the
running total as rows are scored, a withheld point refused until its note is written — and
submits it; the county's spot check showing the differences row by row; 附件2 printed and
exported."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from junjia.assessment import services
from junjia.assessment.choices import AssessmentStatus
from junjia.assessment.models import Assessment
from junjia.assessment.tests.factories import full_marks, open_round, scored, township_head
from junjia.orgs.tests.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def all_full_marks(page) -> None:
    buttons = page.locator("button.full-marks")
    for index in range(buttons.count()):
        buttons.nth(index).click()


def test_a_township_head_scores_a_village_station_on_a_phone(page, tree, personas):
    # Given 市南区's first quarter, opened by the county
    found = open_round(personas)
    head = township_head(tree)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)

    # When 甲街道's head opens it on her phone and scores 村A row by row
    page.set_viewport_size(PHONE)
    log_in(page, head.username)
    page.goto(f"/assessment/rounds/{found.pk}/")
    page.get_by_role("link", name="评分").first.click()
    expect(page.get_by_role("heading", name="评分：村A退役军人服务站")).to_be_visible()
    expect(page.get_by_role("heading", name="（一） 组织领导")).to_be_visible()
    all_full_marks(page)
    expect(page.locator("#running-total")).to_have_text("100")
    expect(page.locator("#scored-count")).to_have_text("57")
    page.get_by_label("第27项得分").fill("2")
    expect(page.locator("#running-total")).to_have_text("99")
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "the score sheet scrolls sideways on a phone"
    page.shot("phone-scoring")
    page.get_by_role("button", name="保存并报送县级").click()

    # Then the withheld point is refused, naming the row, and nothing is submitted
    expect(page.locator("#row-27 .errorlist")).to_contain_text("第27项扣了 1 分，请填写扣分说明。")
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SCORING
    page.get_by_label("第27项扣分说明").fill("两户档案缺照片")
    page.get_by_role("button", name="保存并报送县级").click()
    expect(page.locator(".messages, .msg").first).to_contain_text("已报送县级服务中心")
    expect(page.locator("#result")).to_contain_text("99 分")
    expect(page.locator("#result")).to_contain_text("达标")
    page.shot("phone-submitted")
    a.refresh_from_db()
    assert (a.status, a.total, a.passed) == (AssessmentStatus.SUBMITTED, 99, True)
    assert page.js_errors == []


def test_the_county_spot_check_shows_the_differences(page, tree, personas):
    # Given 村A scored at full marks by 甲街道 and submitted
    found = open_round(personas)
    head = township_head(tree)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    scored(head, a, full_marks(found.version))
    services.assessment_submit(actor=head, assessment=a)

    # When the county head scores it again, finding two rows short
    log_in(page, personas.head_county.username)
    page.goto(f"/assessment/rounds/{found.pk}/")
    page.get_by_role("link", name="抽查复核").click()
    all_full_marks(page)
    page.get_by_label("第39项得分").fill("1")
    page.get_by_label("第39项扣分说明").fill("三户烈属未悬挂光荣牌")
    page.get_by_label("第41项得分").fill("1.5")
    page.get_by_label("第41项扣分说明").fill("一户未建立联系")
    page.get_by_role("button", name="保存并完成复核").click()

    # Then the comparison marks the two rows and both totals
    expect(page.locator("#totals")).to_contain_text("乡镇评分 100 分；县级复核 97.5 分")
    expect(page.locator("#totals")).to_contain_text("有 2 项得分不同")
    differs = page.locator("#comparison tr.differs")
    expect(differs).to_have_count(2)
    expect(differs.nth(0)).to_contain_text("三户烈属未悬挂光荣牌")
    expect(differs.nth(0)).to_contain_text("-2")
    expect(differs.nth(1)).to_contain_text("-0.5")
    page.shot("spot-check")
    a.refresh_from_db()
    assert a.status == AssessmentStatus.CHECKED
    page.goto(f"/assessment/rounds/{found.pk}/")
    expect(page.get_by_role("link", name="复核有 2 项不同")).to_be_visible()
    assert page.js_errors == []


def test_the_statistics_table_printed_and_exported(page, tree, personas):
    tree.stations.village_a.phone = "023-70601234"
    tree.stations.village_a.save(update_fields=["phone"])
    found = open_round(personas)
    head = township_head(tree)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    scored(
        head, a, full_marks(found.version, **{"6": ("0", "无专职人员"), "7": ("0", "经费未保障")})
    )
    services.assessment_submit(actor=head, assessment=a)

    log_in(page, head.username)
    page.goto(f"/assessment/rounds/{found.pk}/")
    page.get_by_role("link", name="验收情况统计表").click()
    table = page.locator("#statistics")
    expect(table).to_contain_text("验收情况统计表")
    expect(table).to_contain_text("填报单位（加盖公章）：甲街道退役军人服务站")
    expect(table.locator("tbody tr").first).to_contain_text("村A退役军人服务站94")
    page.shot("statistics")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    with open(download.value.path(), "rb") as file:  # no .xlsx suffix: openpyxl reads bytes
        sheet = load_workbook(io.BytesIO(file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2] == ("序号", "退役军人服务站名称", "得分", "联系人", "联系电话", "备注")
    assert rows[3][:6] == (
        1,
        "村A退役军人服务站",
        94,
        personas.head_a.full_name,
        "023-70601234",
        "达标",
    )
    assert rows[4][:6] == (2, "村B退役军人服务站", None, None, None, "尚未报送")
    assert page.js_errors == []

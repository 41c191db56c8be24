"""Browser test of the Excel import, as a village clerk uses it: download the template, upload
a file with errors, read them on the page, download the error report, import the good rows
and watch the job finish. Screenshots under test-artifacts/screenshots/."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from junjia.core import xlsx
from junjia.registry.models import Recipient
from junjia.registry.tests.test_browser_pages import log_in, open_nav
from junjia.registry.tests.test_imports import BASIC, id_of, person, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CORPUS = Path(xlsx.__file__).resolve().parent / "tests" / "xlsx_corpus"


def _xlsx(download) -> list[tuple]:
    with open(download.path(), "rb") as handle:
        wb = load_workbook(io.BytesIO(handle.read()))
    return wb


def test_importing_a_file_with_errors_and_downloading_the_report(page, tree, personas, tmp_path):
    good1, good2 = id_of(701), id_of(702, male=False)
    data = workbook(
        {
            BASIC: [
                person(good1, "陈建国", 手机号码="13912345678"),
                person(good2, "林秀英", 性别="女"),
                person("37020219800101123", "错号"),  # 17 characters
                person(id_of(703), "外村人", region="370203001001"),  # outside the jurisdiction
            ],
            "类别": [
                {"身份证号码": good1, "类别": "退役士兵"},
                {"身份证号码": good2, "类别": "伤残军人"},  # grade and cause missing
            ],
        }
    )
    upload = tmp_path / "村A服务对象.xlsx"
    upload.write_bytes(data)

    # Given the clerk of village A on the import page
    log_in(page, "clerk_a")
    open_nav(page, "导入导出")
    expect(page.get_by_role("heading", name="Excel 导入服务对象档案")).to_be_visible()

    # The template downloads with its instructions and sheets
    with page.expect_download() as template:
        page.locator("#template-link").click()
    sheets = _xlsx(template.value).sheetnames
    assert sheets[:3] == ["填写说明", "基本信息", "组织生活和社会活动"]
    page.shot("01-import-page")

    # When they upload a file with errors
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并校验").click()

    # Then every bad row is shown with its sheet, row, column and reason; nothing is written
    preview = page.locator("#import-preview")
    expect(preview).to_contain_text("将新建档案 2 份")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("身份证号码应为 18 位（或旧版 15 位），您输入了 17 位。")
    expect(errors.nth(1)).to_contain_text("所选区划不在您的辖区内。")
    expect(errors.nth(2)).to_contain_text("伤残军人、伤残民兵民工须填写伤残等级和伤残性质。")
    assert Recipient.objects.count() == 0
    page.shot("02-preview-with-errors")

    # And the full error report downloads as a spreadsheet
    with page.expect_download() as report:
        page.locator("#report-link").click()
    rows = list(_xlsx(report.value)["错误报告"].values)
    assert rows[0] == ("工作表", "行号", "列", "值", "原因", "警告")
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("基本信息", 4, "身份证号码"),
        ("基本信息", 5, "户籍所在地区划代码"),
        ("类别", 3, "伤残等级"),
    ]

    # When they choose to import the valid rows only
    page.get_by_label("只导入正确的行（错误行跳过，见错误报告）").check()
    page.get_by_role("button", name="确认导入").click()

    # Then the job page shows the finished import and its report
    status = page.locator("[data-job-status]")
    expect(status).to_have_text("已完成", timeout=20_000)
    expect(page.locator("#job-status")).to_contain_text("新建档案（草稿）")
    page.shot("03-job-done")
    with page.expect_download() as result:
        page.get_by_role("link", name="下载结果文件").click()
    assert len(list(_xlsx(result.value)["错误报告"].values)) == 4
    assert sorted(Recipient.objects.values_list("name", flat=True)) == ["林秀英", "陈建国"]
    assert not Recipient.objects.get(name="林秀英").categories.exists()  # its bad list skipped

    # The page works on a phone too
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/registry/excel/import/")
    expect(page.get_by_role("button", name="上传并校验")).to_be_visible()
    page.shot("04-phone")
    assert page.js_errors == []


def test_importing_the_template_as_libreoffice_saves_it_with_dates_as_text(page, tree, personas):
    """The template filled in LibreOffice Calc (core/tests/xlsx_corpus/make_libreoffice.py):
    birth dates typed as text, as a date Calc recognised and with an apostrophe."""
    # Given the clerk of village A on the import page
    log_in(page, "clerk_a")
    open_nav(page, "导入导出")

    # When they upload the template LibreOffice saved
    upload = CORPUS / "libreoffice_template.xlsx"
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并校验").click()

    # Then every person is to be imported and no row is in error
    expect(page.locator("#import-preview")).to_contain_text("将新建档案 3 份")
    expect(page.locator("[data-count=errors]")).to_have_text("0")
    expect(page.locator("#import-errors")).to_have_count(0)
    page.shot("05-libreoffice-preview")

    # When they confirm, the job imports them with the birth dates as typed
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("[data-job-status]")).to_have_text("已完成", timeout=20_000)
    page.shot("06-libreoffice-done")
    people = Recipient.objects.order_by("name").values_list("name", "birth_date")
    assert [(name, birth.isoformat()) for name, birth in people] == [
        ("林秀英", "1985-09-20"),
        ("王志强", "1985-09-20"),
        ("陈建国", "1985-09-20"),
    ]
    assert page.js_errors == []

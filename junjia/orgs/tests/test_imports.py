"""Excel import of townships and villages: validation per row, atomic or valid-only commit."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from junjia.core import xlsx
from junjia.core.models import AuditEntry, Job, JobStatus
from junjia.orgs import imports
from junjia.orgs.models import Region

pytestmark = pytest.mark.django_db


def workbook(rows, sheet="区划", header=imports.HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD = [
    ("370202005000", "戊街道", "370202"),
    ("370202005001", "戊一村", "370202005000"),
    ("370202001009", "甲九村", "370202001000"),
]


def test_valid_file_plans_creates_in_any_row_order(personas, tree):
    data = workbook(list(reversed(GOOD)))
    plan = imports.plan_import(personas.head_county, data)
    assert plan.errors == []
    assert sorted(c[1] for c in plan.creates) == ["370202001009", "370202005000", "370202005001"]


def test_every_bad_row_is_reported_with_sheet_row_column_and_reason(personas, tree):
    data = workbook(
        [
            ("370202005000", "戊街道", "370202"),  # row 2 ok
            ("370203009000", "外县街道", "370203"),  # row 3 outside jurisdiction
            ("370202001001", "", "370202001000"),  # row 4 empty name
            ("370202005000", "重复", "370202"),  # row 5 duplicate of row 2
            ("370202001", "短码", "370202"),  # row 6 malformed code
            ("370202006001", "孤村", "370202006000"),  # row 7 parent does not exist
            ("=HYPERLINK(1)", "公式", "370202"),  # row 8 formula
        ]
    )
    plan = imports.plan_import(personas.head_county, data)
    got = [(e.row, e.column) for e in plan.errors]
    assert got == [
        (3, "上级区划代码"),
        (4, "名称"),
        (5, "区划代码"),
        (6, "区划代码"),
        (7, "上级区划代码"),
        (8, "区划代码"),
    ]
    reasons = {e.row: e.reason for e in plan.errors}
    assert reasons[3] == "上级区划 370203 不在您的辖区内"
    assert reasons[5] == "与第 2 行重复"
    assert reasons[7] == "上级区划 370202006000 不存在"
    assert [c[1] for c in plan.creates] == ["370202005000"]


def test_existing_code_with_new_name_is_a_rename_and_same_name_is_unchanged(personas, tree):
    data = workbook(
        [("370202001001", "村A", "370202001000"), ("370202001002", "新村B", "370202001000")]
    )
    plan = imports.plan_import(personas.head_county, data)
    assert plan.unchanged == 1
    assert plan.renames == [(3, "370202001002", "新村B")]


def test_child_of_a_failed_row_fails_too(personas, tree):
    data = workbook([("370202007000", "", "370202"), ("370202007001", "子村", "370202007000")])
    plan = imports.plan_import(personas.head_county, data)
    assert [(e.row, e.reason) for e in plan.errors] == [
        (2, "名称不能为空"),
        (3, "上级区划所在行有错误，无法导入"),
    ]
    assert plan.creates == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an excel file", "不是 Excel .xlsx 格式"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "已加密"),
        (b"PK\x03\x04garbage", "已损坏"),
    ],
)
def test_malformed_files_are_refused_before_parsing(personas, tree, data, message):
    with pytest.raises(xlsx.XlsxError, match=message):
        imports.plan_import(personas.head_county, data)


def test_zip_bomb_is_refused(personas, tree):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<x/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(xlsx.XlsxError, match="压缩炸弹"):
        imports.plan_import(personas.head_county, buffer.getvalue())


def _run(personas, data, valid_only, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start_import(
            actor=personas.head_county, data=data, filename="t.xlsx", valid_only=valid_only
        )
    job.refresh_from_db()
    return job


def test_all_or_nothing_imports_nothing_when_a_row_fails(
    personas, tree, django_capture_on_commit_callbacks
):
    data = workbook([*GOOD, ("370202008001", "孤村", "370202008000")])
    before = Region.objects.count()
    job = _run(personas, data, False, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert "未导入任何数据" in job.message
    assert Region.objects.count() == before
    assert job.result_file.name.endswith(".xlsx")  # the error report


def test_valid_only_imports_the_good_rows_with_audit(
    personas, tree, django_capture_on_commit_callbacks
):
    data = workbook([*GOOD, ("370202008001", "孤村", "370202008000")])
    job = _run(personas, data, True, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result == {"新增": 3, "更名": 0, "无变化": 0, "跳过的错误行": 1}
    village = Region.objects.get(code="370202005001")
    assert village.parent.code == "370202005000"
    assert village.full_name == "山东省青岛市市南区戊街道戊一村"
    assert AuditEntry.objects.filter(action="import", object_type="orgs.region").count() == 3


def test_reimporting_the_same_file_creates_no_duplicates(
    personas, tree, django_capture_on_commit_callbacks
):
    data = workbook(GOOD)
    _run(personas, data, False, django_capture_on_commit_callbacks)
    count = Region.objects.count()
    job = _run(personas, data, False, django_capture_on_commit_callbacks)
    assert Region.objects.count() == count
    assert job.result["无变化"] == 3
    assert Job.objects.count() == 2


def test_template_has_instructions_and_the_import_sheet():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(imports.template_bytes()))
    assert wb.sheetnames == ["填写说明", "区划"]
    assert [c.value for c in wb["区划"][1]] == list(imports.HEADERS)


def test_error_report_neutralises_formulas():
    from openpyxl import load_workbook

    report = xlsx.error_report([xlsx.RowError("区划", 2, "名称", "=1+1", "不接受公式")])
    ws = load_workbook(io.BytesIO(report))["错误报告"]
    assert ws["D2"].value == "'=1+1"

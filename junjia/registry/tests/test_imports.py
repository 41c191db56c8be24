"""Excel import of recipient files: template, row-by-row checks, all-or-nothing and
valid-only writes, re-import through the review flow, jurisdiction."""

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from junjia.core.models import AuditEntry, Job, JobStatus
from junjia.registry import imports
from junjia.registry.choices import Category, ChangeStatus, FileStatus
from junjia.registry.imports import rows as row_rules
from junjia.registry.models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    CategoryMembership,
    ChangeRequest,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db

BASIC = "基本信息"
HEADERS = {s.title: list(s.headers) for s in imports.SHEETS}


def workbook(sheets: dict[str, list[dict]], *, headers: dict | None = None) -> bytes:
    """An xlsx as a person would save it (shared strings), rows given as {header: value}."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        columns = (headers or {}).get(title) or HEADERS[title]
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def person(number: str, name: str = "王五", region: str = "370202001001", **more) -> dict:
    return {
        "身份证号码": number,
        "户籍所在地区划代码": region,
        "姓名": name,
        "民族": "汉族",
        **more,
    }


def id_of(seq: int, male: bool = True, birth=dt.date(1975, 3, 4), area="370202") -> str:
    return make_id_number(birth, male, area, seq=seq)


def run_job(actor, data, valid_only, capture, workers=0):
    with capture(execute=True):
        job = imports.start_import(
            actor=actor, source=data, filename="名单.xlsx", valid_only=valid_only
        )
    job.refresh_from_db()
    return job


@pytest.fixture(autouse=True)
def _in_process(settings):
    """Unit tests check in this process; test_parallel_workers forks on purpose."""
    settings.JUNJIA_IMPORT_WORKERS = 0


# --- template -----------------------------------------------------------------------------


def test_template_has_instructions_one_sheet_per_section_and_the_lists():
    wb = load_workbook(io.BytesIO(imports.template_bytes()))
    assert wb.sheetnames[:12] == [
        "填写说明",
        "基本信息",
        "组织生活和社会活动",
        "服役信息",
        "安置信息",
        "就业创业",
        "教育培训",
        "抚恤优待",
        "特困低保",
        "类别",
        "立功受奖",
        "家庭成员",
    ]
    assert [c.value for c in wb["基本信息"][1]][:6] == [
        "身份证号码",
        "户籍所在地区划代码",
        "姓名",
        "性别",
        "出生日期",
        "曾用名",
    ]
    assert [c.value for c in wb["类别"][1]] == [
        "身份证号码",
        "类别",
        "起始日期",
        "终止日期",
        "伤残等级",
        "伤残性质",
    ]
    for title in wb.sheetnames[1:12]:
        assert wb[title]["A1"].value == "身份证号码"
    assert "一人一档" in wb["填写说明"]["A1"].value


def test_template_has_drop_downs_for_coded_fields():
    wb = load_workbook(io.BytesIO(imports.template_bytes()))
    validations = {str(dv.sqref): dv.formula1 for dv in wb["类别"].data_validations.dataValidation}
    assert validations["B2:B100001"].startswith('"退役士兵,军转干部,')
    assert validations["E2:E100001"] == '"一级,二级,三级,四级,五级,六级,七级,八级,九级,十级"'
    assert validations["F2:F100001"] == '"因战,因公,因病"'
    basic = {str(dv.sqref): dv.formula1 for dv in wb["基本信息"].data_validations.dataValidation}
    assert basic["D2:D100001"] == '"男,女"'
    assert basic["G2:G100001"].startswith('"汉族,蒙古族,回族,')  # 56 groups, under 255


def test_long_drop_down_lists_go_to_a_hidden_sheet():
    from junjia.core import xlsx

    options = [f"选项{i:03d}" for i in range(100)]
    data = xlsx.write_workbook([("表", ["甲"], [])], choices={("表", 1): options})
    wb = load_workbook(io.BytesIO(data))
    (dv,) = wb["表"].data_validations.dataValidation
    assert dv.formula1 == "'选项'!$A$1:$A$100"
    assert wb["选项"].sheet_state == "hidden"
    assert [r[0] for r in wb["选项"].values] == options


# --- checks ---------------------------------------------------------------------------------


def test_mixed_file_reports_exactly_the_bad_rows(tree, personas):
    good = id_of(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = workbook(
        {
            BASIC: [
                person(good, "张三", 手机号码="138 0013 8000"),  # row 2 ok
                person(bad_check, "李四"),  # row 3 check digit
                person(id_of(2), "赵六", 性别="女"),  # row 4 gender contradicts the number
                person(id_of(3), "钱七", 手机号码="12345"),  # row 5 phone
                person(id_of(4), "", 民族="汉族"),  # row 6 no name
                person(good, "张三"),  # row 7 duplicate of row 2
                person(id_of(5), "孙八", region="370203001001"),  # row 8 outside jurisdiction
                person(id_of(6), "周九", region="370202001000", 出生日期="1975-03-05"),  # 9 birth
                person(id_of(7), "吴十", 参战参试="也许"),  # row 10 yes/no
                person(id_of(8), "郑一", region="370202"),  # row 11 county, not township
            ],
            "服役信息": [
                {"身份证号码": good, "入伍时间": "1995-12-01", "退役时间": "1994-12-01"},  # 2
            ],
            "类别": [
                {"身份证号码": good, "类别": "伤残军人"},  # row 2 no grade
                {"身份证号码": good, "类别": "退役士兵"},  # row 3 fine, but same list
                {"身份证号码": id_of(9), "类别": "退役士兵"},  # row 4 no such file
            ],
        }
    )
    plan, report = imports.plan_import(personas.clerk_a, data)
    got = [(e.sheet, e.row, e.column, e.reason) for e in plan.errors if e.reason]
    assert got == [
        (BASIC, 3, "身份证号码", "身份证号码校验位不正确，请逐位核对（可能有输错或颠倒的数字）。"),
        (BASIC, 4, "性别", "性别与身份证号码不符（身份证号码显示为男）。"),
        (BASIC, 5, "手机号码", "手机号码应为 11 位中国大陆手机号，以 13–19 开头。"),
        (BASIC, 6, "姓名", "该字段是必填项。"),
        (BASIC, 7, "身份证号码", "与本工作表第 2 行的身份证号码重复。"),
        (BASIC, 8, "户籍所在地区划代码", "所选区划不在您的辖区内。"),
        (BASIC, 9, "出生日期", "出生日期与身份证号码不符（身份证号码显示为 1975-03-04）。"),
        (BASIC, 10, "参战参试", "请填写“是”或“否”。"),
        (BASIC, 11, "户籍所在地区划代码", "户籍所在地区划代码应为 12 位数字。"),
        ("服役信息", 2, "退役时间", "退役时间应晚于入伍时间。"),
        ("类别", 2, "伤残等级", "伤残军人、伤残民兵民工须填写伤残等级和伤残性质。"),
        ("类别", 3, "身份证号码", "同一人在本工作表的其他行有错误，其类别均未导入。"),
        ("类别", 4, "身份证号码", "系统中没有该身份证号码的档案，“基本信息”中也没有这一行。"),
    ]
    assert plan.error_count == 13
    assert plan.creates == 1
    rows = list(load_workbook(io.BytesIO(report))["错误报告"].values)
    assert rows[0] == ("工作表", "行号", "列", "值", "原因", "警告")
    assert rows[1][:4] == (BASIC, 3, "身份证号码", bad_check)
    assert Recipient.objects.count() == 0  # checking writes nothing


def test_only_the_fields_the_instructions_name_are_required(
    tree, personas, django_capture_on_commit_callbacks
):
    # 填写说明 2: 身份证号码、户籍所在地区划代码、姓名必填 — 民族 left empty keeps 汉族
    number = id_of(12)
    row = {"身份证号码": number, "户籍所在地区划代码": "370202001001", "姓名": "钱二", "民族": ""}
    data = workbook({BASIC: [row], "服役信息": [{"身份证号码": number, "入伍时间": "1985-09-20"}]})
    plan, _ = imports.plan_import(personas.clerk_a, data)
    assert [(e.sheet, e.row, e.column, e.reason) for e in plan.errors] == []
    run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    recipient = Recipient.objects.get(name="钱二")
    assert recipient.ethnicity == "汉族"


def test_unknown_county_code_is_a_warning_not_an_error(tree, personas):
    number = id_of(11, area="370299")  # not in today's division list
    plan, report = imports.plan_import(personas.clerk_a, workbook({BASIC: [person(number)]}))
    assert plan.error_count == 0
    assert plan.creates == 1
    assert plan.warning_count == 1
    assert plan.errors[0].reason == ""
    assert "370299 不在现行行政区划代码中" in plan.errors[0].warning
    row = list(load_workbook(io.BytesIO(report))["错误报告"].values)[1]
    assert row[4] is None and "370299" in row[5]


def test_legacy_15_digit_numbers_and_numbers_typed_as_numbers(tree, personas):
    eighteen = id_of(12, birth=dt.date(1965, 7, 1))
    fifteen = eighteen[:6] + eighteen[8:17]
    data = workbook(
        {
            BASIC: [
                person(int(fifteen), "老兵"),  # a 15-digit number typed as a number: fine
                person(float(id_of(13)), "科学计数"),  # Excel turned 18 digits into a float
            ]
        }
    )
    plan, _ = imports.plan_import(personas.clerk_a, data)
    assert [(e.row, e.reason) for e in plan.errors] == [
        (3, "身份证号码被存成了数字（科学计数法），请把该列设置为文本格式后重新填写。")
    ]
    assert plan.creates == 1


# --- writes -----------------------------------------------------------------------------------


def full_file(numbers):
    a, b = numbers
    return workbook(
        {
            BASIC: [
                person(a, "张三", 手机号码="13800138000", 政治面貌="中共党员", 参战参试="是"),
                person(b, "李梅", 性别="女"),
                person("110101199001011234", "坏号码"),
            ],
            "服役信息": [
                {
                    "身份证号码": a,
                    "入伍时间": dt.date(1993, 12, 1),
                    "退役时间": "1997-12-01",
                    "军种": "海军",
                    "服役部队（番号或单位）": "某部",
                }
            ],
            "特困低保": [{"身份证号码": b, "困难状况": "低保", "认定时间": "2020-05-01"}],
            "类别": [
                {"身份证号码": a, "类别": "伤残军人", "伤残等级": "六级", "伤残性质": "因战"},
                {"身份证号码": a, "类别": "退役士兵", "起始日期": "1997-12-01"},
                {"身份证号码": b, "类别": "烈士遗属"},
            ],
            "立功受奖": [{"身份证号码": a, "立功受奖": "三等功", "时间": "1996-08-01"}],
            "家庭成员": [{"身份证号码": b, "姓名": "李强", "关系": "父亲", "出生年份": 1950}],
        }
    )


def test_all_or_nothing_writes_nothing_when_a_row_fails(
    tree, personas, django_capture_on_commit_callbacks
):
    data = full_file((id_of(21), id_of(22, male=False)))
    audits = AuditEntry.objects.count()
    job = run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.message == "有 1 行错误，按您的选择未导入任何数据。请下载错误报告，修改后重新上传。"
    assert Recipient.objects.count() == 0
    assert CategoryMembership.objects.count() == 0
    assert AuditEntry.objects.count() == audits
    report = load_workbook(io.BytesIO(job.result_file.read()))["错误报告"]
    assert [r[:3] for r in report.iter_rows(min_row=2, values_only=True)] == [
        (BASIC, 4, "身份证号码")
    ]


def test_valid_only_writes_the_good_rows_with_one_audit_row_each(
    tree, personas, django_capture_on_commit_callbacks
):
    a, b = id_of(23), id_of(24, male=False)
    job = run_job(personas.clerk_a, full_file((a, b)), True, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result == {
        "新建档案（草稿）": 2,
        "更新草稿": 0,
        "生成变更申请": 0,
        "无变化": 0,
        "错误行": 1,
        "警告": 0,
    }
    zhang = Recipient.objects.get(id_index=RECIPIENT_ID.lookup(a))
    assert zhang.status == FileStatus.DRAFT
    assert zhang.region_key == tree.regions.village_a.key
    assert (zhang.name, zhang.name_pinyin, zhang.name_initials) == ("张三", "zhangsan", "zs")
    assert RECIPIENT_ID.open(zhang) == a
    assert zhang.id_masked == a[:6] + "********" + a[-4:]
    assert RECIPIENT_PHONE.open(zhang) == "13800138000"
    assert zhang.phone_masked == "138****8000"
    assert (zhang.political_status, zhang.combat_veteran) == ("party_member", True)
    assert (zhang.enlistment_date, zhang.discharge_date) == (
        dt.date(1993, 12, 1),
        dt.date(1997, 12, 1),
    )
    assert zhang.branch == "navy"
    assert zhang.sections["service"] == {"unit": "某部", "rank": "", "speciality": ""}
    assert zhang.created_by == personas.clerk_a
    assert sorted(
        zhang.categories.values_list("category", "disability_grade", "disability_cause")
    ) == [("disabled_soldier", 6, "war"), ("retired_soldier", None, "")]
    assert list(zhang.honours.values_list("kind", "awarded_on")) == [
        ("third_class", dt.date(1996, 8, 1))
    ]
    li = Recipient.objects.get(id_index=RECIPIENT_ID.lookup(b))
    assert (li.gender, li.hardship) == ("F", "minimum_living")
    assert li.sections["hardship"] == {"hardship_since": "2020-05-01", "hardship_note": ""}
    assert list(li.family.values_list("name", "relationship", "birth_year")) == [
        ("李强", "father", 1950)
    ]
    assert ReviewStep.objects.filter(action="Excel导入建档").count() == 2
    entries = AuditEntry.objects.filter(action="import", object_type="registry.recipient")
    assert sorted(e.object_id for e in entries) == sorted([str(zhang.pk), str(li.pk)])
    entry = entries.get(object_id=str(zhang.pk))
    assert entry.subject_id == f"recipient:{zhang.pk}"
    assert entry.changes["id_number"] == [None, zhang.id_masked]
    assert entry.extra["job"] == str(job.pk) and entry.extra["row"] == 2
    assert a not in str(entry.changes) + str(entry.extra)  # never the plain number
    assert job.result_file  # the report of the one bad row


def test_reimporting_the_same_file_creates_no_duplicates(
    tree, personas, django_capture_on_commit_callbacks
):
    data = full_file((id_of(25), id_of(26, male=False)))
    run_job(personas.clerk_a, data, True, django_capture_on_commit_callbacks)
    counts = (
        Recipient.objects.count(),
        CategoryMembership.objects.count(),
        Honour.objects.count(),
        FamilyMember.objects.count(),
    )
    audits = AuditEntry.objects.filter(action="import").count()
    job = run_job(personas.clerk_a, data, True, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["无变化"] == 2
    assert job.result["新建档案（草稿）"] == 0
    assert counts == (
        Recipient.objects.count(),
        CategoryMembership.objects.count(),
        Honour.objects.count(),
        FamilyMember.objects.count(),
    )
    assert AuditEntry.objects.filter(action="import").count() == audits
    assert Job.objects.filter(kind="registry.import").count() == 2


def test_draft_is_updated_in_place_and_approved_file_gets_a_change_request(
    tree, personas, django_capture_on_commit_callbacks
):
    draft = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="草稿人",
        status=FileStatus.DRAFT,
        id_number=id_of(31),
    )
    approved = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="已审人",
        id_number=id_of(32),
        phone="13900139000",
    )
    data = workbook(
        {
            BASIC: [
                person(id_of(31), "草稿人改", 手机号码="13700137000"),
                person(id_of(32), "已审人", 手机号码="13900139000", 现居住地址="新地址"),
            ],
            "类别": [{"身份证号码": id_of(32), "类别": "复员干部"}],
        }
    )
    job = run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert (job.result["更新草稿"], job.result["生成变更申请"]) == (1, 1)
    draft.refresh_from_db()
    assert (draft.name, draft.name_pinyin, draft.phone_masked) == (
        "草稿人改",
        "caogaorengai",
        "137****7000",
    )
    approved.refresh_from_db()
    assert approved.current_address == ""  # the approved version stays in force
    assert list(approved.categories.values_list("category", flat=True)) == ["retired_soldier"]
    change = ChangeRequest.objects.get(recipient=approved)
    assert change.status == ChangeStatus.DRAFT
    assert change.proposed["sections"]["basic"]["current_address"] == "新地址"
    assert change.proposed["categories"][0]["category"] == "demobilised_cadre"
    assert change.proposed["sections"]["basic"]["phone"]["masked"] == "139****9000"
    entry = AuditEntry.objects.get(action="import", object_id=str(approved.pk))
    assert entry.extra["change_request"] == change.pk
    assert entry.changes == {
        "基本信息·现居住地址": ["", "新地址"],
        "类别·类别": ["退役士兵", "复员干部"],
    }
    # Importing again extends the same open change request, never a second one.
    job = run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    assert ChangeRequest.objects.filter(recipient=approved).count() == 1
    assert job.result["无变化"] == 2


def test_file_under_review_cannot_be_changed_by_import(tree, personas):
    make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        status=FileStatus.SUBMITTED,
        id_number=id_of(33),
    )
    plan, _ = imports.plan_import(personas.clerk_a, workbook({BASIC: [person(id_of(33))]}))
    assert [(e.row, e.reason) for e in plan.errors] == [(2, "档案正在审核中，审核结束前不能修改。")]


def test_file_outside_jurisdiction_names_only_the_holding_station(tree, personas):
    make_recipient(
        tree.regions.village_b, created_by=personas.clerk_b, name="乙某某", id_number=id_of(34)
    )
    data = workbook(
        {
            BASIC: [person(id_of(34), "冒名")],
            "类别": [{"身份证号码": id_of(34), "类别": "退役士兵"}],
        }
    )
    plan, _ = imports.plan_import(personas.clerk_a, data)
    station = tree.stations.village_b.name
    message = (
        f"该身份证号码已在“{station}”建档，一人只能有一份档案。"
        "如其户籍已迁入本辖区，可申请档案转移。"
    )
    assert [(e.sheet, e.row, e.reason) for e in plan.errors] == [
        (BASIC, 2, message),
        ("类别", 2, "该身份证号码在“基本信息”第 2 行有错误，本行未导入。"),
    ]
    assert "乙某某" not in str(plan.errors)


def test_sections_alone_update_an_existing_file(tree, personas, django_capture_on_commit_callbacks):
    recipient = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        status=FileStatus.DRAFT,
        id_number=id_of(35),
    )
    data = workbook({"安置信息": [{"身份证号码": id_of(35), "安置方式": "自主就业"}]})
    job = run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    assert job.result["更新草稿"] == 1
    recipient.refresh_from_db()
    assert recipient.placement == "self_employment"
    assert recipient.name == "张三"  # untouched: the basic sheet was not in the file


def test_village_clerk_cannot_import_into_the_neighbouring_village(tree, personas):
    plan, _ = imports.plan_import(
        personas.clerk_a, workbook({BASIC: [person(id_of(36), region="370202001002")]})
    )
    assert [e.reason for e in plan.errors] == ["所选区划不在您的辖区内。"]
    # The township reviewer's jurisdiction covers both villages, but reviewers do not edit.
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.plan_import(personas.reviewer_town, workbook({BASIC: [person(id_of(36))]}))


def test_parallel_workers_give_the_same_result(tree, personas):
    rows = [person(id_of(100 + i), f"并行{i}") for i in range(300)]
    rows.append(person("123", "坏"))
    data = workbook({BASIC: rows, "类别": [{"身份证号码": id_of(100), "类别": "退役士兵"}]})
    serial, _ = imports.plan_import(personas.clerk_a, data, workers=0)
    parallel, _ = imports.plan_import(personas.clerk_a, data, workers=2)
    assert (
        (parallel.creates, parallel.error_count)
        == (serial.creates, serial.error_count)
        == (
            300,
            1,
        )
    )
    assert parallel.errors == serial.errors


def test_category_from_the_file_counts_for_submission(
    tree, personas, django_capture_on_commit_callbacks
):
    number = id_of(37)
    data = workbook({BASIC: [person(number)], "类别": [{"身份证号码": number, "类别": "退役士兵"}]})
    run_job(personas.clerk_a, data, False, django_capture_on_commit_callbacks)
    from junjia.registry import services

    recipient = Recipient.objects.get(id_index=RECIPIENT_ID.lookup(number))
    services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    recipient.refresh_from_db()
    assert recipient.status == FileStatus.SUBMITTED
    assert Category.RETIRED_SOLDIER in recipient.categories.values_list("category", flat=True)


# --- the streaming write (PostgreSQL: new files written while later blocks are checked) ----


def test_a_bad_list_row_takes_back_the_rows_of_that_list_already_written(
    tree, personas, django_capture_on_commit_callbacks
):
    a, b = id_of(61), id_of(62, male=False)
    data = workbook(
        {
            BASIC: [person(a, "张三"), person(b, "李梅")],
            "类别": [
                {"身份证号码": a, "类别": "退役士兵"},  # row 2: good, written at once
                {"身份证号码": b, "类别": "烈士遗属"},  # row 3
                {"身份证号码": a, "类别": "伤残军人"},  # row 4: no grade — a's list is out
            ],
            "立功受奖": [{"身份证号码": a, "立功受奖": "三等功", "时间": "1996-08-01"}],
        }
    )
    job = run_job(personas.clerk_a, data, True, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED, job.message
    zhang = Recipient.objects.get(id_index=RECIPIENT_ID.lookup(a))
    assert list(zhang.categories.all()) == []
    assert list(zhang.honours.values_list("kind", flat=True)) == ["third_class"]  # other list kept
    assert list(
        Recipient.objects.get(id_index=RECIPIENT_ID.lookup(b)).categories.values_list(
            "category", flat=True
        )
    ) == ["martyr_family"]
    report = load_workbook(io.BytesIO(job.result_file.read()))["错误报告"]
    assert [r[:2] + r[4:5] for r in report.iter_rows(min_row=2, values_only=True)] == [
        ("类别", 2, "同一人在本工作表的其他行有错误，其类别均未导入。"),
        ("类别", 4, "伤残军人、伤残民兵民工须填写伤残等级和伤残性质。"),
    ]


def test_tabs_line_breaks_and_backslashes_are_stored_as_typed(
    tree, personas, django_capture_on_commit_callbacks
):
    number = id_of(63)
    address = "青岛市\t市南区\\香港中路\n12号\r\n3单元"
    unit = "某部\\一连\t二排\n（原\\N 连）"
    data = workbook(
        {
            BASIC: [person(number, "王五", 现居住地址=address, 曾用名="王\\五")],
            "服役信息": [{"身份证号码": number, "服役部队（番号或单位）": unit}],
        }
    )
    job = run_job(personas.clerk_a, data, True, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED, job.message
    wang = Recipient.objects.get(id_index=RECIPIENT_ID.lookup(number))
    # A raw CR LF in the XML is a line end, read as LF (XML 1.0 §2.11: so Excel, calamine and
    # openpyxl read it); a carriage return Excel keeps is written as _x000D_ and kept.
    stored = address.strip().replace("\r\n", "\n")
    assert (wang.current_address, wang.former_names) == (stored, "王\\五")
    assert wang.sections["service"]["unit"] == unit


def test_a_job_with_worker_processes_writes_every_file_list_and_audit_row(
    tree, personas, django_capture_on_commit_callbacks
):
    numbers = [id_of(200 + i, male=i % 2 == 0) for i in range(400)]
    data = workbook(
        {
            BASIC: [person(n, f"并行{i}") for i, n in enumerate(numbers)],
            "服役信息": [{"身份证号码": n, "军种": "海军"} for n in numbers[::2]],
            "类别": [{"身份证号码": n, "类别": "退役士兵"} for n in numbers],
        }
    )
    with django_capture_on_commit_callbacks(execute=False):  # the handler is called below
        job = imports.start_import(
            actor=personas.clerk_a, source=data, filename="名单.xlsx", valid_only=False
        )
    seen = []
    result = imports.run_import(job, lambda *args, **kw: seen.append(args), workers=2)
    assert result["新建档案（草稿）"] == 400 and result["错误行"] == 0
    files = Recipient.objects.filter(id_index__in=[RECIPIENT_ID.lookup(n) for n in numbers])
    assert files.count() == 400
    assert files.filter(branch="navy").count() == 200
    assert CategoryMembership.objects.filter(recipient__in=files).count() == 400
    assert ReviewStep.objects.filter(recipient__in=files, action="Excel导入建档").count() == 400
    assert (
        AuditEntry.objects.filter(action="import", object_id__in=[str(f.pk) for f in files])
        .values("object_id")
        .distinct()
        .count()
        == 400
    )
    assert seen[-1][0] == 400  # the last report: every file written


_ALL_COLUMNS = [c for s in imports.SHEETS for c in s.columns]
_CELL_TEXT = st.one_of(
    st.sampled_from(sorted({label for c in _ALL_COLUMNS for label in (c.options or {})})),
    st.sampled_from(["是", "否", " 是 ", "YES", "=SUM(A1)", " =1", "", "  ", "\t", "2020-01-31"]),
    st.text(alphabet=st.sampled_from(list(" \t\n=是否男女汉族1.-aZ")), max_size=6),
    st.text(max_size=8),
)


@given(column=st.sampled_from(_ALL_COLUMNS), text=_CELL_TEXT)
@hypothesis_settings(max_examples=400, deadline=None)
def test_the_short_way_for_text_cells_says_what_the_general_one_says(column, text):
    # _cell shortens the common case (non-empty plain text); for every column and any text,
    # padded, empty, a formula, a label of a drop-down or not, it must agree with the rules.
    assert row_rules._cell(column, text) == row_rules._cell_general(column, text)


def _field_values(field):
    """What _cell hands a field: text (a choice already mapped to its value), a date for a
    date cell, True or False for a yes/no cell."""
    from django import forms

    pool = ["", "  ", "\x00", "x" * 300, " 张三 ", "张三", "2020-01-31", "2099-01-01", "abc", "7"]
    if isinstance(field, forms.ChoiceField):
        pool += [str(value) for value, _ in field.choices]
    if isinstance(field, forms.DateField):
        pool += [dt.date(2001, 2, 3), dt.date(2099, 1, 1), dt.date(1949, 10, 1)]
    if isinstance(field, forms.BooleanField):
        pool = [True, False]
    return st.sampled_from(pool)


@st.composite
def _sheet_rows(draw):
    sheet = draw(st.sampled_from(imports.SHEETS))
    form = sheet.form()
    data = {}
    for name, field in form.fields.items():
        if draw(st.booleans()):  # a column the file may leave out
            data[name] = draw(_field_values(field))
    return sheet, data


@given(case=_sheet_rows())
@hypothesis_settings(max_examples=300, deadline=None)
def test_the_row_validator_agrees_with_a_bound_form(case):
    # _Validator runs a form's cleaning without binding a form per row, and takes short ways
    # (cleaned values remembered, plain text and empty optional text passed through); it must
    # clean and refuse exactly as the form itself would, for any mix of values.
    sheet, data = case
    ours, our_errors = row_rules._Validator(sheet.form)(dict(data))
    bound = sheet.form(data={**{n: f.initial for n, f in sheet.form.base_fields.items()}, **data})
    valid = bound.is_valid()
    assert our_errors == {k: list(v) for k, v in bound.errors.items()}
    if valid:
        assert ours == bound.cleaned_data


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\ufeff"])
def test_a_name_holding_a_hidden_character_is_refused_naming_the_column(tree, personas, char):
    from junjia.core.text import MESSAGE

    data = workbook({BASIC: [person(id_of(13), name=f"王{char}五")]})
    plan, _ = imports.plan_import(personas.clerk_a, data)
    assert [(e.column, e.reason) for e in plan.errors] == [("姓名", MESSAGE)]
    assert plan.creates == 0

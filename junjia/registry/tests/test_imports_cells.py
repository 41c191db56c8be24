"""The template's instructions and the row checks agree, cell by cell, whatever program saved
the file: dates as text or as dates, booleans, error values, numbers where a date belongs."""

import datetime as dt
from pathlib import Path

import pytest

from junjia.core import xlsx
from junjia.registry import imports
from junjia.registry.imports import rows as row_rules
from junjia.registry.tests.test_imports import BASIC, id_of, person, workbook

CORPUS = Path(xlsx.__file__).resolve().parent / "tests" / "xlsx_corpus"
BIRTH = dt.date(1985, 9, 20)
NUMBER = id_of(801, birth=BIRTH)
CTX = row_rules._Context(
    workbook=None, today=dt.date(2026, 1, 5), county_codes=frozenset({"370202"}), prepare=False
)


def check(**cells) -> list[tuple[str, str]]:
    """The problems of one basic row (header, reason)."""
    row = {"身份证号码": NUMBER, "户籍所在地区划代码": "370202001001", "姓名": "陈建国", **cells}
    ok, *_, problems, _warnings = imports.check_row(imports.SHEET_BY_TITLE[BASIC], 2, row, CTX)
    assert ok == (not problems)
    return [(header, reason) for header, _, reason in problems]


def _birth_cells() -> list[tuple[str, str, object]]:
    """(file, cell, value) of the birth date each producer wrote: C2 a date, C3 the text
    1985-09-20 (sheetjs_1904.xlsx's C2 really says 1989-09-21: SheetJS wrote a 1900 serial
    into a 1904 workbook)."""
    found = []
    for path in sorted(CORPUS.glob("*.xlsx")):
        if path.name in ("exceljs_formula.xlsx", "libreoffice_template.xlsx", "quirks.xlsx"):
            continue
        with xlsx.StreamingWorkbook(path.read_bytes()) as book:
            rows = dict(book.rows(book.sheet_names[0]))
        for number in (2, 3):
            if (path.name, number) != ("sheetjs_1904.xlsx", 2):
                found.append((path.name, f"C{number}", rows[number][2]))
    return found


@pytest.mark.parametrize(("name", "ref", "value"), _birth_cells())
def test_a_birth_date_from_any_producer_passes(name, ref, value):
    assert value in (BIRTH, "1985-09-20")
    assert check(出生日期=value) == []


@pytest.mark.parametrize(
    "value", ["1985-09-20", " 1985-09-20 ", BIRTH, dt.datetime(1985, 9, 20), "1985/09/20"]
)
def test_instruction_4_a_date_as_text_or_as_a_date_passes(value):
    assert check(出生日期=value) == []


def test_a_number_where_a_date_belongs_says_what_the_file_holds():
    assert check(出生日期=31310) == [
        (
            "出生日期",
            "单元格中是数字 31310，不是日期（单元格未设置为日期格式）。请填写为 2020-01-31 这样的"
            "日期，或把单元格设置为日期或文本格式后重新填写。",
        )
    ]


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False), ("是", True)])
def test_instruction_4_yes_no_columns_take_booleans_and_words(value, expected):
    sheet = imports.SHEET_BY_TITLE[BASIC]
    row = {"身份证号码": NUMBER, "户籍所在地区划代码": "370202001001", "姓名": "陈建国"}
    ok, *_, payload, _problems, _warnings = imports.check_row(
        sheet, 2, {**row, "参战参试": value}, CTX
    )
    assert ok and payload["fields"]["combat_veteran"] is expected


@pytest.mark.parametrize("column", ["身份证号码", "姓名", "出生日期", "参战参试", "民族"])
def test_an_error_value_is_a_row_error_naming_it(column):
    problems = check(**{column: xlsx.CellError("#N/A")})
    assert problems == [
        (column, "单元格为错误值 #N/A（公式或粘贴出错后留下的），请填写实际的内容。")
    ]


def test_an_error_cell_in_a_file_is_reported_and_nothing_else_of_the_row(tree, personas):
    data = workbook({BASIC: [person(id_of(802), "林秀英", 性别="女", 出生日期="#N/A")]})
    # openpyxl writes "#N/A" as an error value (t="e"), as Excel does for =NA()
    plan, _ = imports.plan_import(personas.clerk_a, data)
    assert [(e.row, e.column, e.value, e.reason) for e in plan.errors] == [
        (2, "出生日期", "#N/A", "单元格为错误值 #N/A（公式或粘贴出错后留下的），请填写实际的内容。")
    ]


def test_the_libreoffice_saved_template_imports_every_person(tree, personas):
    """Dates typed as text, as a date Calc recognised, and with an apostrophe (book:
    xlsx_corpus/make_libreoffice.py)."""
    data = (CORPUS / "libreoffice_template.xlsx").read_bytes()
    plan, _ = imports.plan_import(personas.clerk_a, data)
    assert [(e.sheet, e.row, e.reason) for e in plan.errors] == []
    assert (plan.creates, plan.rows) == (3, 4)


def test_text_that_is_no_date_is_refused_as_the_section_forms_refuse_it():
    assert check(出生日期="1985-13-40") == [("出生日期", "输入一个有效的日期。")]

"""The streaming reader against python-calamine on files from every producer we can run
(xlsx_corpus/README.md says how each was made): the same value in every cell, except the
differences listed in EXPECTED, each with its reason."""

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from junjia.core import xlsx

CORPUS = Path(__file__).resolve().parent / "xlsx_corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.xlsx"))
REFUSED = {"exceljs_formula.xlsx": "C8"}  # a formula: the import takes values only

_NA, _DIV0 = xlsx.CellError("#N/A"), xlsx.CellError("#DIV/0!")
# python-calamine 0.9 gives an error cell as an empty string; the reader keeps the error, so
# the import can say which one the row holds (not read it as text, nor as an empty cell).
_ERRORS = {
    "openpyxl.xlsx": {"A8": _NA, "B8": _DIV0},
    "sheetjs.xlsx": {"A8": _NA, "B8": _DIV0},
    "sheetjs_1904.xlsx": {"A8": _NA, "B8": _DIV0},
    "sheetjs_dates.xlsx": {"A8": _NA, "B8": _DIV0},
    "sheetjs_shared.xlsx": {"A8": _NA, "B8": _DIV0},
    "exceljs.xlsx": {"A8": _NA, "B8": _DIV0},
    "exceljs_1904.xlsx": {"A8": _NA, "B8": _DIV0},
    "dotnet_openxml_sdk.xlsx": {"G7": _NA},
    "dotnet_date1904.xlsx": {"G7": _NA},
    "php_xlsxwriter.xlsx": {"A7": _DIV0},
}
# SheetJS with cellDates writes t="d" cells: ECMA-376 §18.18.11 makes the value an ISO 8601
# date, which python-calamine 0.9 hands over as the text; the reader reads the date (a zone,
# here Z, taken to UTC).
_ISO_DATES = {
    "sheetjs_dates.xlsx": {"C2": dt.date(1985, 9, 20), "C5": dt.datetime(2020, 1, 31, 8, 30)}
}
EXPECTED = {
    name: {**_ERRORS.get(name, {}), **_ISO_DATES.get(name, {})} for name in {*_ERRORS, *_ISO_DATES}
}


def _where(sheet: str, row: int, column: int) -> str:
    """A cell's address as the tests name it: C8 on the first sheet, else 类别!B2."""
    return _ref(row, column) if sheet == "基本信息" else f"{sheet}!{_ref(row, column)}"


def _ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def ours(path: Path, **options) -> dict[str, object]:
    with path.open("rb") as handle:
        xlsx.check_upload(handle)
        with xlsx.StreamingWorkbook(handle, **options) as book:
            return {
                _where(sheet, number, column): value
                for sheet in book.sheet_names
                for number, values in book.rows(sheet)
                for column, value in enumerate(values)
                if value is not None and value != ""
            }


def calamine(path: Path) -> dict[str, object]:
    book = CalamineWorkbook.from_path(str(path))
    return {
        _where(sheet, number, column): value
        for sheet in book.sheet_names
        for number, values in enumerate(
            book.get_sheet_by_name(sheet).to_python(skip_empty_area=False), start=1
        )
        for column, value in enumerate(values)
        if value != ""
    }


def same(a, b) -> bool:
    """Equal values of the same kind. A whole number is an int in the reader and a float in
    calamine (the reader keeps identity numbers and codes typed as numbers exact up to 15
    digits, as Excel shows them): equal, not a difference."""
    if isinstance(a, int) and not isinstance(a, bool) and type(b) is float:
        return a == b
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", [n for n in FILES if n not in REFUSED])
def test_every_cell_reads_as_calamine_reads_it(name):
    path = CORPUS / name
    found, reference = ours(path), calamine(path)
    expected = EXPECTED.get(name, {})
    differences = {
        ref: (found.get(ref), reference.get(ref))
        for ref in sorted({*found, *reference})
        if not same(found.get(ref), reference.get(ref))
    }
    assert {ref: found for ref, (found, _) in differences.items()} == expected
    assert len(found) >= 8


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_formula_is_refused_where_calamine_reads_its_cached_value(name):
    with pytest.raises(xlsx.FormulaCell, match=f"的 {REFUSED[name]} 单元格含有公式"):
        ours(CORPUS / name)


@pytest.mark.parametrize("name", [n for n in FILES if n not in REFUSED])
def test_the_expat_path_and_tiny_blocks_give_the_same_rows(name):
    """What the strict patterns read is what expat's callbacks read; and blocks cut at any
    place (end tags split between inflated chunks, rows without r= in later blocks) change
    nothing."""
    path = CORPUS / name
    expected = ours(path)
    assert ours(path, fast=False, block_bytes=7) == expected


def test_the_libreoffice_template_holds_dates_as_text_and_as_dates():
    with xlsx.StreamingWorkbook((CORPUS / "libreoffice_template.xlsx").read_bytes()) as book:
        rows = {number: values for number, values in book.rows("基本信息")}
    assert [rows[n][4] for n in (2, 3, 4)] == ["1985-09-20", dt.date(1985, 9, 20), "1985-09-20"]

"""Malformed uploads: every one is an XlsxError with a message, never an exception an error
page would show; a row that never ends is refused after a bounded read."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from junjia.core import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)
ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>乙</t></is></c></row>'
    '<row r="2"><c r="A2" s="1"><v>31310</v></c><c r="B2" t="b"><v>1</v></c>'
    '<c r="C2" t="e"><v>#N/A</v></c><c r="D2" t="str"><v>丙</v></c></row>'
)


def package(
    sheet: str = ROWS,
    *,
    target: str = "worksheets/sheet1.xml",
    shared: str = "<si><t>甲</t></si>",
    workbook: str | None = None,
    raw_sheet: bytes | None = None,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            workbook
            or f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Type="x/worksheet" '
            f'Target="{target}"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{shared}</sst>')
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            raw_sheet
            if raw_sheet is not None
            else f'<worksheet xmlns="{MAIN}"><sheetData>{sheet}</sheetData></worksheet>',
        )
    return buffer.getvalue()


def read(data: bytes) -> list:
    with xlsx.StreamingWorkbook(data) as book:
        book.header("表") if "表" in book.sheet_names else None
        return [row for name in book.sheet_names for row in book.rows(name)]


def test_the_well_formed_package_reads():
    import datetime as dt

    assert read(package()) == [
        (1, ["甲", "乙"]),
        (2, [dt.date(1985, 9, 20), True, xlsx.CellError("#N/A"), "丙"]),
    ]


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ('<row r="1"><c r="A1"><v>abc</v></c></row>', "与其单元格类型不符"),
        ('<row r="1"><c r="A1" t="b"><v>yes</v></c></row>', "与其单元格类型不符"),
        ('<row r="1"><c r="A1" t="zz"><v>1</v></c></row>', "单元格类型“zz”无法识别"),
        ('<row r="1"><c r="1A"><v>1</v></c></row>', "单元格引用"),
        ('<row r="1"><c r="ZZZZ1"><v>1</v></c></row>', "单元格引用"),
        ('<row r="x"><c><v>1</v></c></row>', "行号“x”无效"),
        ('<row r="0"><c><v>1</v></c></row>', "行号“0”无效"),
        ('<row r="99999999"><c><v>1</v></c></row>', "行号“99999999”无效"),
        ('<row r="1"><c r="A1" t="s"><v>7</v></c></row>', "不存在的第 7 项共享文本"),
        ('<row r="1"><c r="A1" t="s"><v>x</v></c></row>', "共享文本"),
        ('<c r="A1"><v>1</v></c>', "不在行内的单元格"),
        ('<row r="1"><c r="A1"><v>1</v></row>', "无法解析"),
        ('<row r="1"><c r="A1"><v>&bogus;</v></c></row>', "无法解析"),
        ('<row r="1"><c r="A1"><f>SUM(B1)</f><v>1</v></c></row>', "含有公式"),
    ],
)
def test_a_malformed_sheet_is_an_xlsx_error(sheet, message):
    with pytest.raises(xlsx.XlsxError, match=message):
        read(package(sheet))


def test_a_date_style_on_a_number_no_calendar_holds_keeps_the_number():
    sheet = '<row r="1"><c r="A1" s="1"><v>1e300</v></c><c r="B1" s="1"><v>nan</v></c></row>'
    ((_, values),) = read(package(sheet))
    assert values[0] == 1e300 and values[1] != values[1]  # nan


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "worksheets/missing.xml"}, "缺少 xl/worksheets/missing.xml"),
        ({"target": "../../etc/passwd"}, "缺少"),
        ({"shared": "<si><t>甲</si>"}, "共享文本表的内容无法解析"),
        ({"workbook": "<workbook><sheets>"}, "工作簿的内容无法解析"),
        (
            {"workbook": '<!DOCTYPE w [<!ENTITY a "aaaa">]><workbook>&a;</workbook>'},
            "文档类型声明",
        ),
        (
            {"raw_sheet": b'<?xml version="1.0" encoding="UTF-16"?><worksheet><sheetData/>'},
            "不是 UTF-8 编码",
        ),
        (
            {"raw_sheet": b'<!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet><sheetData></sheetData>'},
            "文档类型声明",
        ),
    ],
)
def test_malformed_parts_are_xlsx_errors(kwargs, message):
    with pytest.raises(xlsx.XlsxError, match=message):
        read(package(**kwargs))


def test_a_sheet_path_with_dots_and_a_leading_slash_is_resolved():
    assert read(package(target="/xl/worksheets/../worksheets/sheet1.xml"))[0] == (1, ["甲", "乙"])


def test_a_row_that_never_ends_is_refused_after_a_bounded_read():
    """The sheet is one row of 6 MB of cells and no end tag: refused once a row passes the
    4 MB bound, having inflated no more than the bound and a block; the search for a row's
    end looks at each inflated byte a bounded number of times (a size bound, not a clock)."""
    cells = "".join(f'<c r="A1"><v>{i}</v></c>' for i in range(300_000))
    data = package(raw_sheet=f'<worksheet><sheetData><row r="1">{cells}'.encode())
    with xlsx.StreamingWorkbook(data) as book, pytest.raises(xlsx.XlsxError, match="超过 4 MB"):
        list(book.rows("表"))
    assert book.inflated <= xlsx.MAX_ROW_BYTES + 2 * xlsx.BLOCK_BYTES
    assert book.searched <= 3 * book.inflated  # linear: no rescanning of what was searched


_MUTATIONS = st.lists(
    st.tuples(
        st.integers(0, 10_000), st.sampled_from(list("<>/\"'=&;:rstvcf01A #x")), st.booleans()
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTATIONS, st.sampled_from(["sheet", "shared", "workbook"]))
def test_any_damage_is_an_xlsx_error_or_a_reading(mutations, part):
    """Characters put in or replaced anywhere in a part: the file reads, or an XlsxError
    says why not — nothing else escapes."""
    texts = {
        "sheet": f'<worksheet xmlns="{MAIN}"><sheetData>{ROWS}</sheetData></worksheet>',
        "shared": "<si><t>甲</t></si><si><r><t>富</t></r><r><t>文本</t></r></si>",
        "workbook": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr date1904="1"/>'
        '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>',
    }
    text = texts[part]
    for at, char, insert in mutations:
        at %= len(text) + 1
        text = text[:at] + char + text[at + (0 if insert else 1) :]
    kwargs = {
        "sheet": {"raw_sheet": text.encode()},
        "shared": {"shared": text},
        "workbook": {"workbook": text},
    }[part]
    try:
        read(package(**kwargs))
    except xlsx.XlsxError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=8))
def test_any_damage_to_the_archive_is_an_xlsx_error_or_a_reading(changes):
    data = bytearray(package())
    for at, byte in changes:
        data[at % len(data)] = byte
    try:
        xlsx.check_upload(bytes(data))
        read(bytes(data))
    except xlsx.XlsxError as exc:
        assert str(exc)


def test_a_stored_control_character_never_breaks_an_export():
    import io

    from openpyxl import load_workbook

    from junjia.core import xlsx

    rows = [["王\x07五", "\u202e31X2\u202c", "=1+1", "正常\t文本"]]
    data = xlsx.write_workbook([("表", ["姓名", "备注", "公式", "制表"], rows)])
    values = [c.value for c in load_workbook(io.BytesIO(data))["表"][2]]
    assert values == ["王五", "31X2", "'=1+1", "正常\t文本"]

"""The streaming xlsx reader on files as Excel and WPS save them: text in a shared-string
table (openpyxl writes inline strings, so its files never exercise this)."""

import io
import zipfile

import pytest

from junjia.core import xlsx

SHARED = (
    "<si><t>王五</t></si>"  # 0 plain
    "<si><t>A&amp;B &lt;1&gt;</t></si>"  # 1 escaped
    '<si><t xml:space="preserve"> 前后有空格 </t></si>'  # 2 kept as typed
    "<si><r><rPr><b/></rPr><t>加粗</t></r><r><t>普通</t></r></si>"  # 3 rich text runs
    "<si><t>漢字</t><rPh sb='0' eb='2'><t>カンジ</t></rPh></si>"  # 4 phonetic run dropped
    "<si/>"  # 5 empty
    "<si><t>换_x000D_行</t></si>"  # 6 escaped control character
    "<si><t></t></si>"  # 7 empty text
)


def _book(shared: str, cells: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="基本信息" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/sharedStrings.xml", f"<sst>{shared}</sst>")
        rows = "".join(
            f'<row r="{r}"><c r="A{r}" t="s"><v>{cell}</v></c></row>'
            for r, cell in enumerate(cells, 1)
        )
        sheet = f"<worksheet><sheetData>{rows}</sheetData></worksheet>"
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def test_shared_strings_plain_escaped_rich_phonetic_and_empty():
    book = xlsx.StreamingWorkbook(_book(SHARED, [str(i) for i in range(8)]))
    assert [values[0] for _, values in book.rows("基本信息")] == [
        "王五",
        "A&B <1>",
        " 前后有空格 ",
        "加粗普通",
        "漢字",
        "",
        "换\r行",
        "",
    ]


@pytest.mark.parametrize("count", [1, 60_000])
def test_a_large_shared_string_table_keeps_every_index(count):
    shared = "".join(f"<si><t>姓名{i}</t></si>" for i in range(count))
    picks = [0, count // 2, count - 1]
    book = xlsx.StreamingWorkbook(_book(shared, [str(i) for i in picks]))
    assert [values[0] for _, values in book.rows("基本信息")] == [f"姓名{i}" for i in picks]

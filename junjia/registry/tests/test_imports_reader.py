"""The streaming xlsx reader behind the import (core.xlsx.StreamingWorkbook): what spreadsheet
programs write, read back as values; formulas and oversize content refused while streaming."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from junjia.core import xlsx


def saved(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_values_as_a_spreadsheet_program_saves_them():
    wb = Workbook()
    ws = wb.active
    ws.title = "A&B 表"
    ws.append(["文本", "整数", "小数", "是否", "日期", "时间"])
    ws.append(
        ["张三 <&>", 13800138000, 1.5, True, dt.date(2020, 1, 31), dt.datetime(2020, 1, 31, 8, 30)]
    )
    ws.append([None, None, "370202198001011234"])  # gaps keep their columns
    ws["A4"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本")])
    ws["B5"] = "第一行_x000D_"
    book = xlsx.StreamingWorkbook(saved(wb))
    assert book.sheet_names == ["A&B 表"]
    rows = list(book.rows("A&B 表"))
    assert rows[0] == (1, ["文本", "整数", "小数", "是否", "日期", "时间"])
    assert rows[1] == (
        2,
        ["张三 <&>", 13800138000, 1.5, True, dt.date(2020, 1, 31), dt.datetime(2020, 1, 31, 8, 30)],
    )
    assert rows[2] == (3, [None, None, "370202198001011234"])
    assert rows[3] == (4, ["富文本"])
    assert rows[4] == (5, [None, "第一行\r"])


def test_inline_strings_of_write_only_workbooks():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    ws.append(["甲", "乙"])
    for i in range(3000):
        ws.append([f"第{i}行", i])
    rows = list(xlsx.StreamingWorkbook(saved(wb)).rows("表"))
    assert len(rows) == 3001
    assert rows[-1] == (3001, ["第2999行", 2999])


def _package(sheet_xml: str, workbook_attrs: str = "", styles: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<workbookPr {workbook_attrs}/>"
            '<sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Type="worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml", f"<worksheet><sheetData>{sheet_xml}</sheetData></worksheet>"
        )
        if styles:
            archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


def test_cells_without_references_and_the_1904_date_system():
    styles = (
        '<styleSheet><numFmts><numFmt numFmtId="164" '
        'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
    )
    sheet = (
        '<row><c t="inlineStr"><is><t xml:space="preserve"> 甲 </t></is></c><c><v>7</v></c></row>'
        '<row><c s="1"><v>0</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c></row>'
    )
    book = xlsx.StreamingWorkbook(_package(sheet, 'date1904="1"', styles))
    assert list(book.rows("表")) == [
        (1, [" 甲 ", 7]),
        (2, [dt.date(1904, 1, 1), False, xlsx.CellError("#N/A")]),
    ]


def test_a_formula_is_refused_naming_the_cell():
    sheet = (
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="B2"><f>A1*2</f><v>2</v></c></row>'
    )
    book = xlsx.StreamingWorkbook(_package(sheet))
    with pytest.raises(xlsx.FormulaCell, match="工作表“表”的 B2 单元格含有公式"):
        list(book.rows("表"))


def test_the_inflate_cap_is_applied_while_streaming():
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 100_001))
    data = _package(rows)
    book = xlsx.StreamingWorkbook(data, max_uncompressed=2_000_000)
    read = []
    with pytest.raises(xlsx.XlsxError, match="文件解压后超过 1 MB 的上限"):
        for row in book.rows("表"):
            read.append(row)
    assert 0 < len(read) < 100_000  # refused part-way: the sheet was never held whole


def test_check_upload_caps_the_inflated_size_of_a_member_that_lies():
    honest = _package('<row r="1"><c r="A1"><v>1</v></c></row>')
    with pytest.raises(xlsx.XlsxError, match="解压后超过"):
        xlsx.check_upload(honest, max_uncompressed=100)


def test_an_encrypted_zip_member_is_refused():
    data = bytearray(_package('<row r="1"><c r="A1"><v>1</v></c></row>'))
    # Set the "encrypted" flag bit on every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            data[at + offset] |= 0x01
            start = at + 4
    with pytest.raises(xlsx.XlsxError, match="文件已加密"):
        xlsx.check_upload(bytes(data))

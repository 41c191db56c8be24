"""Writes the corpus files of producers that cannot be installed here, by hand, with the
quirks their files are known for. Standard library only:
    python3 make_handmade.py

- dotnet_openxml_sdk.xlsx: as the .NET Open XML SDK writes when a program does not set the
  optional parts: every element with the x: prefix, rows and cells without r=, attributes in
  schema order (formatCode before numFmtId), indentation between elements, inline strings;
- dotnet_date1904.xlsx: the same with date1904="true" and single-quoted attributes;
- php_xlsxwriter.xlsx: as PHP's small writers (PHP_XLSXWriter, SimpleXLSXGen) write: s= before
  r=, t="n" on numbers, t="inlineStr" text, empty <v></v>, error values, a date style
  numbered from 164, carriage returns in text;
- quirks.xlsx: what other producers do now and then: t="str" with attributes on <v>, a rich
  inline string with font runs (<rFont>, <family>), a boolean written by older LibreOffice
  (t="b" with the formula TRUE()), the same row written twice, phonetic runs, _x000D_.
"""

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def package(path: Path, workbook: str, rels: str, sheet: str, styles: str, shared: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", TYPES)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="R1" Type="{REL}/officeDocument" '
            'Target="/xl/workbook.xml"/></Relationships>',
        )
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/styles.xml", styles)
        if shared:
            archive.writestr("xl/sharedStrings.xml", shared)
    path.write_bytes(buffer.getvalue())


def dotnet(path: Path, *, date1904: bool) -> None:
    q = "'" if date1904 else '"'  # the 1904 file quotes its attributes with apostrophes
    workbook = (
        f'<?xml version="1.0" encoding="utf-8"?><x:workbook xmlns:r={q}{REL}{q} '
        f"xmlns:x={q}{MAIN}{q}>"
        + (f"<x:workbookPr date1904={q}true{q} />" if date1904 else "")
        + f"<x:sheets><x:sheet name={q}基本信息{q} sheetId={q}1{q} r:id={q}Rb1{q} /></x:sheets>"
        "</x:workbook>"
    )
    rels = (
        f'<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="{PKG}">'
        f'<Relationship Type="{REL}/worksheet" Target="/xl/worksheets/sheet1.xml" Id="Rb1" />'
        f'<Relationship Type="{REL}/styles" Target="/xl/styles.xml" Id="Rs1" />'
        f'<Relationship Type="{REL}/sharedStrings" Target="/xl/sharedStrings.xml" Id="Rt1" />'
        "</Relationships>"
    )
    styles = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<x:styleSheet xmlns:x="{MAIN}">\n'
        '  <x:numFmts count="2">\n'
        '    <x:numFmt formatCode="yyyy-mm-dd" numFmtId="164" />\n'
        '    <x:numFmt formatCode="yyyy/m/d h:mm" numFmtId="165" />\n'
        "  </x:numFmts>\n"
        "  <x:cellXfs>\n"
        '    <x:xf numFmtId="0" />\n'
        '    <x:xf applyNumberFormat="1" numFmtId="164" />\n'
        '    <x:xf applyNumberFormat="1" numFmtId="165" />\n'
        "  </x:cellXfs>\n"
        "</x:styleSheet>"
    )
    strings = ["身份证号码", "姓名", "出生日期", "整数", "小数", "是否", "备注", "张三"]
    shared = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<x:sst xmlns:x="{MAIN}">\n'
        + "".join(f"  <x:si>\n    <x:t>{s}</x:t>\n  </x:si>\n" for s in strings)
        + "</x:sst>"
    )
    serial = 29848 if date1904 else 31310  # 1985-09-20 in the workbook's date system
    moment = 42399.354166666664 if date1904 else 43861.354166666664  # 2020-01-31 08:30
    rows = [
        [f'<x:c t="s"><x:v>{i}</x:v></x:c>' for i in range(7)],
        [
            '<x:c t="inlineStr"><x:is><x:t>110101198509201234</x:t></x:is></x:c>',
            '<x:c t="s"><x:v>7</x:v></x:c>',
            f'<x:c s="1"><x:v>{serial}</x:v></x:c>',
            "<x:c><x:v>42</x:v></x:c>",
            '<x:c t="n"><x:v>1.5</x:v></x:c>',
            '<x:c t="b"><x:v>1</x:v></x:c>',
            '<x:c t="str"><x:v>A&amp;B &lt;1&gt; "引号"</x:v></x:c>',
        ],
        [
            '<x:c t="inlineStr"><x:is><x:t>110101198509201234</x:t></x:is></x:c>',
            '<x:c t="inlineStr"><x:is><x:t>李四</x:t></x:is></x:c>',
            '<x:c t="inlineStr"><x:is><x:t>1985-09-20</x:t></x:is></x:c>',
            "<x:c><x:v>-7</x:v></x:c>",
            "<x:c><x:v>0.1</x:v></x:c>",
            '<x:c t="b"><x:v>0</x:v></x:c>',
            '<x:c t="inlineStr"><x:is><x:t xml:space="preserve"> 前后有空格 </x:t></x:is></x:c>',
        ],
        [],  # an empty row, written as <x:row />
        [
            '<x:c t="inlineStr"><x:is><x:t>11010119850920123X</x:t></x:is></x:c>',
            '<x:c t="inlineStr"><x:is><x:t>王五</x:t></x:is></x:c>',
            f'<x:c s="2"><x:v>{moment}</x:v></x:c>',
            "<x:c><x:v>0</x:v></x:c>",
            "<x:c><x:v>1E+20</x:v></x:c>",
            "<x:c />",
            '<x:c t="inlineStr"><x:is><x:t>换&#10;行</x:t></x:is></x:c>',
        ],
        [
            "<x:c />",
            '<x:c t="inlineStr"><x:is><x:t>赵六</x:t></x:is></x:c>',
            "<x:c />",
            "<x:c><x:v>13800138000</x:v></x:c>",
            "<x:c><x:v>-2.5</x:v></x:c>",
        ],
        [
            "<x:c />",
            "<x:c />",
            "<x:c />",
            "<x:c />",
            "<x:c />",
            "<x:c />",
            '<x:c t="e"><x:v>#N/A</x:v></x:c>',
        ],
    ]
    body = "".join(
        ("    <x:row>\n" + "".join(f"      {c}\n" for c in cells) + "    </x:row>\n")
        if cells
        else "    <x:row />\n"
        for cells in rows
    )
    sheet = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<x:worksheet xmlns:x="{MAIN}">\n'
        f"  <x:sheetData>\n{body}  </x:sheetData>\n</x:worksheet>"
    )
    if date1904:
        sheet = sheet.replace('"', "'")
    package(path, workbook, rels, sheet, styles, shared)


def php(path: Path) -> None:
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="基本信息" sheetId="1" r:id="rId2"/></sheets></workbook>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><numFmts count="2">'
        '<numFmt numFmtId="164" formatCode="GENERAL"/><numFmt numFmtId="165" '
        'formatCode="YYYY\\-MM\\-DD"/></numFmts><cellXfs count="2"><xf numFmtId="164" '
        'fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="165" fontId="0" '
        'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>'
    )

    def text(ref: str, value: str) -> str:
        return f'<c s="0" r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    def number(ref: str, value: str, style: int = 0) -> str:
        return f'<c s="{style}" r="{ref}" t="n"><v>{value}</v></c>'

    header = ["身份证号码", "姓名", "出生日期", "整数", "小数", "是否", "备注"]
    rows = [
        [text(f"{chr(65 + i)}1", h) for i, h in enumerate(header)],
        [
            text("A2", "110101198509201234"),
            text("B2", "张三"),
            number("C2", "31310", 1),
            number("D2", "42"),
            number("E2", "1.5"),
            '<c s="0" r="F2" t="b"><v>1</v></c>',
            text("G2", "A&amp;B &lt;1&gt; &quot;引号&quot;"),
        ],
        [
            text("A3", "110101198509201234"),
            text("B3", "李四"),
            text("C3", "1985-09-20"),
            number("D3", "-7"),
            number("E3", "0.1"),
            '<c s="0" r="F3" t="b"><v>0</v></c>',
            '<c s="0" r="G3" t="inlineStr"><is><t xml:space="preserve"> 前后有空格 </t></is></c>',
        ],
        [
            text("A5", "11010119850920123X"),
            text("B5", "王五"),
            number("C5", "43861.354166666664", 1),
            number("D5", "0"),
            number("E5", "1.0E+20"),
            '<c s="0" r="F5" t="n"><v></v></c>',
            text("G5", "换\r\n行"),
        ],
        [text("B6", "赵六"), number("D6", "13800138000"), number("E6", "-2.5")],
        ['<c s="0" r="A7" t="e"><v>#DIV/0!</v></c>'],
    ]
    body = "".join(
        f'<row r="{cells[0].split(" r=")[1][2:].split(chr(34))[0]}">{"".join(cells)}</row>'
        for cells in rows
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        f"<sheetData>{body}</sheetData></worksheet>"
    )
    package(path, workbook, rels, sheet, styles, "")


def quirks(path: Path) -> None:
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<workbookPr date1904="false"/><sheets><sheet name="基本信息" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    styles = (
        f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="General"/>'
        '</numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs>'
        '<dxfs><dxf><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></dxf></dxfs></styleSheet>'
    )
    shared = (
        f'<sst xmlns="{MAIN}"><si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh></si>'
        "<si><r><t>加粗</t></r><r><rPr><b/></rPr><t>普通</t></r></si>"
        "<si><t>换_x000D_行</t></si></sst>"
    )
    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="str"><v xml:space="preserve">甲 </v></c>'
        '<c t="s" r="B1"><v>0</v></c><c r="C1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c>'
        "</row>"
        '<row r="2"><c r="A2" t="inlineStr"><is><r><rPr><rFont val="宋体"/><family val="2"/>'
        '<sz val="11"/></rPr><t>富</t></r><r><t xml:space="preserve">文本 </t></r></is></c>'
        '<c r="B2" t="b"><f>TRUE()</f><v>1</v></c><c r="C2" s="1"><v>31310</v></c></row>'
        '<row r="2"><c r="D2"><v>7</v></c></row>'
        "</sheetData></worksheet>"
    )
    package(path, workbook, rels, sheet, styles, shared)


if __name__ == "__main__":
    dotnet(HERE / "dotnet_openxml_sdk.xlsx", date1904=False)
    dotnet(HERE / "dotnet_date1904.xlsx", date1904=True)
    php(HERE / "php_xlsxwriter.xlsx")
    quirks(HERE / "quirks.xlsx")

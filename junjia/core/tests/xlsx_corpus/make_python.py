"""Writes the corpus files of the Python producers: openpyxl, xlsxwriter and pandas.

Run with a throwaway virtualenv holding them (they are not project dependencies):
    python3 -m venv /tmp/genvenv && /tmp/genvenv/bin/pip install pandas xlsxwriter openpyxl
    /tmp/genvenv/bin/python make_python.py
"""

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["身份证号码", "姓名", "出生日期", "整数", "小数", "是否", "备注"]
ROWS = [
    ["110101198509201234", "张三", dt.date(1985, 9, 20), 42, 1.5, True, 'A&B <1> "引号"'],
    ["110101198509201234", "李四", "1985-09-20", -7, 0.1, False, " 前后有空格 "],
    [None, None, None, None, None, None, None],  # an empty row
    ["11010119850920123X", "王五", dt.datetime(2020, 1, 31, 8, 30), 0, 1e20, None, "换\n行"],
    [None, "赵六", None, 13800138000, -2.5, None, None],  # gaps keep their columns
]


def openpyxl_files() -> None:
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    ws = wb.active
    ws.title = "基本信息"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws["G7"] = CellRichText(["富", TextBlock(InlineFont(b=True, rFont="宋体"), "文本")])
    ws["A8"] = "#N/A"  # openpyxl writes an error value (t="e") for an error code
    ws["B8"] = "#DIV/0!"
    wb.save(HERE / "openpyxl.xlsx")

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("基本信息")
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    wb.save(HERE / "openpyxl_write_only.xlsx")

    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "基本信息"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    wb.save(HERE / "openpyxl_1904.xlsx")


def xlsxwriter_files() -> None:
    import xlsxwriter

    for name, options in (
        ("xlsxwriter.xlsx", {}),
        ("xlsxwriter_1904.xlsx", {"date_1904": True}),
        ("xlsxwriter_constant_memory.xlsx", {"constant_memory": True}),  # inline strings
    ):
        wb = xlsxwriter.Workbook(str(HERE / name), options)
        ws = wb.add_worksheet("基本信息")
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        moment = wb.add_format({"num_format": "yyyy/m/d h:mm"})
        bold = wb.add_format({"bold": True})
        ws.write_row(0, 0, HEADER)
        for r, row in enumerate(ROWS, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    ws.write_datetime(r, c, value, moment)
                elif isinstance(value, dt.date):
                    ws.write_datetime(r, c, value, date)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
        if not options:
            ws.write_rich_string(6, 6, "富", bold, "文本")
            ws.write_boolean(6, 5, True)
        wb.close()


def pandas_files() -> None:
    import pandas as pd

    frame = pd.DataFrame(ROWS, columns=HEADER)
    frame.to_excel(
        HERE / "pandas_openpyxl.xlsx", sheet_name="基本信息", index=False, engine="openpyxl"
    )
    frame.to_excel(
        HERE / "pandas_xlsxwriter.xlsx", sheet_name="基本信息", index=False, engine="xlsxwriter"
    )


if __name__ == "__main__":
    openpyxl_files()
    xlsxwriter_files()
    pandas_files()

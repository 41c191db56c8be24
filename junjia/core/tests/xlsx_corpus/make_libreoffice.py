"""Writes the corpus files of LibreOffice Calc, driving it through UNO as a clerk would use it.

Needs Debian's libreoffice-calc-nogui and python3-uno; run with the system Python, which has
the uno module:
    apt-get install libreoffice-calc-nogui python3-uno
    /usr/bin/python3 make_libreoffice.py TEMPLATE.xlsx
TEMPLATE.xlsx is the registry import template as the site serves it (for instance
`junjia.registry.imports.template_bytes()` written to a file).

- libreoffice.xlsx: libreoffice.fods (cells of every kind, typed in by hand) saved as xlsx;
- libreoffice_template.xlsx: the template opened, three people typed into 基本信息 (a birth
  date typed as text, one typed as a date that Calc recognises, one entered as text with a
  leading apostrophe) and one category, saved as xlsx again.
"""

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

HERE = Path(__file__).resolve().parent
PORT = 2097


def prop(name, value):
    found = PropertyValue()
    found.Name, found.Value = name, value
    return found


def connect(profile: str):
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=socket,host=127.0.0.1,port={PORT};urp;",
        ]
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(60):
        try:
            context = resolver.resolve(
                f"uno:socket,host=127.0.0.1,port={PORT};urp;StarOffice.ComponentContext"
            )
            break
        except Exception:  # not listening yet
            time.sleep(0.5)
    else:
        raise SystemExit("LibreOffice did not start")
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    return office, desktop


def save_xlsx(document, path: Path) -> None:
    document.storeToURL(
        uno.systemPathToFileUrl(str(path)), (prop("FilterName", "Calc MS Excel 2007 XML"),)
    )
    document.close(True)


def load(desktop, path: Path):
    return desktop.loadComponentFromURL(
        uno.systemPathToFileUrl(str(path)), "_blank", 0, (prop("Hidden", True),)
    )


def fill_template(document) -> None:
    basic = document.Sheets.getByName("基本信息")
    formats = document.NumberFormats
    locale = uno.createUnoStruct("com.sun.star.lang.Locale")
    date_format = formats.queryKey("YYYY-MM-DD", locale, False)
    if date_format < 0:
        date_format = formats.addNew("YYYY-MM-DD", locale)
    people = [
        # identity number, region, name, gender, birth date, how the date is entered
        ("370202198509206030", "370202001001", "陈建国", "男", "1985-09-20", "text"),
        ("370202198509206049", "370202001001", "林秀英", "女", "1985-09-20", "typed"),
        ("370202198509206073", "370202001001", "王志强", "男", "'1985-09-20", "typed"),
    ]
    for row, (number, region, name, gender, birth, how) in enumerate(people, start=1):
        basic.getCellByPosition(0, row).setString(number)
        basic.getCellByPosition(1, row).setString(region)
        basic.getCellByPosition(2, row).setString(name)
        basic.getCellByPosition(3, row).setString(gender)
        cell = basic.getCellByPosition(4, row)
        if how == "text":
            cell.setString(birth)  # a text cell, as when the column is formatted as text
        else:  # as if typed into Calc, which makes 1985-09-20 a date shown as typed
            cell.setFormula(birth)
            if not birth.startswith("'"):
                cell.NumberFormat = date_format
        basic.getCellByPosition(11, row).setFormula("否")
    categories = document.Sheets.getByName("类别")
    categories.getCellByPosition(0, 1).setString("370202198509206030")
    categories.getCellByPosition(1, 1).setString("退役士兵")


def main() -> None:
    template = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory() as profile:
        office, desktop = connect(profile)
        try:
            save_xlsx(load(desktop, HERE / "libreoffice.fods"), HERE / "libreoffice.xlsx")
            document = load(desktop, template)
            fill_template(document)
            save_xlsx(document, HERE / "libreoffice_template.xlsx")
        finally:
            with contextlib.suppress(Exception):  # the bridge closes as LibreOffice exits
                desktop.terminate()
            office.wait(timeout=60)


if __name__ == "__main__":
    main()

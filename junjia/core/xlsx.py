"""The xlsx kit: safe opening of uploads, row reading, and writing (templates, exports,
error reports) with formula-injection neutralised."""

import array
import codecs
import datetime as dt
import html
import io
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO, Self

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import DomainError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200  # a larger compression ratio than this is treated as a zip bomb
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy .xls
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


ENCRYPTED = "文件已加密（设置了打开密码）或是旧版 .xls 格式，请另存为无密码的 .xlsx 后再上传。"


class XlsxError(DomainError):
    """The upload cannot be read; nothing was imported."""


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    value: str
    reason: str
    warning: str = ""  # a row that imports but deserves a second look (report column 警告)


# An upload: its bytes, or a seekable binary file (a large one is read from disk, never held).
Source = bytes | BinaryIO


def upload_size(source: Source) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    return source.seek(0, os.SEEK_END)


def _head(source: Source, n: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:n])
    source.seek(0)
    return source.read(n)


def open_zip(source: Source) -> zipfile.ZipFile:
    """The archive of an upload (raises zipfile.BadZipFile)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return zipfile.ZipFile(io.BytesIO(source))
    source.seek(0)
    return zipfile.ZipFile(source)


def check_upload(
    source: Source,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
) -> None:
    """Refuse anything that is not a plain, reasonably sized xlsx, before parsing it."""
    if upload_size(source) > max_bytes:
        raise XlsxError(f"文件超过 {max_bytes // 1024 // 1024} MB 的上限，未导入任何数据。")
    head = _head(source, 8)
    if head == _OLE_MAGIC:
        raise XlsxError(ENCRYPTED)
    if head[:4] != b"PK\x03\x04":
        raise XlsxError("文件不是 Excel .xlsx 格式，请使用下载的模板填写后上传。")
    try:
        archive = open_zip(source)
    except zipfile.BadZipFile as exc:
        raise XlsxError("文件已损坏，无法读取，请重新保存后上传。") from exc
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise XlsxError("文件不是 Excel .xlsx 工作簿，请使用下载的模板填写后上传。")
    declared = 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise XlsxError(ENCRYPTED)
        declared += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise XlsxError("文件解压后体积异常（疑似压缩炸弹），已拒绝。")
    too_big = f"文件解压后超过 {max_uncompressed // 1024 // 1024} MB 的上限，已拒绝。"
    if declared > max_uncompressed:
        raise XlsxError(too_big)
    # Declared sizes can lie; read every member through a capped stream.
    total = 0
    for info in archive.infolist():
        try:
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > max_uncompressed:
                        raise XlsxError(too_big)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise XlsxError("文件已损坏，无法读取，请重新保存后上传。") from exc


def read_rows(
    data: bytes, sheet: str | None = None, *, fallback_to_first: bool = False
) -> Iterator[tuple[int, tuple]]:
    """(row number, values) for each non-empty row after the header, streaming."""
    check_upload(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise XlsxError("文件内容无法读取，请使用下载的模板重新填写后上传。") from exc
    if sheet and sheet not in workbook.sheetnames:
        if not fallback_to_first:
            workbook.close()
            raise XlsxError(f"找不到工作表“{sheet}”，请使用下载的模板。")
        sheet = None
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    try:
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if number == 1:
                continue
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, values
    finally:
        workbook.close()


def header_of(data: bytes, sheet: str | None = None) -> list[str]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        first = next(ws.iter_rows(max_row=1, values_only=True), ())
        return [str(v).strip() if v is not None else "" for v in first]
    finally:
        workbook.close()


def is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def neutralise(value):
    """Cells that a spreadsheet would run as a formula get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    choices: dict[tuple[str, int], Sequence[str]] | None = None,
    instructions: Sequence[str] | None = None,
    target=None,
) -> bytes | None:
    """Build an xlsx: one (title, headers, rows) per sheet; drop-downs for (sheet, col);
    an optional instructions sheet first. Write-only mode: rows may be a generator and are
    streamed out, so a large export holds one row at a time. With `target` (a path or a
    binary file) the workbook is saved there and None is returned; otherwise the bytes."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter, quote_sheetname

    workbook = Workbook(write_only=True)
    # Drop-down lists too long for an inline formula live in a hidden sheet.
    long_lists: list[Sequence[str]] = []
    formulas: dict[tuple[str, int], str] = {}
    for key, options in (choices or {}).items():
        inline = '"' + ",".join(options) + '"'
        if len(inline) <= _INLINE_LIST_LIMIT and not any("," in o or '"' in o for o in options):
            formulas[key] = inline
        else:
            long_lists.append(options)
            letter = get_column_letter(len(long_lists))
            formulas[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(options)}"
    if instructions:
        ws = workbook.create_sheet(INSTRUCTIONS_SHEET)
        ws.column_dimensions["A"].width = 100
        for line in instructions:
            ws.append([neutralise(line)])
    for title, headers, rows in sheets:
        ws = workbook.create_sheet(title)
        for index, header in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = max(12, len(str(header)) * 2 + 4)
        ws.freeze_panes = "A2"
        for (sheet_title, column), formula in formulas.items():
            if sheet_title != title:
                continue
            letter = get_column_letter(column)
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.error = "请从下拉列表中选择"
            validation.showErrorMessage = True
            validation.add(f"{letter}2:{letter}{DROPDOWN_ROWS}")
            ws.data_validations.append(validation)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=neutralise(header))
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([neutralise(v) for v in row])
    if long_lists:
        ws = workbook.create_sheet(LISTS_SHEET)
        ws.sheet_state = "hidden"
        for index in range(max(len(o) for o in long_lists)):
            ws.append([o[index] if index < len(o) else None for o in long_lists])
    if target is not None:
        workbook.save(target)
        return None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "选项"
DROPDOWN_ROWS = 100_001
_INLINE_LIST_LIMIT = 255  # Excel refuses a quoted list formula longer than this


ERROR_HEADERS = ("工作表", "行号", "列", "值", "原因")


def error_report(errors: Iterable[RowError], *, warnings: bool = False, target=None):
    """The row-by-row report (bytes, or saved to `target`); with warnings=True a 警告 column
    lists rows that were accepted but deserve a second look."""
    if warnings:
        headers = (*ERROR_HEADERS, "警告")
        rows = ((e.sheet, e.row, e.column, e.value, e.reason, e.warning) for e in errors)
    else:
        headers = ERROR_HEADERS
        rows = ((e.sheet, e.row, e.column, e.value, e.reason) for e in errors)
    return write_workbook([("错误报告", headers, rows)], target=target)


# --- streaming reader ---------------------------------------------------------------------
#
# Large imports (hundreds of thousands of rows) are read without ever holding a sheet in
# memory: the worksheet XML is inflated in blocks through a byte cap, each block is cut at a
# row boundary, and rows are parsed from the text with a few regular expressions. Shared
# strings are kept in a temporary file with four bytes of offset per string in memory
# (_SharedStrings). Parsing is a pure function of a block, so callers may spread blocks over
# forked worker processes.

_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*?)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REL_TAG = re.compile(r"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_TEXT = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)
_SI_ITEM = re.compile(
    r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si\b[^>]*?(?:/>|>(.*?)</si>)', re.S
)
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMFMT = re.compile(r'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', re.S)
_CELLXFS = re.compile(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(r"<xf\b([^>]*?)(?:/>|>)", re.S)
_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_BLOCK = 1 << 18
# A cell as spreadsheet programs usually write it: r, then s and/or t, then a value.
_FAST_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?: s="(\d+)")?'
    r'(?: ?/>|>(?:<v>([^<]*)</v>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
)
_COLUMNS: dict[str, int] = {}


class FormulaCell(XlsxError):
    """A cell holds a formula: refused, a file must carry plain values."""

    def __init__(self, sheet: str, ref: str):
        self.sheet, self.ref = sheet, ref
        super().__init__(
            f"工作表“{sheet}”的 {ref} 单元格含有公式。导入文件不接受公式，"
            "请将公式单元格复制后“选择性粘贴为数值”，再上传。未导入任何数据。"
        )

    def __reduce__(self):  # travels back from worker processes intact
        return (FormulaCell, (self.sheet, self.ref))


def _attrs(text: str) -> dict[str, str]:
    return dict(_ATTR.findall(text))


def _unescape(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
        if _SURROGATE.search(text):  # escaped UTF-16 halves: a pair is one character
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return any(ch in code for ch in "ymdhs") and "general" not in code


class _SharedStrings:
    """The shared-string table without holding it: every string's UTF-8 in an unnamed
    temporary file, its offset (4 bytes) in memory, and the first HOT strings as they are —
    a spreadsheet numbers strings in order of first use, so values that repeat down a column
    (categories, yes/no, the county's towns) sit there. A file of half a million people has
    millions of distinct strings (identity numbers, phones, addresses): held as text they
    would grow memory with the file. Reads use pread, so forked workers share the file."""

    HOT = 4096

    def __init__(self):
        self._file = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115 (closed by close())
        self._fd = self._file.fileno()
        self._offsets = array.array("I", [0])  # the file is capped far below 4 GiB
        self._hot: list[str] = []
        self._end = 0

    def extend(self, values: list[str]) -> None:
        if len(self._hot) < self.HOT:
            self._hot.extend(values[: self.HOT - len(self._hot)])
        # surrogatepass: no text with half a UTF-16 pair should get here (_unescape pairs
        # them up), but if one does it is kept, not a failure of the whole file.
        encoded = [v.encode("utf-8", "surrogatepass") for v in values]
        self._offsets.extend(accumulate(map(len, encoded), initial=self._end))
        self._offsets.pop(len(self._offsets) - len(encoded) - 1)  # _end is already there
        self._end = self._offsets[-1]
        self._file.write(b"".join(encoded))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        if 0 <= index < len(self._hot):
            return self._hot[index]
        if index < 0:
            raise IndexError(index)
        start = self._offsets[index]
        return os.pread(self._fd, self._offsets[index + 1] - start, start).decode(
            "utf-8", "surrogatepass"
        )

    def block(self, raws: list[str]) -> dict[int, str]:
        """The strings that one block of cells refers to (raws: the indexes as the cells
        write them), by index. A block's new strings are numbered one after another (order
        of first use), so nearby indexes are read with one pread: a call per string would
        cost more than the parsing of its cell."""
        hot, offsets = self._hot, self._offsets
        n_hot, total = len(hot), len(offsets) - 1
        found: dict[int, str] = {}
        cold: list[int] = []
        try:
            wanted = set(map(int, raws))
        except ValueError:
            raise _damaged(next(r for r in raws if not r.strip().lstrip("-").isdigit())) from None
        for index in wanted:
            if index < n_hot:
                if index < 0:
                    raise _damaged(index)
                found[index] = hot[index]
            else:
                cold.append(index)
        if not cold:
            return found
        cold.sort()
        if cold[-1] >= total:
            raise _damaged(cold[-1])
        fd, near, limit = self._fd, _NEAR, _RUN_BYTES
        first = previous = cold[0]
        begin = 0
        for at, index in enumerate(cold):
            if index - previous > near or offsets[index] - offsets[first] >= limit:
                base = offsets[first]
                chunk = os.pread(fd, offsets[previous + 1] - base, base)
                for i in cold[begin:at]:
                    found[i] = chunk[offsets[i] - base : offsets[i + 1] - base].decode(
                        "utf-8", "surrogatepass"
                    )
                first, begin = index, at
            previous = index
        base = offsets[first]
        chunk = os.pread(fd, offsets[previous + 1] - base, base)
        for i in cold[begin:]:
            found[i] = chunk[offsets[i] - base : offsets[i + 1] - base].decode(
                "utf-8", "surrogatepass"
            )
        return found

    def close(self) -> None:
        self._file.close()


_NEAR = 64  # strings apart that are still read together
_RUN_BYTES = 1 << 20


def _damaged(index) -> XlsxError:
    return XlsxError(f"文件已损坏：单元格引用了不存在的第 {index} 项共享文本，请重新保存后上传。")


class StreamingWorkbook:
    """A read-only view of an xlsx that streams its sheets. Build it after check_upload;
    close() it (or use it as a context manager) to remove its temporary file at once."""

    def __init__(self, source: Source, *, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES):
        self.max_uncompressed = max_uncompressed
        self.inflated = 0
        try:
            self._zip = open_zip(source)
            workbook_xml = self._read_member("xl/workbook.xml")
            rels_xml = self._read_member("xl/_rels/workbook.xml.rels", missing_ok=True)
        except (zipfile.BadZipFile, KeyError, zlib.error, EOFError) as exc:
            raise XlsxError("文件内容无法读取，请使用下载的模板重新填写后上传。") from exc
        targets = {}
        for attrs in map(_attrs, _REL_TAG.findall(rels_xml)):
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else "xl/" + target
            targets[attrs.get("Id")] = target
        self.sheets: dict[str, str] = {}
        for attrs in map(_attrs, _SHEET_TAG.findall(workbook_xml)):
            rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if "name" in attrs and rid in targets:
                self.sheets[_unescape(attrs["name"])] = targets[rid]
        self.epoch = _EPOCH_1904 if 'date1904="1"' in workbook_xml else _EPOCH_1900
        self.date_styles = self._date_styles()
        self._date_style_texts = frozenset(str(i) for i in self.date_styles)
        self._moments: dict[str, object] = {}  # date cells repeat: serial text → value
        self._strings = _SharedStrings()
        try:
            self._read_shared_strings()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._strings.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    # members

    def _open(self, name: str):
        return self._zip.open(name)

    def _count(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.max_uncompressed:
            raise XlsxError(
                f"文件解压后超过 {self.max_uncompressed // 1024 // 1024} MB 的上限，已拒绝。"
            )

    def _stream(self, name: str):
        """Decoded text of one member in blocks, through the inflate cap."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        try:
            with self._open(name) as member:
                while chunk := member.read(_BLOCK):
                    self._count(len(chunk))
                    yield decoder.decode(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise XlsxError("文件已损坏，无法读取，请重新保存后上传。") from exc
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def _read_member(self, name: str, missing_ok: bool = False) -> str:
        if missing_ok and name not in self._zip.namelist():
            return ""
        return "".join(self._stream(name))

    def _date_styles(self) -> frozenset[int]:
        styles = self._read_member("xl/styles.xml", missing_ok=True)
        custom = {int(i): _is_date_format(_unescape(code)) for i, code in _NUMFMT.findall(styles)}
        block = _CELLXFS.search(styles)
        dates = set()
        for index, attrs in enumerate(_XF.findall(block.group(1) if block else "")):
            fmt = int(_attrs(attrs).get("numFmtId", "0"))
            if custom.get(fmt, fmt in _BUILTIN_DATE_FORMATS):
                dates.add(index)
        return frozenset(dates)

    def _read_shared_strings(self) -> None:
        name = next((n for n in self._zip.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
        if name is None:
            return
        buffer = ""

        def take(items) -> None:
            # A plain <si><t>text</t></si> (most of them) is taken as it is; rich text and
            # phonetic runs go through _rich_text.
            self._strings.extend(
                [
                    (_unescape(plain) if "&" in plain or "_x" in plain else plain)
                    if plain or not rich
                    else self._rich_text(rich)
                    for plain, rich in items
                ]
            )

        for text in self._stream(name):
            buffer += text
            cut = buffer.rfind("</si>")
            if cut < 0:
                continue
            cut += 5
            take(_SI_ITEM.findall(buffer, 0, cut))
            buffer = buffer[cut:]
        take(_SI_ITEM.findall(buffer))  # trailing empty <si/> items

    @staticmethod
    def _rich_text(body: str) -> str:
        if body.startswith("<t>") and body.endswith("</t>") and body.count("<t") == 1:
            return _unescape(body[3:-4])
        if "<rPh" in body:
            body = _PHONETIC.sub("", body)
        return _unescape("".join(t for t in _TEXT.findall(body)))

    def shared_string(self, index: int) -> str:
        try:
            return self._strings[index]
        except IndexError:
            raise _damaged(index) from None

    # sheets

    def blocks(self, sheet: str):
        """The sheet's XML in blocks that each end at a row boundary."""
        if sheet not in self.sheets:
            raise XlsxError(f"找不到工作表“{sheet}”，请使用下载的模板。")
        buffer = ""
        for text in self._stream(self.sheets[sheet]):
            buffer += text
            cut = buffer.rfind("</row>")
            if cut < 0:
                continue
            cut += 6
            yield buffer[:cut]
            buffer = buffer[cut:]
        if "<row" in buffer:
            yield buffer

    def parse_block(self, sheet: str, block: str) -> list[tuple[int, list]]:
        """(row number, values by column) for every row of a block; empty cells are None.
        Raises FormulaCell at the first formula."""
        if "<f" not in block:
            cells = _FAST_CELL.findall(block)
            if len(cells) == block.count("<c ") and "<c>" not in block:
                return self._fast_rows(cells)
        return self._general_rows(sheet, block)

    def _fast_rows(self, cells) -> list[tuple[int, list]]:
        """The common shapes only (what Excel, WPS, LibreOffice and openpyxl write)."""
        rows: list[tuple[int, list]] = []
        shared = self._strings.block([cell[5] for cell in cells if cell[3] == "s"])
        date_styles = self._date_style_texts
        moments = self._moments
        columns = _COLUMNS
        current = None
        values: list = []
        for letters, number, s1, kind, s2, raw, inline in cells:
            if number != current:
                current = number
                values = []
                rows.append((int(number), values))
            if kind == "s":
                value = shared[int(raw)]
            elif inline or kind == "inlineStr":
                value = _unescape(inline) if "&" in inline or "_x" in inline else inline
            elif not raw:
                continue
            elif not kind or kind == "n":
                style = s1 or s2
                if style and style in date_styles:
                    value = moments.get(raw)
                    if value is None:
                        if len(moments) > 50_000:
                            moments.clear()
                        value = moments[raw] = self._moment(float(raw))
                else:
                    number_value = float(raw)
                    value = (
                        int(number_value)
                        if number_value.is_integer() and abs(number_value) < 1e15
                        else number_value
                    )
            elif kind == "b":
                value = raw == "1"
            elif kind == "d":
                value = self._iso(raw)
            else:
                value = _unescape(raw)
            index = columns.get(letters)
            if index is None:
                index = columns[letters] = _column_index(letters)
            gap = index - len(values)
            if gap == 0:
                values.append(value)
            elif gap > 0:
                values.extend([None] * gap)
                values.append(value)
            else:
                values[index] = value
        return rows

    def _general_rows(self, sheet: str, block: str) -> list[tuple[int, list]]:
        rows = []
        shared = self.shared_string
        dates = self.date_styles
        for row_attrs, body in _ROW.findall(block):
            if not body:
                continue
            r = row_attrs.find('r="')
            number = int(row_attrs[r + 3 : row_attrs.index('"', r + 3)]) if r >= 0 else None
            values: list = []
            for attrs, cell in _CELL.findall(body):
                r = attrs.find('r="')
                if r >= 0:
                    ref = attrs[r + 3 : attrs.index('"', r + 3)]
                    letters = ref.rstrip("0123456789")
                    index = _column_index(letters)
                    if number is None:
                        number = int(ref[len(letters) :])
                else:
                    ref, index = "", len(values)
                if not cell:
                    continue
                if "<f" in cell:
                    raise FormulaCell(sheet, ref or f"第 {number} 行")
                t = attrs.find(' t="')
                kind = attrs[t + 4 : attrs.index('"', t + 4)] if t >= 0 else "n"
                if kind == "inlineStr":
                    value = self._rich_text(cell[4:-5] if cell.startswith("<is>") else cell)
                else:
                    start = cell.find("<v>")
                    if start < 0:
                        continue
                    raw = cell[start + 3 : cell.index("</v>", start)]
                    if kind == "s":
                        value = shared(int(raw))
                    elif kind == "n":
                        value = self._number(raw, attrs, dates)
                    elif kind == "b":
                        value = raw == "1"
                    elif kind == "d":
                        value = self._iso(raw)
                    else:  # "str" (a cached formula string) and "e" (an error value)
                        value = _unescape(raw)
                while len(values) < index:
                    values.append(None)
                if len(values) == index:
                    values.append(value)
                else:
                    values[index] = value
            if number is None:
                number = rows[-1][0] + 1 if rows else 1
            rows.append((number, values))
        return rows

    def _moment(self, number: float):
        """A date cell's serial number as a date (or a datetime when it has a time)."""
        moment = self.epoch + dt.timedelta(seconds=round(number * 86400))
        return moment.date() if moment.time() == dt.time() else moment

    def _number(self, raw: str, attrs: str, dates: frozenset[int]):
        s = attrs.find(' s="')
        number = float(raw)
        if s >= 0 and int(attrs[s + 4 : attrs.index('"', s + 4)]) in dates:
            return self._moment(number)
        if number.is_integer() and abs(number) < 1e15:
            return int(number)
        return number

    @staticmethod
    def _iso(raw: str):
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw
        return moment.date() if moment.time() == dt.time() else moment

    def rows(self, sheet: str):
        """Every row of a sheet in order (header included), streamed."""
        for block in self.blocks(sheet):
            yield from self.parse_block(sheet, block)

    def header(self, sheet: str) -> list[str]:
        """The first row, reading no further into the sheet than it."""
        if sheet not in self.sheets:
            raise XlsxError(f"找不到工作表“{sheet}”，请使用下载的模板。")
        buffer = ""
        stream = self._stream(self.sheets[sheet])
        for text in stream:
            buffer += text
            cut = buffer.find("</row>")
            if cut >= 0:
                buffer = buffer[: cut + 6]
                break
        stream.close()
        for _, values in self.parse_block(sheet, buffer) if "<row" in buffer else ():
            return ["" if v is None else str(v).strip() for v in values]
        return []

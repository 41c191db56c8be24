"""The xlsx kit: safe opening of uploads, row reading, and writing (templates, exports,
error reports) with formula-injection neutralised."""

import array
import datetime as dt
import io
import os
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO, Self
from xml.parsers import expat

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import DomainError
from .text import strip_hidden

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200  # a larger compression ratio than this is treated as a zip bomb
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy .xls
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What zipfile and zlib raise on a damaged archive (ValueError: a seek before its start;
# NotImplementedError: an unknown version or method; struct.error: a truncated header).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    ValueError,
    struct.error,
)


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
    """The archive of an upload (raises one of ZIP_ERRORS)."""
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
    except ZIP_ERRORS as exc:
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
        except ZIP_ERRORS as exc:
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
    """What a cell may hold: characters an xlsx cannot hold or that hide text are dropped
    (one stored value must never break a whole export), and cells that a spreadsheet would
    run as a formula get a leading apostrophe."""
    if isinstance(value, str):
        value = strip_hidden(value)
        if value.startswith(_FORMULA_PREFIXES):
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
# memory. Every XML part goes through expat (xml.parsers.expat, ADR 0005): elements are
# matched by their local name, so <x:row> is a row, attributes are taken in any order and
# quoting, and rows and cells without r= references follow the previous one. No document
# type declaration is accepted (entity expansion). A sheet is inflated in blocks through a
# byte cap and cut after a row's end tag, and each block (whole rows) is parsed on its own:
# parsing is a pure function of a block, so callers may spread blocks over forked worker
# processes. Shared strings are kept in a temporary file with four bytes of offset per string
# in memory (_SharedStrings).

_BUILTIN_DATE_FORMATS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
BLOCK_BYTES = 1 << 18  # inflated at a time (StreamingWorkbook's block_bytes)
MAX_ROW_BYTES = 4 << 20  # one row's XML (a template row takes a few hundred bytes)
MAX_TEXT_CHARS = 1 << 20  # one string (Excel's limit for a cell is 32,767 characters)
_MAX_COLUMNS = 16_384
_MAX_ROWS = 1_048_576
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHEET_DATA = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData(?=[\s/>])[^>]*?(/?)>")
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])([^>]*)>")
_ROW_NUMBER = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*(\d+)\s*["']""")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_SPACE = frozenset(b" \t\r\n")
_COLUMNS: dict[str, int] = {}

DAMAGED = "文件已损坏，无法读取，请重新保存后上传。"
UNREADABLE = "文件内容无法读取，请使用下载的模板重新填写后上传。"


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


@dataclass(frozen=True, slots=True)
class CellError:
    """An error value in a cell (#N/A, #DIV/0!, …): neither text nor a number."""

    code: str

    def __str__(self) -> str:
        return self.code


def _damaged_part(where: str, reason: str) -> XlsxError:
    return XlsxError(f"文件已损坏：{where}的内容无法解析（{reason}），请重新保存后上传。")


def _no_doctype(*_args) -> None:
    raise XlsxError("文件含有文档类型声明（DTD），不是电子表格程序保存的文件，已拒绝。")


def _parser(start=None, end=None, text=None) -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: expat.XMLParserType, data: bytes, where: str, final: bool = True) -> None:
    try:
        parser.Parse(data, final)
    except expat.ExpatError as exc:
        raise _damaged_part(where, expat.ErrorString(exc.code)) from None


def _check_xml(sheet: str, data: bytes, parser: expat.XMLParserType | None = None) -> None:
    """Parse a block of rows (with handlers, or only to check it is well-formed), fed in
    parts: a copy of the block with its wrapper would cost a quarter of a megabyte."""
    if parser is None:
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _no_doctype
    where = f"工作表“{sheet}”"
    _feed(parser, b"<sheetData>", where, final=False)
    _feed(parser, data, where, final=False)
    _feed(parser, b"</sheetData>", where)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _unescape(text: str) -> str:
    """Excel's escapes of characters XML cannot carry (_x000D_, and UTF-16 halves)."""
    text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
    if _SURROGATE.search(text):  # escaped UTF-16 halves: a pair is one character
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _column_index(letters: str) -> int:
    """A column's index from its letters (A → 0); cached, and checked on the first sight."""
    index = 0
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError(letters)
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    if index > _MAX_COLUMNS:
        raise ValueError(letters)
    _COLUMNS[letters] = index - 1
    return index - 1


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return any(ch in code for ch in "ymdhs") and "general" not in code


def _end_tag(data: bytes, tag: bytes, start: int, *, last: bool = False) -> int:
    """Where the first (or last) end tag `tag` (b"</row", b"</x:row") begins at or after
    start, or -1: the name must be followed by ">" after any white space."""
    at = data.rfind(tag, start) if last else data.find(tag, start)
    while at >= 0:
        j = at + len(tag)
        while j < len(data) and data[j] in _SPACE:
            j += 1
        if j < len(data) and data[j] == 62:  # ">"
            return at
        at = data.rfind(tag, start, at) if last else data.find(tag, at + 1)
    return -1


def _rows_after(number: int, data: bytes) -> int:
    """The number of the last row of a block whose first row follows row `number`: a row
    without r= follows the one before it (the OpenXML SDK writes them so)."""
    for match in _ROW_TAG.finditer(data):
        found = _ROW_NUMBER.search(match.group(1))
        number = int(found.group(1)) if found else number + 1
    return number


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
            for raw in raws:
                try:
                    int(raw)
                except ValueError:
                    raise _damaged(raw.decode() if isinstance(raw, bytes) else raw) from None
            raise
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


_NEAR = 64  # strings apart that are still read together
_RUN_BYTES = 1 << 20


def _damaged(index) -> XlsxError:
    return XlsxError(f"文件已损坏：单元格引用了不存在的第 {index} 项共享文本，请重新保存后上传。")


class StreamingWorkbook:
    """A read-only view of an xlsx that streams its sheets. Build it after check_upload;
    close() it (or use it as a context manager) to remove its temporary file at once."""

    max_row_bytes = MAX_ROW_BYTES

    def __init__(
        self,
        source: Source,
        *,
        max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
        block_bytes: int = BLOCK_BYTES,
        fast: bool = True,
    ):
        """`block_bytes`: how much of a part is inflated at a time; an end tag may fall
        between two reads, and any size reads the same rows. `fast`: blocks of the common
        shape are read by strict patterns (_FAST_ROW); False reads every block through
        expat's callbacks, which read the same values (test_xlsx_corpus compares them).

        Counters, for the bounds the tests hold it to: `inflated` (bytes inflated so far,
        capped by max_uncompressed) and `searched` (bytes looked through for a row's or
        the sheet data's end tag: a few times `inflated`, as each is looked at a bounded
        number of times)."""
        self.max_uncompressed = max_uncompressed
        self.block_bytes = block_bytes
        self.fast = fast
        self.inflated = 0
        self.searched = 0
        try:
            self._zip = open_zip(source)
        except ZIP_ERRORS as exc:
            raise XlsxError(UNREADABLE) from exc
        self._members = {name.lower(): name for name in self._zip.namelist()}
        if "xl/workbook.xml" not in self._members:
            raise XlsxError(UNREADABLE)
        self.sheets: dict[str, str] = {}
        targets: dict[str, str] = {}
        shared_path = "xl/sharedStrings.xml"
        date1904 = False

        def relationship(name, attrs):
            nonlocal shared_path
            if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
                return
            target = attrs.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            path = posixpath.normpath(path)
            targets[attrs.get("Id", "")] = path
            if attrs.get("Type", "").endswith("/sharedStrings"):
                shared_path = path

        def workbook(name, attrs):
            nonlocal date1904
            local = _local(name)
            if local == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                title = attrs.get("name")
                if title is not None and rid in targets:
                    self.sheets.setdefault(title, targets[rid])
            elif local == "workbookPr":
                date1904 = attrs.get("date1904", "").strip().lower() in ("1", "true")

        rels = "xl/_rels/workbook.xml.rels"
        if rels in self._members:
            _feed(_parser(relationship), self._read_member(rels), "工作簿的关系表")
        _feed(_parser(workbook), self._read_member("xl/workbook.xml"), "工作簿")
        self.epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        self.date_styles = self._date_styles()
        self._date_style_texts = frozenset(str(i) for i in self.date_styles)
        self._date_style_bytes = frozenset(str(i).encode() for i in self.date_styles)
        self._moments: dict[str, object] = {}  # date cells repeat: serial text → value
        self._strings = _SharedStrings()
        try:
            self._read_shared_strings(shared_path)
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

    def _count(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.max_uncompressed:
            raise XlsxError(
                f"文件解压后超过 {self.max_uncompressed // 1024 // 1024} MB 的上限，已拒绝。"
            )

    def _stream(self, name: str) -> Iterator[bytes]:
        """The bytes of one member in blocks, through the inflate cap."""
        member_name = self._members.get(name.lower())
        if member_name is None:
            raise XlsxError(f"文件已损坏：缺少 {name}，请重新保存后上传。")
        try:
            with self._zip.open(member_name) as member:
                while chunk := member.read(self.block_bytes):
                    self._count(len(chunk))
                    yield chunk
        except ZIP_ERRORS as exc:
            raise XlsxError(DAMAGED) from exc

    def _read_member(self, name: str) -> bytes:
        return b"".join(self._stream(name))

    def _date_styles(self) -> frozenset[int]:
        """The cell styles (indexes into cellXfs) whose number format shows a date."""
        if "xl/styles.xml" not in self._members:
            return frozenset()
        custom: dict[str, str] = {}
        formats: list[str] = []
        where: list[str] = []  # the open numFmts / cellXfs element, if any

        def start(name, attrs):
            local = _local(name)
            if local in ("numFmts", "cellXfs"):
                where.append(local)
            elif local == "numFmt" and where == ["numFmts"]:
                custom[attrs.get("numFmtId", "").strip()] = attrs.get("formatCode", "")
            elif local == "xf" and where == ["cellXfs"]:
                formats.append(attrs.get("numFmtId", "0").strip())

        def end(name):
            if _local(name) in ("numFmts", "cellXfs") and where:
                where.pop()

        _feed(_parser(start, end), self._read_member("xl/styles.xml"), "样式表")
        dates = set()
        for index, fmt in enumerate(formats):
            code = custom.get(fmt)
            if code is not None:
                is_date = _is_date_format(code)
            else:
                is_date = fmt.isdigit() and int(fmt) in _BUILTIN_DATE_FORMATS
            if is_date:
                dates.add(index)
        return frozenset(dates)

    def _read_shared_strings(self, path: str) -> None:
        if path.lower() not in self._members:
            return
        batch: list[str] = []
        parts: list[str] = []
        size = 0
        collect = False
        phonetic = 0

        def start(name, attrs):
            nonlocal collect, phonetic, parts, size
            if ":" in name:
                name = _local(name)
            if name == "t":
                collect = not phonetic
            elif name == "si":
                parts, size = [], 0
            elif name == "rPh":  # a phonetic guide (furigana) is not part of the text
                phonetic += 1

        def end(name):
            nonlocal collect, phonetic
            if ":" in name:
                name = _local(name)
            if name == "t":
                collect = False
            elif name == "si":
                text = "".join(parts)
                batch.append(_unescape(text) if "_x" in text else text)
            elif name == "rPh":
                phonetic -= 1

        def text(data):
            nonlocal size
            if collect:
                parts.append(data)
                size += len(data)
                if size > MAX_TEXT_CHARS:
                    raise XlsxError(_TOO_LONG_TEXT)

        parser = _parser(start, end, text)
        for chunk in self._stream(path):
            _feed(parser, chunk, "共享文本表", final=False)
            if batch:
                self._strings.extend(batch)
                batch.clear()
        _feed(parser, b"", "共享文本表")
        if batch:
            self._strings.extend(batch)

    def shared_string(self, index: int) -> str:
        try:
            return self._strings[index]
        except IndexError:
            raise _damaged(index) from None

    # sheets

    def blocks(self, sheet: str) -> Iterator[tuple[int, bytes]]:
        """The rows of a sheet in blocks of whole rows: (the number of the row before the
        block, its XML). Only <sheetData> is read; what follows it holds no values."""
        if sheet not in self.sheets:
            raise XlsxError(f"找不到工作表“{sheet}”，请使用下载的模板。")
        too_long = XlsxError(
            f"工作表“{sheet}”中有一行超过 {self.max_row_bytes // 1024 // 1024} MB"
            "（或没有结束标记），文件已损坏或不是电子表格程序保存的，已拒绝。"
        )
        stream = self._stream(self.sheets[sheet])
        head = b""
        for chunk in stream:  # the part before <sheetData>: sheet properties, columns
            head += chunk
            opening = _SHEET_DATA.search(head, max(0, len(head) - len(chunk) - 64))
            if opening:
                break
            if len(head) > self.max_row_bytes:
                raise too_long
        else:
            return  # no sheetData: an empty sheet
        encoding = _ENCODING.match(head)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            encoding and encoding.group(1).lower().replace(b"-", b"") != b"utf8"
        ):
            raise XlsxError(f"工作表“{sheet}”不是 UTF-8 编码，请用 Excel 或 WPS 重新保存后上传。")
        if b"<!DOCTYPE" in head[: opening.start()]:
            _no_doctype()
        if opening.group(2):  # <sheetData/>
            return
        prefix = opening.group(1) + b":" if opening.group(1) else b""
        row_end, data_end = b"</" + prefix + b"row", b"</" + prefix + b"sheetData"
        before = 0  # the number of the row before the block
        pending = head[opening.end() :]
        start = 0

        def end_tag(tag: bytes, *, last: bool = False) -> int:
            self.searched += len(pending) - start
            return _end_tag(pending, tag, start, last=last)

        while True:
            stop = end_tag(data_end)
            if stop >= 0:
                if pending[:stop].strip():
                    yield before, pending[:stop]
                return
            cut = end_tag(row_end, last=True)
            if cut >= 0:
                cut = pending.index(b">", cut) + 1
                block = pending[:cut]
                yield before, block
                before = self._last_row(before, block, prefix)
                pending = pending[cut:]
            if len(pending) > self.max_row_bytes:
                raise too_long
            chunk = next(stream, None)
            if chunk is None:
                break
            start = max(0, len(pending) - 64)  # an end tag may straddle two chunks
            pending += chunk
        if pending.strip():  # a sheet without </sheetData>: its last rows, if they are whole
            yield before, pending

    @staticmethod
    def _last_row(before: int, block: bytes, prefix: bytes) -> int:
        """The number of a block's last row: its r=, or counted (rows without r=)."""
        at = block.rfind(b"<" + prefix + b"row")
        tag = _ROW_TAG.match(block, at) if at >= 0 else None
        found = _ROW_NUMBER.search(tag.group(1)) if tag else None
        return int(found.group(1)) if found else _rows_after(before, block)

    def parse_block(self, sheet: str, block: tuple[int, bytes]) -> list[tuple[int, list]]:
        """(row number, values by column) for every row of a block; empty cells are None.
        Raises FormulaCell at the first formula, XlsxError on anything malformed."""
        before, data = block
        _check_xml(sheet, data)
        if self.fast and _fast_shape(data):
            return self._fast_rows(sheet, _FAST_CELL.findall(data))
        rows = _scan(sheet, data)
        raws = [cell[3] for _, cells in rows for cell in cells if cell[1] == "s" and cell[3]]
        shared = self._strings.block(raws) if raws else {}
        out: list[tuple[int, list]] = []
        number = before
        for row_ref, cells in rows:
            number = self._row_number(sheet, row_ref, cells, number)
            values = self._values(sheet, number, cells, shared)
            if out and out[-1][0] == number:  # the same row again: its cells join the first
                merged = out[-1][1]
                merged.extend([None] * (len(values) - len(merged)))
                for index, value in enumerate(values):
                    if value is not None:
                        merged[index] = value
            else:
                out.append((number, values))
        return out

    def _fast_rows(self, sheet: str, cells: list[tuple]) -> list[tuple[int, list]]:
        """_FAST_CELL's matches (bytes) as rows, the common kinds of value read here, the
        others by _value (as _values reads them)."""
        rows: list[tuple[int, list]] = []
        shared = self._strings.block([cell[5] for cell in cells if cell[3] == b"s"])
        date_styles = self._date_style_bytes
        moments = self._moments
        columns = _COLUMNS
        current = None
        number = 0
        values: list = []
        for letters, digits, s1, kind, s2, raw, inline in cells:
            if digits != current:
                current = digits
                number = int(digits)
                if not 0 < number <= _MAX_ROWS:
                    raise _bad_row(sheet, digits)
                values = []
                rows.append((number, values))
            column = columns.get(letters, -1)
            if column < 0:
                column = columns[letters] = _column_of(sheet, number, letters.decode())
            if inline:
                value = inline.decode()
                if "_x" in value:
                    value = _unescape(value)
            elif not raw:
                continue
            elif kind == b"s":
                value = shared[int(raw)]
            elif not kind or kind == b"n":
                style = s1 or s2
                value = moments.get(raw) if style and style in date_styles else None
                if value is None:
                    value = self._number(sheet, number, column, raw, style in date_styles)
            else:
                value = self._value(sheet, number, column, kind.decode(), raw.decode())
            if column == len(values):  # the next column: most cells
                values.append(value)
            else:
                _place(values, column, value)
        return rows

    @staticmethod
    def _row_number(sheet: str, ref: str | None, cells: list, before: int) -> int:
        if ref is None:  # no r=: the first cell's reference tells, or it follows the last
            first = cells[0][0] if cells else None
            ref = first.lstrip(_LETTERS) if first else ""
            if not ref:
                return before + 1
        try:
            number = int(ref)
        except ValueError:
            number = 0
        if not 0 < number <= _MAX_ROWS:
            raise _bad_row(sheet, ref)
        return number

    def _values(self, sheet: str, number: int, cells: list, shared: dict) -> list:
        values: list = []
        column = -1
        date_styles = self._date_style_texts
        columns = _COLUMNS
        for ref, kind, style, text, formula in cells:
            if ref is None:
                column += 1
            else:
                letters = ref.rstrip("0123456789")
                column = columns.get(letters, -1)
                if column < 0:
                    column = _column_of(sheet, number, letters)
            if formula is not None and not (kind == "b" and formula in _BOOLEAN_FORMULAS):
                raise FormulaCell(sheet, ref or f"第 {number} 行第 {column + 1} 列")
            if text is None:
                continue
            if kind is None or kind == "n":
                if not text:
                    continue
                value = self._number(sheet, number, column, text, style in date_styles)
            elif kind == "s":
                if not text:
                    continue
                value = shared[int(text)]
            else:
                value = self._value(sheet, number, column, kind, text)
            if column == len(values):  # the next column: most cells
                values.append(value)
            else:
                _place(values, column, value)
        return values

    def _value(self, sheet: str, number: int, column: int, kind: str, text: str):
        """A value of the less common kinds: text of a formula result or inline, boolean,
        error, ISO date."""
        if kind == "str" or kind == "inlineStr":
            return _unescape(text) if "_x" in text else text
        if kind == "b":
            flag = text.strip().lower()
            if flag not in _BOOLEANS:
                raise self._bad_value(sheet, number, column, text)
            return _BOOLEANS[flag]
        if kind == "e":
            return CellError(text.strip())
        if kind == "d":
            return _iso(text)
        raise XlsxError(
            f"文件已损坏：工作表“{sheet}”第 {number} 行第 {column + 1} 列的单元格类型"
            f"“{kind[:20]}”无法识别，请重新保存后上传。"
        )

    def _number(self, sheet: str, number: int, column: int, text: str, is_date: bool):
        if is_date:
            value = self._moments.get(text)
            if value is not None:
                return value
        try:
            found = float(text)
        except ValueError:
            raise self._bad_value(sheet, number, column, text) from None
        if is_date:
            try:
                value = self._moment(found)
            except (OverflowError, ValueError):  # not a date Excel could show: the number
                pass
            else:
                if len(self._moments) > 50_000:
                    self._moments.clear()
                self._moments[text] = value
                return value
        if found.is_integer() and abs(found) < 1e15:
            return int(found)
        return found

    @staticmethod
    def _bad_value(sheet: str, number: int, column: int, text: str | bytes) -> XlsxError:
        if isinstance(text, bytes):
            text = text.decode()
        return XlsxError(
            f"文件已损坏：工作表“{sheet}”第 {number} 行第 {column + 1} 列的值“{text[:20]}”"
            "与其单元格类型不符，请重新保存后上传。"
        )

    def _moment(self, number: float):
        """A date cell's serial number as a date (or a datetime when it has a time)."""
        moment = self.epoch + dt.timedelta(seconds=round(number * 86400))
        return moment.date() if moment.time() == dt.time() else moment

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        """Every row of a sheet in order (header included), streamed."""
        for block in self.blocks(sheet):
            yield from self.parse_block(sheet, block)

    def header(self, sheet: str) -> list[str]:
        """The first row, reading no further into the sheet than its first block."""
        blocks = self.blocks(sheet)
        block = next(blocks, None)
        blocks.close()
        if block is None:
            return []
        before, data = block
        first = _ROW_END.search(data)
        rows = self.parse_block(sheet, (before, data[: first.end()] if first else data))
        for _, values in rows[:1]:
            return ["" if v is None else str(v).strip() for v in values]
        return []


_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}
# LibreOffice (before 7.x) saved a boolean as t="b" with the formula TRUE() or FALSE().
_BOOLEAN_FORMULAS = frozenset({"TRUE()", "FALSE()", "of:=TRUE()", "of:=FALSE()"})
_TOO_LONG_TEXT = (
    f"文件中有一项文本超过 {MAX_TEXT_CHARS:,} 个字符，不是电子表格程序保存的文件，已拒绝。"
)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _bad_row(sheet: str, ref: str | bytes) -> XlsxError:
    if isinstance(ref, bytes):
        ref = ref.decode()
    return XlsxError(f"文件已损坏：工作表“{sheet}”的行号“{ref[:20]}”无效，请重新保存后上传。")


def _column_of(sheet: str, number: int, letters: str) -> int:
    try:
        return _column_index(letters)
    except ValueError:
        raise XlsxError(
            f"文件已损坏：工作表“{sheet}”第 {number} 行的单元格引用“{letters[:20]}”无效，"
            "请重新保存后上传。"
        ) from None


def _place(values: list, column: int, value) -> None:
    """Put a value at its column: after a gap of empty cells, or over an earlier one."""
    gap = column - len(values)
    if gap >= 0:
        values.extend([None] * gap)
        values.append(value)
    else:
        values[column] = value


def _iso(text: str):
    """A t="d" cell: an ISO 8601 date or time (a zone is taken to UTC, then dropped)."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.date() if moment.time() == dt.time() else moment


# The shape Excel, WPS, LibreOffice, openpyxl and xlsxwriter give nearly every row: r= on the
# row and on each cell (in that row), s= and t= in the usual order, values without entity
# references, carriage returns or emptiness. A block that expat has accepted and that is
# nothing but such rows is read with these patterns, a few times faster than with expat's
# callbacks and to the same values (tests: test_xlsx_corpus.py); any other block is read
# through _scan.
_FAST_TEXT = r"[^<&\r]+"
_FAST_CELL_SHAPE = (
    r'<c r="([A-Z]{1,3}){row}"(?: s="(\d+)")?(?: t="(s|n|b|e|str|d|inlineStr)")?(?: s="(\d+)")?'
    rf'(?:/>|>(?:<v>({_FAST_TEXT})</v>|<is><t(?: xml:space="preserve")?>({_FAST_TEXT})</t></is>)?'
    r"</c>)"
)
_FAST_ROW = re.compile(
    (
        r'<row r="(?P<row>\d+)"(?: [\w:]+="[^"<&]*")*>(?:'
        + re.sub(r"\((?!\?)", "(?:", _FAST_CELL_SHAPE.replace("{row}", "(?P=row)"))
        + ")+</row>"
    ).encode()
)
_FAST_CELL = re.compile(_FAST_CELL_SHAPE.replace("{row}", r"(\d+)").encode())


def _fast_shape(data: bytes) -> bool:
    """Whether a block is nothing but rows of the fast shape (matched a row at a time: one
    match over the whole block would keep a backtracking stack as long as the block)."""
    match = _FAST_ROW.match
    at, end = 0, len(data)
    while at < end:
        found = match(data, at)
        if found is None:
            return False
        at = found.end()
    return end > 0


def _scan(sheet: str, data: bytes) -> list[tuple[str | None, list]]:
    """Rows of a block as expat reads them: (r or None, [(r or None, t, s, text, formula)]).
    text is None for a cell without a value; formula is None for a cell without one."""
    rows: list[tuple[str | None, list]] = []
    cells: list | None = None
    ref = kind = style = None
    parts: list[str] = []
    formula: list[str] | None = None
    target: list[str] | None = None  # where character data goes
    has_value = False
    inline = False
    phonetic = 0

    def start(name, attrs):
        nonlocal cells, ref, kind, style, parts, formula, target, has_value, inline, phonetic
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref, kind, style = attrs.get("r"), attrs.get("t"), attrs.get("s")
            parts, formula, has_value, inline = [], None, False, False
        elif name == "v":
            target, has_value = parts, True
        elif name == "row":
            cells = []
            rows.append((attrs.get("r"), cells))
        elif name == "t":
            if inline and not phonetic:
                target = parts
        elif name == "is":
            inline = has_value = True
        elif name == "f":
            formula = target = []
        elif name == "rPh":
            phonetic += 1

    def end(name):
        nonlocal target, phonetic
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if cells is None:
                raise XlsxError(
                    f"文件已损坏：工作表“{sheet}”中有不在行内的单元格，请重新保存后上传。"
                )
            text = "".join(parts) if has_value else None
            cells.append(
                (
                    ref,
                    "inlineStr" if inline else kind,
                    style,
                    text,
                    None if formula is None else "".join(formula).strip(),
                )
            )
        elif name == "v" or name == "t" or name == "f":
            target = None
        elif name == "rPh":
            phonetic -= 1

    def text(chunk):
        if target is not None:
            target.append(chunk)

    _check_xml(sheet, data, _parser(start, end, text))
    return rows

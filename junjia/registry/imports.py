"""Excel import of recipient files (一人一档, 000 §6.1): the template, row-by-row checks that
reuse the section forms and the services' rules, and a bulk write path.

Flow: upload → plan (every row checked, nothing written) → the user picks 全部不导入 or
只导入正确的行 → a job checks again and writes. Rows are keyed by 身份证号码 in every sheet:
a number without a file opens a draft; a draft or returned file is updated in place; an
approved file gets (or extends) a change request that goes through review; a file outside the
user's jurisdiction is an error row naming only the station that holds it. Re-importing the
same file changes nothing.

Speed: sheets are streamed (core.xlsx.StreamingWorkbook) in blocks that worker processes
parse, check and prepare (pinyin, encryption, blind indexes). The main process keeps the rows
in a temporary SQLite file — memory stays flat however long the file, and it joins the
sheets by identity number — then writes in one transaction: PostgreSQL COPY (bulk_create
elsewhere) for new files, the snapshot path of the services for existing ones, one audit row
per file, sealed after commit.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import pickle
import shutil
import sqlite3
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import connection, transaction
from django.forms.utils import ErrorDict
from django.utils import timezone

from junjia.core import audit, jobs, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction, AuditEntry, Job
from junjia.orgs.api import Level, can_reach, jurisdiction_of, require_capability

from . import crypto_fields, errors, services, snapshots
from .choices import FileStatus
from .idnumber import IdNumberError
from .idnumber import parse as parse_id
from .models import (
    CategoryMembership,
    ChangeRequest,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from .naming import pinyin_keys
from .sections import SECTION_BY_KEY, SECTIONS

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# The sheets are streamed, so the inflate cap guards time, not memory; the compression-ratio
# check in core.xlsx catches zip bombs long before this.
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
PREVIEW_ERRORS = 200
JOB_KIND = "registry.import"

ID_HEADER = "身份证号码"
REGION_HEADER = "户籍所在地区划代码"
GENDER_HEADER = "性别"
BIRTH_HEADER = "出生日期"
BASIC = "basic"
LISTS = ("categories", "honours", "family")

NO_SHEETS = (
    "文件中没有可导入的工作表（应为“基本信息”“服役信息”“类别”等），"
    "请使用下载的模板填写。未导入任何数据。"
)
FORMULA_TEXT = "不接受公式或以“=”开头的内容，请填写数值或文字。"
CELL_ERROR = "单元格为错误值 {code}（公式或粘贴出错后留下的），请填写实际的内容。"
DATE_NUMBER = (
    "单元格中是数字 {value}，不是日期（单元格未设置为日期格式）。请填写为 2020-01-31 这样的"
    "日期，或把单元格设置为日期或文本格式后重新填写。"
)
YES_NO = {"是": True, "否": False, "": False, "true": True, "false": False, "1": True, "0": False}


class ImportRefused(DomainError):
    """The file as a whole cannot be imported; nothing was written."""


class _NothingWritten(Exception):
    """Rolls back a streaming import whose file had errors (the user chose all or nothing)."""


# --- sheets and columns --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str  # form field name, or a key of the basic sheet's own columns
    header: str
    kind: str  # text | choice | bool | date | int
    options: dict[str, str] | None = None  # what a cell may say → the form value
    labels: tuple[str, ...] = ()  # the drop-down in the template


@dataclass(frozen=True)
class Sheet:
    key: str  # a section key, or categories / honours / family
    title: str
    columns: tuple[Column, ...]  # after 身份证号码
    form: type[forms.Form]
    is_list: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return (ID_HEADER, *(c.header for c in self.columns))


_EMPTY_LABELS = {"—", "---------", ""}


def _column(name: str, field_obj: forms.Field) -> Column:
    label = str(field_obj.label)
    if isinstance(field_obj, forms.BooleanField):
        return Column(name, label, "bool", labels=("是", "否"))
    if isinstance(field_obj, forms.ChoiceField):
        options: dict[str, str] = {}
        labels = []
        for value, text in field_obj.choices:
            value, text = str(value), str(text)
            options[value] = value
            options[text] = value
            if text not in _EMPTY_LABELS:
                labels.append(text)
        return Column(name, label, "choice", options, tuple(labels))
    if isinstance(field_obj, forms.DateField):
        return Column(name, label, "date")
    if isinstance(field_obj, forms.IntegerField):
        return Column(name, label, "int")
    return Column(name, label, "text")


def _list_form(model, fields) -> type[forms.Form]:
    return forms.modelform_factory(model, fields=fields)


def _build_sheets() -> tuple[Sheet, ...]:
    sheets = []
    for section in SECTIONS:
        columns = [_column(n, f) for n, f in section.form.base_fields.items()]
        if section.key == BASIC:
            columns = [
                Column("household_code", REGION_HEADER, "text"),
                *columns[:1],  # 姓名
                Column(
                    "gender",
                    GENDER_HEADER,
                    "choice",
                    {"男": "M", "女": "F", "M": "M", "F": "F"},
                    ("男", "女"),
                ),
                Column("birth_date", BIRTH_HEADER, "date"),
                *columns[1:],
            ]
        sheets.append(Sheet(section.key, section.label, tuple(columns), section.form))
    for key, title, model, names in (
        ("categories", "类别", CategoryMembership, snapshots.CATEGORY_FIELDS),
        ("honours", "立功受奖", Honour, snapshots.HONOUR_FIELDS),
        ("family", "家庭成员", FamilyMember, snapshots.FAMILY_FIELDS),
    ):
        form = _list_form(model, names)
        columns = tuple(_column(n, form.base_fields[n]) for n in names)
        sheets.append(Sheet(key, title, columns, form, is_list=True))
    return tuple(sheets)


SHEETS: tuple[Sheet, ...] = _build_sheets()
SHEET_BY_TITLE = {s.title: s for s in SHEETS}
SHEET_ORDER = {s.title: i for i, s in enumerate(SHEETS)}
_HEADER_OF = {s.key: {c.name: c.header for c in s.columns} for s in SHEETS}
TITLE_BY_KEY = {s.key: s.title for s in SHEETS}


INSTRUCTIONS = [
    "服务对象档案（一人一档）批量导入模板",
    "1. 每个工作表的每一行都以“身份证号码”对应到一个人；身份证号码请设置为文本格式"
    "（避免 Excel 改成科学计数法），15 位旧号码会自动转换为 18 位。",
    "2. “基本信息”每人一行：身份证号码、户籍所在地区划代码、姓名必填。户籍所在地填 12 位"
    "乡镇（街道）或村（社区）统计用区划代码，须在您的辖区内。性别、出生日期可不填，"
    "填写时须与身份证号码一致。",
    "3. 其他分项工作表（组织生活、服役信息、安置信息、就业创业、教育培训、抚恤优待、特困低保）"
    "每人最多一行；“类别”“立功受奖”“家庭成员”每人可填多行，导入后替换该人原有的相应列表。",
    "4. 带下拉框的列请从列表中选择；“是/否”列填“是”或“否”；日期填写为 2020-01-31 这样的日期。",
    "5. 伤残军人、伤残民兵民工须在“类别”中填写伤残等级和伤残性质。",
    "6. 系统中尚无档案的，新建为草稿，提交审核后生效；已有草稿或被退回的档案直接更新；"
    "已审核通过的档案生成变更申请，审核通过后生效。同一文件重复导入不会产生重复档案。",
    "7. 档案在其他辖区的，该行报错并告知档案所在的服务站，可申请档案转移。",
    "8. 不接受公式、加密文件和旧版 .xls 文件。校验结果可下载错误报告"
    "（工作表、行号、列、值、原因）。",
    "9. 有错误行时可以选择“全部不导入”，或“只导入正确的行”。",
]


def template_bytes() -> bytes:
    """The downloadable template: instructions, then one sheet per section and list."""
    choices = {}
    for sheet in SHEETS:
        for index, column in enumerate(sheet.columns, start=2):
            if column.labels:
                choices[(sheet.title, index)] = list(column.labels)
    return xlsx.write_workbook(
        [(s.title, s.headers, []) for s in SHEETS], choices=choices, instructions=INSTRUCTIONS
    )


# --- checking one row (pure: runs in worker processes) ---------------------------------------


_PURE_FIELDS = (forms.ChoiceField, forms.BooleanField, forms.DateField, forms.IntegerField)
_PLAIN_TEXT_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator)


class _Validator:
    """Runs a Django form's own cleaning — each field's clean(), clean_<field>() and clean() —
    on plain values. One form instance is reused: a row costs microseconds, where binding a
    new form per row would cost a hundred times more at province scale."""

    def __init__(self, form_class: type[forms.Form]):
        self.form = form_class()
        self.fields = list(self.form.fields.items())
        self.initial = {name: ("" if f.initial is None else f.initial) for name, f in self.fields}
        # Required fields with a default: an empty cell leaves the default (or the file's value).
        self.defaulted = frozenset(
            name for name, f in self.fields if f.required and f.initial not in (None, "")
        )
        self.hooks = {
            name: getattr(self.form, f"clean_{name}")
            for name, _ in self.fields
            if hasattr(self.form, f"clean_{name}")
        }
        # Coded, yes/no, date and number fields see the same few values over and over; their
        # clean() is a pure function of the value, so each distinct value is cleaned once.
        self.memo = {name: {} for name, f in self.fields if isinstance(f, _PURE_FIELDS)}
        # Plain text fields (names, addresses: rarely the same twice) whose only checks are
        # a length limit and no NUL character: a non-empty, already stripped value within the
        # limit is what clean() would return. Anything else goes through clean() itself.
        self.plain_text = {
            name: f.max_length or 1 << 30
            for name, f in self.fields
            if type(f) is forms.CharField
            and f.strip
            and f.min_length is None
            and all(isinstance(v, _PLAIN_TEXT_VALIDATORS) for v in f.validators)
        }
        # ... and of those, the optional ones: an empty cell is their empty value.
        self.plain_empty = {
            name: f.empty_value
            for name, f in self.fields
            if name in self.plain_text and not f.required
        }

    def _clean(self, name: str, field_obj: forms.Field, value):
        memo = self.memo.get(name)
        if memo is None:
            if value == "" and name in self.plain_empty:
                return self.plain_empty[name]
            limit = self.plain_text.get(name)
            if (
                limit is not None
                and type(value) is str
                and value
                and len(value) <= limit
                and "\x00" not in value
                and value[0] > " " < value[-1]
                and value == value.strip()
            ):
                return value
            return field_obj.clean(value)
        try:
            found = memo.get(value)
        except TypeError:  # unhashable: clean it every time
            return field_obj.clean(value)
        if found is None:
            if len(memo) > 20_000:
                memo.clear()
            try:
                found = memo[value] = (True, field_obj.clean(value))
            except ValidationError as exc:
                found = memo[value] = (False, exc)
        if found[0]:
            return found[1]
        raise found[1]

    def __call__(self, data: dict) -> tuple[dict, dict[str, list[str]]]:
        form = self.form
        form._errors = ErrorDict()
        form.cleaned_data = {}
        for name, field_obj in self.fields:
            try:
                value = data[name] if name in data else self.initial[name]
                form.cleaned_data[name] = self._clean(name, field_obj, value)
                hook = self.hooks.get(name)
                if hook is not None:
                    form.cleaned_data[name] = hook()
            except ValidationError as exc:
                form.add_error(name, exc)
        try:
            cleaned = form.clean()
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if cleaned is not None:
                form.cleaned_data = cleaned
        return dict(form.cleaned_data), {k: list(v) for k, v in form._errors.items()}


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _cell(column: Column, value) -> tuple[object, str | None]:
    """A cell as the form field expects it, or an error (what _cell_general says, with a
    shorter way for the common case: non-empty plain text)."""
    if type(value) is str:
        value = value.strip()
        if value and value[0] != "=":
            kind = column.kind
            if kind == "choice":
                mapped = column.options.get(value)
                if mapped is not None:
                    return mapped, None
            elif kind != "bool":
                return value, None  # text, date and int: the form field's clean() parses them
    return _cell_general(column, value)


def _cell_general(column: Column, value) -> tuple[object, str | None]:
    if isinstance(value, xlsx.CellError):
        return None, CELL_ERROR.format(code=value)
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("="):
            return None, FORMULA_TEXT
    if value is None or value == "":
        return ("" if column.kind != "bool" else False), None
    kind = column.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        answer = YES_NO.get(str(value).strip().lower())
        if answer is None:
            return None, "请填写“是”或“否”。"
        return answer, None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date(), None
        if isinstance(value, dt.date):
            return value, None
        if isinstance(value, int | float):
            return None, DATE_NUMBER.format(value=_show(value))
        return value, None
    if isinstance(value, float):
        if not value.is_integer():
            return (None, "数值不是整数。") if kind == "int" else (_show(value), None)
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    if kind == "choice":
        mapped = column.options.get(str(value))
        if mapped is None:
            return None, f"“{value}”不在可选项中（可选：{'、'.join(column.labels)}）。"
        return mapped, None
    return str(value), None


@dataclass
class _Context:
    """What a worker needs, set before the pool forks (inherited, never pickled)."""

    workbook: xlsx.StreamingWorkbook | None
    today: dt.date
    county_codes: frozenset[str]
    prepare: bool
    # Streaming to PostgreSQL: the recipient columns every new file shares (status, creator,
    # timestamps, defaults), from which a worker formats its rows' COPY text.
    tail_base: dict | None = None


_CTX: _Context | None = None
# Blind indexes of the last four characters, per process: only 11,000 can exist, so in a
# large file most are seen before. Keyed by the provider too (a key change starts afresh).
_TAIL4_MEMO: dict = {}
_VALIDATORS: dict[str, _Validator] = {}


def _validator(sheet: Sheet) -> _Validator:
    found = _VALIDATORS.get(sheet.key)
    if found is None:
        found = _VALIDATORS[sheet.key] = _Validator(sheet.form)
    return found


def _parse_number(raw, ctx: _Context):
    """(IdNumber, None) or (None, reason)."""
    if isinstance(raw, xlsx.CellError):
        return None, CELL_ERROR.format(code=raw)
    if isinstance(raw, float):
        return None, "身份证号码被存成了数字（科学计数法），请把该列设置为文本格式后重新填写。"
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None, "请填写身份证号码。"
    try:
        return parse_id(text, today=ctx.today, known_county=ctx.county_codes.__contains__), None
    except IdNumberError as exc:
        return None, str(exc)


_BIRTH_FIELD = forms.DateField(required=False)

# A checked row: (ok, sheet key, row number, id number or "", payload, errors, warnings)
# errors and warnings are lists of (header, value, reason).
Row = tuple[bool, str, int, str, object, list, list]


def check_row(sheet: Sheet, number: int, cells: dict[str, object], ctx: _Context) -> Row:
    """Every rule for one row that needs no database: identity number, gender and birth,
    the section form (or the list's model form) and the services' list rules."""
    problems: list[tuple[str, str, str]] = []
    warnings: list[tuple[str, str, str]] = []
    raw_id = cells.get(ID_HEADER)
    parsed, reason = _parse_number(raw_id, ctx)
    if reason:
        problems.append((ID_HEADER, _show(raw_id), reason))
    elif parsed.warnings and sheet.key == BASIC:  # once per person, on the basic row
        warnings.extend((ID_HEADER, parsed.value, w) for w in parsed.warnings)
    data: dict[str, object] = {}
    present: list[str] = []
    validator = _validator(sheet)
    for column in sheet.columns:
        if column.header not in cells:
            continue
        raw = cells[column.header]
        value, reason = _cell(column, raw)
        if reason:
            problems.append((column.header, _show(raw), reason))
            continue
        if value == "" and column.name in validator.defaulted:
            continue  # an empty cell of a field with a default (民族: 汉族) was not filled in
        data[column.name] = value
        present.append(column.name)
    number_value = parsed.value if parsed else ""
    if problems:
        return (False, sheet.key, number, number_value, None, problems, warnings)
    payload: dict = {}
    if sheet.key == BASIC:
        gender, birth = data.pop("gender", ""), data.pop("birth_date", "")
        if gender and gender != parsed.gender:
            problems.append(
                (
                    GENDER_HEADER,
                    _show(cells.get(GENDER_HEADER)),
                    errors.GENDER_MISMATCH.format(gender="男" if parsed.gender == "M" else "女"),
                )
            )
        if isinstance(birth, str) and birth:
            # A date as text (the template asks for 2020-01-31) is read as the section forms
            # read their dates; only then is it compared with the identity number's.
            try:
                birth = _BIRTH_FIELD.clean(birth)
            except ValidationError as exc:
                problems.append((BIRTH_HEADER, _show(cells.get(BIRTH_HEADER)), exc.messages[0]))
                birth = ""
        if birth and birth != parsed.birth_date:
            problems.append(
                (
                    BIRTH_HEADER,
                    _show(cells.get(BIRTH_HEADER)),
                    errors.BIRTH_MISMATCH.format(birth=parsed.birth_date.isoformat()),
                )
            )
        code = str(data.pop("household_code", "") or "")
        if not code:
            problems.append((REGION_HEADER, "", "请填写户籍所在地区划代码（12 位）。"))
        elif not (len(code) == 12 and code.isdigit()):
            problems.append((REGION_HEADER, code, "户籍所在地区划代码应为 12 位数字。"))
        payload["household_code"] = code
    cleaned, form_errors = validator(data)
    headers = _HEADER_OF[sheet.key]
    for name, messages in form_errors.items():
        header = headers.get(name, sheet.title)
        problems.extend((header, _show(cells.get(header)), m) for m in messages)
    if sheet.key == "categories" and not problems:
        try:
            services._validate_categories([_json_item(cleaned)])
        except DomainError as exc:
            header = headers["disability_grade" if "伤残" in str(exc) else "end_date"]
            problems.append((header, _show(cells.get(header)), str(exc)))
    if problems:
        return (False, sheet.key, number, number_value, None, problems, warnings)
    if sheet.is_list:
        payload = _json_item(cleaned)
    else:
        payload["fields"] = {k: cleaned[k] for k in present if k in cleaned}
    if sheet.key == BASIC:
        if ctx.prepare:
            _prepare_basic(payload, parsed, ctx.tail_base)
        else:
            payload["id_index"] = crypto_fields.id_lookup(parsed.value)
    return (True, sheet.key, number, parsed.value, payload, [], warnings)


def _prepare_basic(payload: dict, parsed, tail_base: dict | None) -> None:
    """The costly part of a new file, done here in the worker: encryption and blind indexes
    (crypto_fields), pinyin keys (naming), and the columns and audit text of the new row.
    With `tail_base` (streaming to PostgreSQL) the columns travel as COPY text: the row's
    columns that no other sheet sets (_TAIL), and its audit row's repr and changes."""
    fields_ = payload["fields"]
    id_values = crypto_fields.id_fields(parsed.value, tail4_memo=_TAIL4_MEMO)
    columns = {k: v for k, v in fields_.items() if k != "phone"}
    columns.update(id_values)
    if fields_.get("phone"):
        columns.update(crypto_fields.phone_fields(fields_["phone"]))
    columns["name_pinyin"], columns["name_initials"] = pinyin_keys(fields_.get("name", ""))
    columns["gender"], columns["birth_date"] = parsed.gender, parsed.birth_date
    payload["id_index"] = id_values["id_index"]
    text = f"{fields_.get('name', '')}（{id_values['id_masked']}）"[:200]
    changes = {
        "name": [None, fields_.get("name", "")],
        "id_number": [None, id_values["id_masked"]],
        "household_region": [None, payload["household_code"]],
    }
    if tail_base is None:
        payload["columns"], payload["repr"], payload["audit_changes"] = columns, text, changes
        return
    # tail_base: the shared columns already as text; only the row's own are formatted.
    texts = tail_base["texts"].copy()
    at = _TAIL_INDEX
    for name, value in columns.items():
        texts[at[name]] = _copy_value(value)
    payload["tail"] = "\t".join(texts)
    payload["audit"] = _copy_value(text) + "\t" + _copy_value(changes)


def _json_item(item: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()}


def _check_block(task: tuple[str, dict[str, int], str]) -> list[Row]:
    """Worker entry: parse one block of a sheet and check its rows."""
    title, header_map, block = task
    ctx = _CTX
    sheet = SHEET_BY_TITLE[title]
    out = []
    for number, values in ctx.workbook.parse_block(title, block):
        if number <= 1:
            continue
        cells = {h: (values[i] if i < len(values) else None) for h, i in header_map.items()}
        first = cells.get(ID_HEADER)  # set in all but blank rows: the full test only then
        if not (isinstance(first, str) and first.strip()) and all(
            v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()
        ):
            continue
        row = check_row(sheet, number, cells, ctx)
        if row[0] and sheet.key != BASIC:  # stored as they are: pickled here, not in main
            stored = pickle.dumps(row[4], 5)
            if sheet.is_list and ctx.tail_base is not None:  # streaming: its COPY text too
                stored = (stored, _list_text(sheet.key, row[4]))
            row = (*row[:4], stored, *row[5:])
        out.append(row)
    return out


def _init_worker() -> None:
    """Forked workers never touch the database: the parent's connection stays the
    parent's (no queries, no close — the socket is shared until the worker exits)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forms ask for today's date (timezone.localdate) on every row; with no time zone
    # activated each ask falls through asgiref's context-local lookup by way of an
    # exception, a few per cent of a worker's time. Activate the default one (a worker is
    # its own process: nothing else sees this).
    timezone.activate(timezone.get_default_timezone())


# --- the plan: pass 1 over every sheet --------------------------------------------------------


@dataclass
class Plan:
    """What an import would do, and every problem found; nothing written yet."""

    rows: int = 0
    creates: int = 0
    updates: int = 0  # drafts and returned files, updated in place
    changes: int = 0  # approved files: change requests
    error_count: int = 0
    warning_count: int = 0
    errors: list[xlsx.RowError] = field(default_factory=list)  # the first PREVIEW_ERRORS
    sheets: list[str] = field(default_factory=list)

    @property
    def valid_count(self) -> int:
        return self.creates + self.updates + self.changes


class _Spill:
    """A temporary SQLite file holding checked rows between the passes."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="junjia-import-")
        self.db = sqlite3.connect(os.path.join(self.dir, "rows.sqlite3"))
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -8000;
            CREATE TABLE person (id TEXT PRIMARY KEY, row INTEGER, rid INTEGER,
                                 status TEXT, payload BLOB, pk INTEGER, rkey INTEGER);
            CREATE TABLE sect (id TEXT, sheet TEXT, row INTEGER, payload BLOB,
                               PRIMARY KEY (id, sheet));
            CREATE TABLE item (id TEXT, sheet TEXT, row INTEGER, payload BLOB);
            CREATE INDEX item_id ON item (id);
            CREATE TABLE err (sheet_no INTEGER, sheet TEXT, row INTEGER, col TEXT, value TEXT,
                              reason TEXT, warning TEXT, id TEXT);
            CREATE TABLE bad (id TEXT PRIMARY KEY, row INTEGER);
            """
        )

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    failures = 0  # error rows recorded so far (warnings not counted)

    def error(self, title, number, header, value, reason="", warning="", id_number=""):
        if reason:
            self.failures += 1
        self.db.execute(
            "INSERT INTO err VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (SHEET_ORDER.get(title, 99), title, number, header, value, reason, warning, id_number),
        )

    def errors(self, *, limit: int | None = None, warnings: bool = True) -> Iterator[xlsx.RowError]:
        sql = "SELECT sheet, row, col, value, reason, warning FROM err"
        if not warnings:
            sql += " WHERE reason != ''"
        sql += " ORDER BY sheet_no, row, rowid"
        if limit:
            sql += f" LIMIT {int(limit)}"
        for row in self.db.execute(sql):
            yield xlsx.RowError(*row)

    def count(self, sql: str, params=()) -> int:
        return self.db.execute(sql, params).fetchone()[0]


def _county_codes() -> frozenset[str]:
    """Division codes of county level and above: the identity number's address code is
    checked against these (services.known_county, preloaded once for the whole file)."""
    from junjia.orgs.api import region_codes

    return frozenset(region_codes(Level.PROVINCE, Level.CITY, Level.COUNTY))


# Blocks in flight per worker. While the main process waits for PostgreSQL to take a block
# of new files, the workers go on with the next ones instead of idling; a block's checked
# rows take well under a megabyte, so memory stays flat.
_IN_FLIGHT = 8


def _default_workers(source: xlsx.Source) -> int:
    """Forked checking workers for a file: none for a small one; JUNJIA_IMPORT_WORKERS (a
    whole number) overrides the choice (0: check in this process)."""
    configured = getattr(settings, "JUNJIA_IMPORT_WORKERS", None)
    if configured is not None:
        return int(configured)
    if (
        xlsx.upload_size(source) < 2 * 1024 * 1024
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 0
    return max(1, min(4, os.cpu_count() or 1))


class ImportRun:
    """One pass of checks over a file (and, for a job, the write). Use as a context manager:
    the temporary row store is removed on exit."""

    def __init__(self, actor, source: xlsx.Source, *, prepare: bool, workers: int | None = None):
        require_capability(actor, "registry.edit")
        self.actor = actor
        self.juris = jurisdiction_of(actor)
        if self.juris is None:
            raise ImportRefused("您没有所属服务站，不能导入档案。")
        xlsx.check_upload(
            source, max_bytes=MAX_UPLOAD_BYTES, max_uncompressed=MAX_UNCOMPRESSED_BYTES
        )
        self.source = source  # bytes, or an open file (the job's: never read into memory)
        self.prepare = prepare
        self.workers = _default_workers(source) if workers is None else workers
        self.spill = _Spill()
        self._regions: dict[str, tuple | None] = {}
        self.plan = Plan()
        # Set by execute() on PostgreSQL: new files are written as their basic rows are
        # checked (all or nothing: only while no row has failed).
        self.writer: _Writer | None = None
        self.valid_only = True
        self._unwritten: list[tuple[int, str]] = []  # (recipient id, list) to take back out

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *exc) -> None:
        self.spill.close()

    # pass 1

    def check(self, progress: Callable | None = None) -> Plan:
        global _CTX
        with xlsx.StreamingWorkbook(
            self.source, max_uncompressed=MAX_UNCOMPRESSED_BYTES
        ) as workbook:
            titles = [s.title for s in SHEETS if s.title in workbook.sheet_names]
            if not titles:
                raise ImportRefused(NO_SHEETS)
            headers = {t: self._header_map(workbook, t) for t in titles}
            self.plan.sheets = titles
            # The one-row-per-person sections first, then 基本信息, then the lists: when a
            # block of basic rows has been checked, everything its new files need for their
            # row is known, so a streaming import writes them then, while later blocks are
            # checked.
            rank = {BASIC: 1, **dict.fromkeys(LISTS, 2)}
            titles = sorted(titles, key=lambda t: rank.get(SHEET_BY_TITLE[t].key, 0))
            tail_base = self.writer.tail_base() if self.writer else None
            _CTX = _Context(
                workbook, timezone.localdate(), _county_codes(), self.prepare, tail_base
            )
            try:
                tasks = ((t, headers[t], block) for t in titles for block in workbook.blocks(t))
                done = 0
                for rows in self._map(_check_block, tasks):
                    self._absorb(rows)
                    done += len(rows)
                    if progress:
                        progress(done)
            finally:
                _CTX = None
        self._cross_check()
        self._fill_plan()
        return self.plan

    def _header_map(self, workbook, title: str) -> dict[str, int]:
        sheet = SHEET_BY_TITLE[title]
        header = workbook.header(title)
        index = {h: i for i, h in reversed(list(enumerate(header))) if h}
        if ID_HEADER not in index:
            raise ImportRefused(
                f"工作表“{title}”的第一行缺少“{ID_HEADER}”列，请使用下载的模板。未导入任何数据。"
            )
        required = [REGION_HEADER, "姓名"] if sheet.key == BASIC else []
        missing = [h for h in required if h not in index]
        if missing:
            raise ImportRefused(
                f"工作表“{title}”缺少“{'”“'.join(missing)}”列，请使用下载的模板。未导入任何数据。"
            )
        return {h: i for h, i in index.items() if h in sheet.headers}

    def _map(self, func, tasks: Iterable) -> Iterator:
        """func over tasks in order: in this process, or over forked workers with a bounded
        number of blocks in flight (memory stays flat whatever the file's length)."""
        if not self.workers:
            for task in tasks:
                yield func(task)
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(self.workers, initializer=_init_worker) as pool:
            window: deque = deque()
            for task in tasks:
                window.append(pool.apply_async(func, (task,)))
                if len(window) >= self.workers * _IN_FLIGHT:
                    yield window.popleft().get()
            while window:
                yield window.popleft().get()

    def _absorb(self, rows: list[Row]) -> None:
        """Store one block's checked rows; database checks run here, a block at a time."""
        spill = self.spill
        basic_ok, sections_ok, items_ok = [], [], []
        for ok, key, number, id_number, payload, problems, warnings in rows:
            title = TITLE_BY_KEY[key]
            for header, value, warning in warnings:
                spill.error(title, number, header, value, "", warning, id_number)
            if not ok:
                for header, value, reason in problems:
                    spill.error(title, number, header, value, reason, "", id_number)
                if key == BASIC and id_number:
                    spill.db.execute("INSERT OR IGNORE INTO bad VALUES (?, ?)", (id_number, number))
                continue
            if key == BASIC:
                basic_ok.append((number, id_number, payload))
            elif key in LISTS:
                items_ok.append((id_number, key, number, payload))
            else:
                sections_ok.append((id_number, key, number, payload))
        self.plan.rows += len(rows)
        if sections_ok:
            self._absorb_sections(sections_ok)
        if basic_ok:
            self._absorb_basic(basic_ok)
        if items_ok:
            self._absorb_items(items_ok)

    def _absorb_sections(self, rows: list[tuple[str, str, int, bytes]]) -> None:
        """One-row sections (pickled payloads): a second row for the same person is an
        error naming the first."""
        spill = self.spill
        first: dict[tuple[str, str], int] = {}
        ids = list({r[0] for r in rows})
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for id_number, key, number in spill.db.execute(
                f"SELECT id, sheet, row FROM sect WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ):
                first[(id_number, key)] = number
        fresh = []
        for id_number, key, number, blob in rows:
            earlier = first.get((id_number, key))
            if earlier is not None:
                spill.error(
                    TITLE_BY_KEY[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"与第 {earlier} 行重复（每人一行）。",
                )
                continue
            first[(id_number, key)] = number
            fresh.append((id_number, key, number, blob))
        spill.db.executemany("INSERT INTO sect VALUES (?, ?, ?, ?)", fresh)

    def _absorb_items(self, rows: list[tuple[str, str, int, bytes | tuple]]) -> None:
        """List rows (pickled payloads). While streaming, those of files just written go to
        the database now (a later bad row of the same list takes them out again: see
        _cross_check); the row store keeps a marker for them, and the rest whole."""
        spill = self.spill
        written: dict[str, tuple[int, int]] = {}
        if self._streaming():
            ids = list({r[0] for r in rows})
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                for id_number, pk, key in spill.db.execute(
                    "SELECT id, pk, rkey FROM person WHERE pk IS NOT NULL "  # noqa: S608
                    f"AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    written[id_number] = (pk, key)
        if self.writer is not None:
            self.writer.send_later()  # the basic rows are all in: 基本信息 precedes the lists
        lines: dict[str, list[str]] = {key: [] for key in LISTS}
        stored = []
        for id_number, key, number, payload in rows:
            # (pickled item, COPY text) while streaming, else the pickled item alone
            blob, text = payload if isinstance(payload, tuple) else (payload, None)
            found = written.get(id_number)
            if found is None:
                stored.append((id_number, key, number, blob))
                continue
            pk, region_key = found
            lines[key].append(
                f"{pk}\t{region_key}\t{text}\n" if key == "categories" else f"{pk}\t{text}\n"
            )
            stored.append((id_number, key, number, None))
        if any(lines.values()):
            self.writer.send(
                [
                    (_LIST_MODELS[key], _LIST_HEAD[key] + _LIST_TAIL[key], texts)
                    for key, texts in lines.items()
                ]
            )
        spill.db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", stored)

    def _absorb_basic(self, rows: list[tuple[int, str, dict]]) -> None:
        spill, title = self.spill, SECTION_BY_KEY[BASIC].label
        seen: dict[str, int] = {}
        for start in range(0, len(rows), 900):
            ids = [r[1] for r in rows[start : start + 900]]
            seen.update(
                spill.db.execute(
                    f"SELECT id, row FROM person WHERE id IN ({','.join('?' * len(ids))})",  # noqa: S608
                    ids,
                ).fetchall()
            )
        fresh = []
        for number, id_number, payload in rows:
            if id_number in seen:
                spill.error(
                    title,
                    number,
                    ID_HEADER,
                    id_number,
                    f"与本工作表第 {seen[id_number]} 行的身份证号码重复。",
                    id_number=id_number,
                )
                continue
            seen[id_number] = number
            fresh.append((number, id_number, payload))
        self._resolve_regions({p["household_code"] for _, _, p in fresh})
        placed = []
        for number, id_number, payload in fresh:
            code = payload["household_code"]
            region = self._regions.get(code)
            reason = None
            if region is None:
                reason = f"区划代码 {code} 不存在。"
            elif region[2] < Level.TOWNSHIP:
                reason = errors.HOUSEHOLD_LEVEL
            elif not can_reach(self.actor, "registry.edit", region[1]):
                reason = errors.OUTSIDE
            if reason:
                self._bad_basic(number, id_number, REGION_HEADER, code, reason)
                continue
            payload["region"] = region
            placed.append((number, id_number, payload))
        streaming = self._streaming()
        if streaming:
            prepared = self.writer.prepare(placed, self._sections_of([p[1] for p in placed]))
        existing = self._existing([p["id_index"] for _, _, p in placed])
        keep, new = [], []
        for number, id_number, payload in placed:
            found = existing.get(payload["id_index"])
            if found is None:
                if streaming:
                    new.append((id_number, *prepared[id_number]))
                else:
                    keep.append((id_number, number, None, None, payload))
                continue
            rid, status, reason = self._existing_problem(found)
            if reason:
                self._bad_basic(number, id_number, ID_HEADER, id_number, reason)
            elif found["household_region_id"] != payload["region"][0]:
                code = payload["household_code"]
                self._bad_basic(number, id_number, REGION_HEADER, code, errors.MOVED_BY_IMPORT)
            else:
                keep.append((id_number, number, rid, status, payload))
        if new:
            spill.db.executemany(
                "INSERT INTO person VALUES (?, ?, NULL, NULL, NULL, ?, ?)", self.writer.stream(new)
            )
        spill.db.executemany(
            "INSERT INTO person VALUES (?, ?, ?, ?, ?, NULL, NULL)",
            [(i, n, r, st, pickle.dumps(p, 5)) for i, n, r, st, p in keep],
        )

    def _bad_basic(self, number: int, id_number: str, header: str, value: str, reason: str):
        self.spill.error(
            SECTION_BY_KEY[BASIC].label, number, header, value, reason, id_number=id_number
        )
        self.spill.db.execute("INSERT OR IGNORE INTO bad VALUES (?, ?)", (id_number, number))

    def _db(self) -> None:
        """Before the main process uses the connection: the writer's COPYs are done."""
        if self.writer is not None:
            self.writer.wait()

    def _streaming(self) -> bool:
        return self.writer is not None and (self.valid_only or not self.spill.failures)

    def _sections_of(self, ids: list[str]) -> dict[str, dict]:
        """The one-row sections (checked before 基本信息) of these people."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM sect WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ):
                found.setdefault(id_number, {})[key] = pickle.loads(payload)  # noqa: S301
        return found

    def _resolve_regions(self, codes: set[str]) -> None:
        from junjia.orgs.api import region_facts

        wanted = [c for c in codes if c not in self._regions]
        if wanted:
            self._db()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            for code in chunk:
                self._regions[code] = None
            for pk, code, key, level in region_facts(chunk):
                self._regions[code] = (pk, key, level, code)

    def _existing(self, indexes: list[str]) -> dict[str, dict]:
        self._db()
        found = {}
        names = ("pk", "id_index", "region_key", "status", "household_region_id")
        if connection.vendor == "postgresql" and indexes:
            # One array parameter instead of a placeholder per number: this runs for every
            # block of basic rows, and building and sending a thousand-placeholder query
            # cost more than the lookup itself.
            meta = Recipient._meta
            columns = ", ".join(
                meta.pk.column if n == "pk" else meta.get_field(n).column for n in names
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {columns} FROM {meta.db_table} WHERE "  # noqa: S608
                    f"{meta.get_field('id_index').column} = ANY(%s) AND "
                    f"{meta.get_field('status').column} <> %s",
                    [indexes, FileStatus.WITHDRAWN],
                )
                for row in cursor.fetchall():
                    found[row[1]] = dict(zip(names, row, strict=True))
        else:
            for start in range(0, len(indexes), 1000):
                chunk = indexes[start : start + 1000]
                for row in (
                    Recipient.objects.filter(id_index__in=chunk)
                    .exclude(status=FileStatus.WITHDRAWN)
                    .values(*names)
                ):
                    found[row["id_index"]] = row
        if found:
            busy = set(
                ChangeRequest.objects.filter(
                    recipient_id__in=[r["pk"] for r in found.values()], status="submitted"
                ).values_list("recipient_id", flat=True)
            )
            for row in found.values():
                row["change_submitted"] = row["pk"] in busy
        return found

    def _existing_problem(self, found: dict) -> tuple[int | None, str | None, str | None]:
        """(recipient id, status, None) when the file may be updated, else the reason."""
        if not can_reach(self.actor, "registry.edit", found["region_key"]):
            holder = Recipient.objects.select_related("household_region").get(pk=found["pk"])
            return (
                None,
                None,
                errors.DUPLICATE.format(station=services.holding_station_name(holder)),
            )
        status = found["status"]
        if status == FileStatus.SUBMITTED or (
            status == FileStatus.APPROVED and found["change_submitted"]
        ):
            return None, None, errors.NOT_EDITABLE
        return found["pk"], status, None

    def _cross_check(self) -> None:
        """Rows of the other sheets need a good basic row or an existing file."""
        if self.writer is not None:
            self.writer.send_later()
        self._db()
        db = self.spill.db
        titles = TITLE_BY_KEY
        # Rows whose person's basic row failed.
        for table in ("sect", "item"):
            for id_number, key, number, bad_row in db.execute(
                f"SELECT t.id, t.sheet, t.row, bad.row FROM {table} t JOIN bad ON bad.id = t.id"  # noqa: S608
            ).fetchall():
                self.spill.error(
                    titles[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"该身份证号码在“基本信息”第 {bad_row} 行有错误，本行未导入。",
                    id_number=id_number,
                )
            db.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM bad)")  # noqa: S608
        # Numbers only in the other sheets: they must name an existing file we may edit.
        orphans = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT id FROM (SELECT id FROM sect UNION SELECT id FROM item) "
                "WHERE id NOT IN (SELECT id FROM person)"
            )
        ]
        for start in range(0, len(orphans), 1000):
            chunk = orphans[start : start + 1000]
            lookups = {crypto_fields.id_lookup(n): n for n in chunk}
            existing = self._existing(list(lookups))
            keep = []
            for index, id_number in lookups.items():
                found = existing.get(index)
                if found is None:
                    reason = "系统中没有该身份证号码的档案，“基本信息”中也没有这一行。"
                    rid = status = None
                else:
                    rid, status, reason = self._existing_problem(found)
                if reason:
                    self._fail_person(id_number, reason)
                else:
                    keep.append((id_number, None, rid, status, None))
            db.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?, NULL, NULL)", keep)
        # A list is replaced whole: one bad row keeps the person's whole list out.
        list_keys = {TITLE_BY_KEY[k]: k for k in LISTS}
        failed = db.execute(
            "SELECT DISTINCT id, sheet FROM err WHERE reason != '' AND id != '' "
            "AND sheet IN (?, ?, ?)",
            list(list_keys),
        ).fetchall()
        for id_number, key in ((i, list_keys[t]) for i, t in failed):
            for (number,) in db.execute(
                "SELECT row FROM item WHERE id = ? AND sheet = ?", (id_number, key)
            ).fetchall():
                self.spill.error(
                    titles[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"同一人在本工作表的其他行有错误，其{titles[key]}均未导入。",
                    id_number=id_number,
                )
            db.execute("DELETE FROM item WHERE id = ? AND sheet = ?", (id_number, key))
            written = db.execute(
                "SELECT pk FROM person WHERE id = ? AND pk IS NOT NULL", (id_number,)
            ).fetchone()
            if written:  # its good rows were written while streaming: take them out
                self._unwritten.append((written[0], key))

    def _fail_person(self, id_number: str, reason: str) -> None:
        db = self.spill.db
        titles = TITLE_BY_KEY
        for table in ("sect", "item"):
            for key, number in db.execute(
                f"SELECT sheet, row FROM {table} WHERE id = ?",  # noqa: S608
                (id_number,),
            ).fetchall():
                self.spill.error(titles[key], number, ID_HEADER, id_number, reason, "", id_number)
            db.execute(f"DELETE FROM {table} WHERE id = ?", (id_number,))  # noqa: S608

    def _fill_plan(self) -> None:
        spill, plan = self.spill, self.plan
        plan.creates = spill.count("SELECT COUNT(*) FROM person WHERE rid IS NULL")
        plan.updates = spill.count(
            "SELECT COUNT(*) FROM person WHERE status IN (?, ?)",
            (FileStatus.DRAFT, FileStatus.RETURNED),
        )
        plan.changes = spill.count(
            "SELECT COUNT(*) FROM person WHERE status = ?", (FileStatus.APPROVED,)
        )
        plan.error_count = spill.count(
            "SELECT COUNT(*) FROM (SELECT DISTINCT sheet, row FROM err WHERE reason != '')"
        )
        plan.warning_count = spill.count("SELECT COUNT(*) FROM err WHERE warning != ''")
        plan.errors = list(spill.errors(limit=PREVIEW_ERRORS))

    def error_report(self, target=None):
        return xlsx.error_report(self.spill.errors(), warnings=True, target=target)

    # pass 2

    def execute(self, *, valid_only: bool, job: Job | None = None, progress=None) -> dict | None:
        """Check every row and write the good ones in one transaction. Returns the counts
        (Chinese labels), or None when a row failed and the user chose to import nothing:
        then nothing is written, and the error report is ready (error_report()).

        On PostgreSQL the new files are written while the later blocks are still being
        checked — the server's work overlaps the workers' — and the job's progress is
        written aside (jobs.Progress.detached) so that the page sees it meanwhile. On SQLite
        (one writer at a time) the check runs first, then the write."""
        self.valid_only = valid_only

        def report(done: int) -> None:
            if progress is not None:
                progress(done)

        if connection.vendor != "postgresql":
            plan = self.check(progress=report)
            if plan.error_count and not valid_only:
                return None
            return self.write(job=job)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Foreign keys checked as each COPY ends, while the workers go on,
                    # rather than all at once at the commit.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.writer = _Writer(self.actor, job)
                detached = getattr(progress, "detached", None)
                with detached() if detached else nullcontext():
                    plan = self.check(progress=report)
                if plan.error_count and not valid_only:
                    raise _NothingWritten
                return self.write(job=job)
        except _NothingWritten:
            return None
        finally:
            if self.writer is not None:
                # The helper thread is done before this returns; on this path an error was
                # already raised, and that is the one to report.
                with suppress(Exception):
                    self.writer.wait()
                self.writer.close()
            self.writer = None

    def write(self, *, job: Job | None = None) -> dict:
        """Write every good row not yet written, in one transaction (the caller's, when
        streaming); returns counts (Chinese labels)."""
        writer = self.writer or _Writer(self.actor, job)
        self._db()
        # Progress is not written inside the transaction: nobody else could see it.
        with transaction.atomic():
            for pk, key in self._unwritten:
                _LIST_MODELS[key].objects.filter(recipient_id=pk).delete()
            for chunk in self._people("rid IS NULL AND pk IS NULL AND payload IS NOT NULL", 2000):
                if self.writer is not None:
                    raise RuntimeError("a new file was left unwritten by the streaming import")
                writer.create(chunk)
            for chunk in self._people("rid IS NOT NULL", 200):
                writer.update(chunk)
            writer.flush_audit()
        return {
            "新建档案（草稿）": writer.created,
            "更新草稿": writer.updated,
            "生成变更申请": writer.changed,
            "无变化": writer.unchanged,
            "错误行": self.plan.error_count,
            "警告": self.plan.warning_count,
        }

    def _people(self, where: str, size: int) -> Iterator[list[tuple]]:
        """People in file order with their sections and lists, `size` at a time."""
        db = self.spill.db
        cursor = db.execute(
            f"SELECT id, row, rid, status, payload FROM person WHERE {where} "  # noqa: S608
            "ORDER BY row IS NULL, row, id"
        )
        while batch := cursor.fetchmany(size):
            ids = [b[0] for b in batch]
            marks = ",".join("?" * len(ids))
            sections: dict[str, dict] = {}
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM sect WHERE id IN ({marks})",  # noqa: S608
                ids,
            ):
                sections.setdefault(id_number, {})[key] = pickle.loads(payload)  # noqa: S301
            lists: dict[str, dict] = {}
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM item WHERE id IN ({marks}) "  # noqa: S608
                "AND payload IS NOT NULL ORDER BY row",
                ids,
            ):
                lists.setdefault(id_number, {}).setdefault(key, []).append(
                    pickle.loads(payload)  # noqa: S301
                )
            yield [
                (
                    id_number,
                    row,
                    rid,
                    status,
                    pickle.loads(payload) if payload else None,  # noqa: S301
                    sections.get(id_number, {}),
                    lists.get(id_number, {}),
                )
                for id_number, row, rid, status, payload in batch
            ]


# --- pass 2: writing ---------------------------------------------------------------------------


def _values(section_key: str, fields_: dict) -> tuple[dict, dict]:
    """A section's cleaned values split into Recipient columns and JSON details."""
    section = SECTION_BY_KEY[section_key]
    columns, details = {}, {}
    for name, value in fields_.items():
        if name in section.columns:
            columns[name] = value
        else:
            details[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return columns, details


class _Writer:
    """Bulk writes for one import job, inside the caller's transaction."""

    def __init__(self, actor, job: Job | None):
        self.actor = actor
        self.job = job
        self.now = timezone.now()
        self.station_name = actor.station.name if actor.station_id else ""
        self.pg = connection.vendor == "postgresql"
        self.created = self.updated = self.changed = self.unchanged = 0
        self.audit: list[dict] = []
        self.job_ref = str(job.pk) if job else ""
        # The shared part of every audit row (who, when, from where): built by audit.build;
        # each file then adds its own object, subject and changes.
        template = audit.build(
            actor=actor, action=AuditAction.IMPORT, object_type="registry.recipient"
        )
        self.audit_base = {f.attname: getattr(template, f.attname) for f in _AUDIT_FIELDS}
        self.audit_extra = template.extra
        self.recipient_base = _recipient_defaults()
        base = self.recipient_base
        for name, value in (
            ("status", FileStatus.DRAFT),
            ("created_by_id", actor.pk),
            ("responsible_clerk_id", actor.pk),
            ("created_at", self.now),
            ("updated_at", self.now),
        ):
            base[_RECIPIENT_INDEX[name]] = value
        # The shared parts of the streamed rows, as COPY text (see stream()).
        self.head_texts = [_copy_value(base[_RECIPIENT_INDEX[n]]) for n in _HEAD]
        self.step_text = "\t".join(_copy_value(v) for v in self._step()[1:])
        self.audit_rest = [n for n in self.audit_base if n not in _AUDIT_HEAD]
        self.audit_text = "\t".join(_copy_value(self.audit_base[n]) for n in self.audit_rest)
        extra = _JSON_TEXT({**self.audit_extra, "job": self.job_ref, "row": 0})
        self.audit_extra_text = _copy_value(extra[: extra.rindex("0}")])
        self._sending: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._ids: list[int] = []
        self._later: tuple | None = None  # (steps, audit rows) as COPY text files

    def _step(self) -> list:
        """A new file's review step (its recipient id first)."""
        note = f"导入任务 {self.job_ref}" if self.job else ""
        step = [None, None, "Excel导入建档", "", FileStatus.DRAFT, None, self.actor.pk]
        return [*step, self.station_name, self.now, note]

    # new files, streamed (PostgreSQL): rows formatted as COPY text

    def tail_base(self) -> dict:
        """The _TAIL columns of a new file before its basic row fills them, as COPY text
        (for the workers: see _prepare_basic)."""
        return {"texts": [_copy_value(self.recipient_base[_RECIPIENT_INDEX[n]]) for n in _TAIL]}

    def prepare(self, people: list[tuple], sections: dict[str, dict]) -> dict[str, tuple]:
        """The COPY text of new files whose basic rows were just checked — recipient row,
        review step, audit row — made before it is known which of them already have a file
        (that needs the database, which may still be taking the previous block). `people`
        are (row, id, payload) with the worker's text in the payload; `sections` the other
        one-row sheets by id. Returns {id: (row, recipient id, region key, texts)}."""
        pks = self._take_ids(len(people))
        prepared = {}
        for pk, (number, id_number, payload) in zip(pks, people, strict=True):
            region_pk, key = payload["region"][:2]
            head = self.head_texts.copy()  # the defaults, already as text
            head[0], head[1], head[2] = str(pk), str(region_pk), str(key)
            details = {}
            for section_key, part in sections.get(id_number, {}).items():
                columns, extra = _values(section_key, part["fields"])
                for name, value in columns.items():
                    head[_HEAD_INDEX[name]] = _copy_value(value)
                if extra:
                    details[section_key] = extra
            if details:
                head[-1] = _copy_value(details)
            texts = (
                "\t".join(head) + "\t" + payload["tail"] + "\n",
                f"{pk}\t{self.step_text}\n",
                f"{pk}\trecipient:{pk}\t{key}\t{self.audit_extra_text}{number}}}\t"
                f"{payload['audit']}\t{self.audit_text}\n",
            )
            prepared[id_number] = (number, pk, key, texts)
        return prepared

    def stream(self, prepared: list[tuple]) -> list[tuple]:
        """Send prepared new files (see prepare()) to the database; returns (id, row,
        recipient id, region key) for the row store."""
        if not prepared:
            return []
        records, steps, audits = zip(*(p[4] for p in prepared), strict=True)
        self.send([(Recipient, _HEAD + _TAIL, records)])
        # Review steps and audit rows wait in files until the basic rows are all sent: while
        # those stream in, PostgreSQL is the busy one; after them it has time to spare.
        if self._later is None:
            self._later = (_text_file(), _text_file())
        self._later[0].writelines(steps)
        self._later[1].writelines(audits)
        self.created += len(prepared)
        return [p[:4] for p in prepared]

    def send_later(self) -> None:
        """Send the review steps and audit rows held back by stream()."""
        if self._later is None:
            return
        steps, audits = self._later
        self._later = None
        self.send(
            [
                (ReviewStep, _STEP_FIELDS, steps),
                (AuditEntry, _AUDIT_HEAD + self.audit_rest, audits),
            ]
        )

    def close(self) -> None:
        for handle in self._later or ():
            handle.close()
        self._later = None

    # The COPYs run in a helper thread on this connection (the same transaction), so that
    # the main process prepares the next block while PostgreSQL takes this one. Anything
    # else that uses the connection calls wait() first (psycopg would make it wait anyway:
    # a connection serves one thread at a time).

    def send(self, copies: list[tuple]) -> None:
        self.wait()
        raw = connection.connection  # this thread's psycopg connection, in the transaction

        def run() -> None:
            try:
                for model, names, lines in copies:
                    _copy_text(model, names, lines, raw=raw)
            except BaseException as exc:  # re-raised in the main thread by wait()
                self._failure = exc
            finally:
                for _, _, lines in copies:
                    if hasattr(lines, "close"):
                        lines.close()

        self._sending = threading.Thread(target=run, name="registry-import-copy", daemon=True)
        self._sending.start()

    def wait(self) -> None:
        """Until the COPYs sent so far are done; raises their error, if any."""
        if self._sending is not None:
            self._sending.join()
            self._sending = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _take_ids(self, n: int) -> list[int]:
        """Recipient ids from the table's sequence, drawn 10,000 at a time (an id given to
        a row that turns out to have a file already is simply never used)."""
        if len(self._ids) < n:
            self.wait()
            self._ids.extend(_next_ids(max(n, 10_000)))
        taken = self._ids[:n]
        del self._ids[:n]
        return taken

    # new files

    def create(self, people: list[tuple]) -> None:
        index = _RECIPIENT_INDEX
        rows, kept = [], []
        for person in people:
            basic, sections = person[4], person[5]
            if basic is None:  # only in other sheets but no file: filtered out in pass 1
                continue
            row = self.recipient_base.copy()
            region_pk, region_key, _, _ = basic["region"]
            row[index["household_region_id"]] = region_pk
            row[index["region_key"]] = region_key
            for name, value in basic["columns"].items():
                row[index[name]] = value
            details = {}
            for key, payload in sections.items():
                columns, extra = _values(key, payload["fields"])
                for name, value in columns.items():
                    row[index[name]] = value
                if extra:
                    details[key] = extra
            row[index["sections"]] = details
            rows.append(row)
            kept.append(person)
        ids = self._insert_recipients(rows)
        steps, memberships, honours, family = [], [], [], []
        step = self._step()
        region_at = index["region_key"]
        for pk, row, person in zip(ids, rows, kept, strict=True):
            number, basic, items = person[1], person[4], person[6]
            key = row[region_at]
            steps.append([pk, *step[1:]])
            for item in items.get("categories", ()):
                memberships.append(_list_row(CategoryMembership, pk, item, region_key=key))
            for item in items.get("honours", ()):
                honours.append(_list_row(Honour, pk, item))
            for item in items.get("family", ()):
                family.append(_list_row(FamilyMember, pk, item))
            self.audit.append(
                {
                    **self.audit_base,
                    "object_id": str(pk),
                    "object_repr": basic["repr"],
                    "subject_id": f"recipient:{pk}",
                    "region_key": key,
                    "changes": basic["audit_changes"],
                    "extra": {**self.audit_extra, "job": self.job_ref, "row": number},
                }
            )
        _insert(ReviewStep, _STEP_FIELDS, steps, self.pg)
        _insert_dicts(CategoryMembership, memberships, self.pg)
        _insert_dicts(Honour, honours, self.pg)
        _insert_dicts(FamilyMember, family, self.pg)
        self.created += len(ids)
        if len(self.audit) >= 5000:
            self.flush_audit()

    def _insert_recipients(self, rows: list[list]) -> list[int]:
        if not rows:
            return []
        if self.pg:
            ids = _next_ids(len(rows))
            at = _RECIPIENT_INDEX["id"]
            for pk, row in zip(ids, rows, strict=True):
                row[at] = pk
            _copy(Recipient, _RECIPIENT_NAMES, rows)
            return ids
        objects = [Recipient(**dict(zip(_RECIPIENT_NAMES, row, strict=True))) for row in rows]
        Recipient.objects.bulk_create(objects, batch_size=500)
        return [o.pk for o in objects]

    def flush_audit(self) -> None:
        """One audit row per file, written in bulk (COPY on PostgreSQL, record_many else)."""
        if not self.audit:
            return
        if self.pg:
            names = [f.attname for f in _AUDIT_FIELDS]
            _copy(AuditEntry, names, [[e[n] for n in names] for e in self.audit])
        else:
            audit.record_many([AuditEntry(**e) for e in self.audit])
        self.audit = []

    # existing files: the services' own path (draft in place, approved → change request)

    def update(self, people: list[tuple]) -> None:
        pks = [p[2] for p in people]
        locked = {
            r.pk: r
            for r in Recipient.objects.select_for_update()
            .filter(pk__in=pks)
            .prefetch_related("honours", "family")
        }
        for _, number, rid, _, basic, sections, items in people:
            recipient = locked[rid]
            change = services._open_change(recipient)
            base = change.proposed if change is not None else snapshots.take(recipient)
            merged = self._merge(recipient, base, basic, sections, items)
            if not snapshots.diff(base, merged) and _same_lists(base, merged):
                self.unchanged += 1
                continue
            target = services._editable_target(self.actor, recipient)
            extra = {"job": self.job_ref, "row": number}
            if target is not None:  # approved: the change request carries the new version
                target.proposed = merged
                target.save(update_fields=["proposed", "updated_at"])
                self.changed += 1
                extra["change_request"] = target.pk
                changes = {f"{s}·{f}": [a, b] for s, f, a, b in snapshots.diff(base, merged)}
            else:
                before = base
                changed = snapshots.apply(recipient, merged)
                recipient._prefetched_objects_cache = {}  # the lists were just replaced
                if "name" in changed:
                    recipient.name_pinyin, recipient.name_initials = pinyin_keys(recipient.name)
                    changed += ["name_pinyin", "name_initials"]
                if changed:
                    recipient.save(update_fields=[*changed, "updated_at"])
                self.updated += 1
                after = snapshots.take(recipient)
                changes = {f"{s}·{f}": [a, b] for s, f, a, b in snapshots.diff(before, after)}
            entry = audit.build(
                actor=self.actor,
                action=AuditAction.IMPORT,
                obj=recipient,
                subject_id=f"recipient:{recipient.pk}",
                changes=changes,
                extra=extra,
            )
            self.audit.append({f.attname: getattr(entry, f.attname) for f in _AUDIT_FIELDS})

    def _merge(self, recipient, base: dict, basic, sections: dict, items: dict) -> dict:
        merged = {**base, "sections": {k: dict(v) for k, v in base["sections"].items()}}
        parts = dict(sections)
        if basic is not None:
            parts[BASIC] = basic
        for key, payload in parts.items():
            section = SECTION_BY_KEY[key]
            merged["sections"][key].update(
                services._section_payload(section, payload["fields"], recipient)
            )
            phone = merged["sections"][key].get("phone")
            if isinstance(phone, dict) and phone.get("enc") == recipient.phone_enc:
                merged["sections"][key]["phone"] = base["sections"][key]["phone"]
        for key in LISTS:
            if key in items:
                merged[key] = [dict(i) for i in items[key]]
        return merged


def _same_lists(before: dict, after: dict) -> bool:
    def norm(rows):
        return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)

    return all(norm(before.get(k, [])) == norm(after.get(k, [])) for k in LISTS)


def _list_row(model, recipient_id: int, item: dict, **extra) -> dict:
    row = {"recipient_id": recipient_id, **extra}
    for name, value in item.items():
        model_field = model._meta.get_field(name)
        if value and model_field.get_internal_type() == "DateField":
            value = dt.date.fromisoformat(value)
        if value in (None, "") and not model_field.null:
            value = model_field.get_default()
        elif value == "" and model_field.null:
            value = None
        row[model_field.attname] = value
    return row


def _defaults(model) -> dict[str, object]:
    """What an unset column holds: the field's default, NULL, or the empty string."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.has_default():
            values[f.attname] = f.get_default()
        elif f.null:
            values[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField", "FileField", "ImageField"):
            values[f.attname] = ""
        else:
            values[f.attname] = None
    return values


_RECIPIENT_NAMES = [f.attname for f in Recipient._meta.concrete_fields]
_RECIPIENT_INDEX = {n: i for i, n in enumerate(_RECIPIENT_NAMES)}
_AUDIT_FIELDS = [f for f in AuditEntry._meta.concrete_fields if f.attname != "id"]
# The columns of a new file's review step, in the order _Writer._step() builds them (named,
# not read off the model: the shared step shape puts its fields in another order).
_STEP_FIELDS = [
    "recipient_id",
    "change_id",
    "action",
    "from_status",
    "to_status",
    "level",
    "actor_id",
    "station_name",
    "at",
    "remark",
]
_LIST_MODELS = {"categories": CategoryMembership, "honours": Honour, "family": FamilyMember}
# Streamed list rows: main writes the head (the file's id; for categories its region too), a
# worker formats the tail from the row (_list_text).
_LIST_HEAD = {k: ["recipient_id", *(["region_key"] if k == "categories" else [])] for k in LISTS}
_LIST_DEFAULTS = {k: _defaults(m) for k, m in _LIST_MODELS.items()}
_LIST_TAIL = {
    k: [n for n in _LIST_DEFAULTS[k] if n != "id" and n not in _LIST_HEAD[k]] for k in LISTS
}


def _list_text(key: str, item: dict) -> str:
    values = _list_row(_LIST_MODELS[key], 0, item)
    defaults = _LIST_DEFAULTS[key]
    return "\t".join([_copy_value(values.get(n, defaults[n])) for n in _LIST_TAIL[key]])


# A streamed recipient row is COPY text in two parts: the head, which main fills (id, region,
# what the other one-row sheets set, their JSON details), and the tail, which a worker formats
# from the basic row. _HEAD holds every column a section other than 基本信息 stores.
_HEAD = (
    "id",
    "household_region_id",
    "region_key",
    *sorted({c for s in SECTIONS if s.key != BASIC for c in s.columns}),
    "sections",
)
_HEAD_INDEX = {n: i for i, n in enumerate(_HEAD)}
_TAIL = tuple(n for n in _RECIPIENT_NAMES if n not in _HEAD_INDEX)
_TAIL_INDEX = {n: i for i, n in enumerate(_TAIL)}
if set(SECTION_BY_KEY[BASIC].columns) & set(_HEAD):  # pragma: no cover - import time
    raise ImproperlyConfigured("a 基本信息 column is also set by another section")
_AUDIT_HEAD = ["object_id", "subject_id", "region_key", "extra", "object_repr", "changes"]

_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, default=str).encode
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format (what psycopg's write_row sends)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):  # dates, and aware datetimes with their offset
        return value.isoformat()
    if isinstance(value, dict | list):
        return _copy_value(_JSON_TEXT(value))
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _copy_text(model, names, lines, *, raw=None) -> None:
    """COPY rows already in text format (one string per row). `raw`: a psycopg connection
    to use directly (from the writer's helper thread), else Django's."""
    if not lines:
        return
    from psycopg import sql

    columns = [model._meta.get_field(n).column for n in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with (raw or connection).cursor() as cursor, cursor.copy(statement) as copy:
        if hasattr(lines, "read"):  # a text file (_text_file), sent a megabyte at a time
            lines.seek(0)
            while chunk := lines.read(1 << 20):
                copy.write(chunk)
        else:
            copy.write("".join(lines))


def _text_file():
    """A temporary file for COPY text (on disk: memory stays flat however many rows)."""
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


def _next_ids(n: int) -> list[int]:
    """n new recipient ids from the table's sequence (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Recipient._meta.db_table, n],
        )
        return [r[0] for r in cursor.fetchall()]


def _recipient_defaults() -> list:
    defaults = _defaults(Recipient)
    return [defaults[n] for n in _RECIPIENT_NAMES]


def _insert_dicts(model, rows: list[dict], pg: bool) -> None:
    if not rows:
        return
    defaults = _defaults(model)
    names = [n for n in defaults if n != "id"]
    _insert(model, names, [[r.get(n, defaults[n]) for n in names] for r in rows], pg)


def _insert(model, names: list[str], rows: list[list], pg: bool) -> None:
    if not rows:
        return
    if pg:
        _copy(model, names, rows)
    else:
        model.objects.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500
        )


def _copy(model, names: list[str], rows: list[list]) -> None:
    """PostgreSQL COPY of rows (values in `names` order) into the model's table. JSON
    columns are sent as their text: COPY's text format lets the server parse them."""
    import json

    from psycopg import sql

    columns = [model._meta.get_field(n).column for n in names]
    json_at = [
        i
        for i, n in enumerate(names)
        if model._meta.get_field(n).get_internal_type() == "JSONField"
    ]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        write = copy.write_row
        for row in rows:
            for i in json_at:
                if not isinstance(row[i], str):
                    row[i] = dumps(row[i])
            write(row)


# --- entry points ----------------------------------------------------------------------------


def plan_import(actor, source: xlsx.Source, *, workers: int | None = None) -> tuple[Plan, bytes]:
    """Check every row without writing; returns the plan and the full report (.xlsx)."""
    with ImportRun(actor, source, prepare=False, workers=workers) as run:
        plan = run.check()
        return plan, run.error_report()


def start_import(*, actor, source: xlsx.Source, filename: str, valid_only: bool) -> Job:
    """Queue the import as a job; the file travels with the job row."""
    require_capability(actor, "registry.edit")
    juris = jurisdiction_of(actor)
    with transaction.atomic():
        job = jobs.job_start(
            actor=actor,
            kind=JOB_KIND,
            title=f"导入服务对象档案：{filename}"[:200],
            region_key=juris.low,
            params={"valid_only": valid_only, "filename": filename[:200]},
        )
        content = ContentFile(source) if isinstance(source, bytes) else File(source)
        job.result_file.save(f"registry-import-{job.pk}.xlsx", content, save=True)
    return job


@jobs.register(JOB_KIND)
def run_import(job: Job, progress, workers: int | None = None) -> dict:
    actor = job.started_by
    # The upload is read from an unnamed temporary copy (gone with this process, whatever
    # happens) and not kept in storage; it is never held in memory whole.
    upload = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    with job.result_file.open("rb") as handle:
        shutil.copyfileobj(handle, upload, 1 << 20)
    job.result_file.delete(save=True)
    progress(0, 0, "正在逐行校验并写入……")
    with upload, ImportRun(actor, upload, prepare=True, workers=workers) as run:
        result = run.execute(
            valid_only=bool(job.params.get("valid_only")), job=job, progress=progress
        )
        plan = run.plan
        if result is None:
            _save_report(job, run)
            raise ImportRefused(
                f"有 {plan.error_count} 行错误，按您的选择未导入任何数据。请下载错误报告，"
                "修改后重新上传。"
            )
        if plan.error_count or plan.warning_count:
            _save_report(job, run)
        done = "导入完成。" + ("错误行和警告见结果文件（错误报告）。" if plan.error_count else "")
        progress(plan.valid_count, plan.valid_count, done)
    # Seal the new audit rows into the hash chain now, not at the next periodic run.
    audit.seal_pending()
    return result


def _save_report(job: Job, run: ImportRun) -> None:
    with tempfile.TemporaryFile() as handle:
        run.error_report(target=handle)
        handle.seek(0)
        job.result_file.save(f"registry-import-report-{job.pk}.xlsx", File(handle), save=True)


__all__ = [
    "INSTRUCTIONS",
    "SHEETS",
    "ImportRefused",
    "ImportRun",
    "Plan",
    "plan_import",
    "quick_check",
    "run_import",
    "start_import",
    "template_bytes",
]


def quick_check(actor, source: xlsx.Source) -> Plan:
    """For files too large to check within a page request: refuse what is not a readable
    template (size, encryption, zip bombs, missing sheets or columns); rows are checked by
    the job."""
    with (
        ImportRun(actor, source, prepare=False, workers=0) as run,
        xlsx.StreamingWorkbook(source, max_uncompressed=MAX_UNCOMPRESSED_BYTES) as workbook,
    ):
        titles = [s.title for s in SHEETS if s.title in workbook.sheet_names]
        if not titles:
            raise ImportRefused(NO_SHEETS)
        for title in titles:
            run._header_map(workbook, title)
        return Plan(sheets=titles)

"""The row rules: each cell read as its column expects, each row checked by its section's form
and the services' rules (pure: runs in worker processes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.forms.utils import ErrorDict

from junjia.core import xlsx
from junjia.core.errors import DomainError
from junjia.core.personal import IdNumberError
from junjia.core.personal import parse_id_number as parse_id
from junjia.core.text import refuse_hidden

from .. import errors, services
from ..models import RECIPIENT_ID
from .template import (
    _HEADER_OF,
    BASIC,
    BIRTH_HEADER,
    GENDER_HEADER,
    ID_HEADER,
    REGION_HEADER,
    Column,
    Sheet,
)
from .write import _prepare_basic

FORMULA_TEXT = "不接受公式或以“=”开头的内容，请填写数值或文字。"
CELL_ERROR = "单元格为错误值 {code}（公式或粘贴出错后留下的），请填写实际的内容。"
DATE_NUMBER = (
    "单元格中是数字 {value}，不是日期（单元格未设置为日期格式）。请填写为 2020-01-31 这样的"
    "日期，或把单元格设置为日期或文本格式后重新填写。"
)
YES_NO = {"是": True, "否": False, "": False, "true": True, "false": False, "1": True, "0": False}


# --- checking one row (pure: runs in worker processes) ---------------------------------------


_PURE_FIELDS = (forms.ChoiceField, forms.BooleanField, forms.DateField, forms.IntegerField)
_PLAIN_TEXT_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator)


def _plain_validator(validator) -> bool:
    return isinstance(validator, _PLAIN_TEXT_VALIDATORS) or validator is refuse_hidden


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
        # a length limit and no NUL or other hidden character (core/text.py): a non-empty,
        # already stripped, printable value within the limit is what clean() would return —
        # every hidden character is unprintable (Unicode Cc or Cf), so str.isprintable()
        # screens for all of them at C speed. Anything else goes through clean() itself.
        self.plain_text = {
            name: f.max_length or 1 << 30
            for name, f in self.fields
            if type(f) is forms.CharField
            and f.strip
            and f.min_length is None
            and all(_plain_validator(v) for v in f.validators)
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
                and value.isprintable()
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
            payload["id_index"] = RECIPIENT_ID.lookup(parsed.value)
    return (True, sheet.key, number, parsed.value, payload, [], warnings)


def _json_item(item: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()}

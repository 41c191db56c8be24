"""Characters no text field accepts: C0 control characters (tab, line feed and carriage return
excepted), and the invisible ones that reorder or hide text — direction overrides and
isolates, zero-width characters, the byte-order mark. A name holding one cannot be searched
for, prints differently from how it reads, and an Excel file cannot hold it at all.

One rule for every way text comes in: page forms (`GuardedFormMixin`, which every form of the
project uses), the API (the request parsers in `junjia.core.parsers`) and the Excel import
(its row rules call `hidden_in`). The Excel writer drops the same characters from what it
writes (`core.xlsx.neutralise`), so a value stored before this rule cannot break an export.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)

MESSAGE = (
    "含有不可见的控制字符或方向控制字符（常见于从网页或其他系统复制的文字），请删除后重新输入。"
)
FIELD_MESSAGE = "“{label}”" + MESSAGE


def hidden_in(value: str) -> bool:
    return HIDDEN.search(value) is not None


def strip_hidden(value: str) -> str:
    return HIDDEN.sub("", value)


def refuse_hidden(value) -> None:
    """A validator for any text field."""
    if isinstance(value, str) and hidden_in(value):
        raise ValidationError(MESSAGE, code="hidden_characters")


def first_hidden(data, path: str = "") -> str | None:
    """The path of the first string in a parsed body (dicts, lists, strings) that holds a
    hidden character, such as "name" or "items.2.remark"; None when there is none."""
    if isinstance(data, str):
        return path or "detail" if hidden_in(data) else None
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        if isinstance(key, str) and hidden_in(key):
            return path or "detail"
        found = first_hidden(value, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


class GuardedFormMixin:
    """Every text field of the form refuses hidden characters, with the message under the
    field. Forms of every app inherit it through `GuardedForm` / `GuardedModelForm` (a test
    checks that no form of the project is built without it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and refuse_hidden not in field.validators:
                field.validators.append(refuse_hidden)


class GuardedForm(GuardedFormMixin, forms.Form):
    pass


class GuardedModelForm(GuardedFormMixin, forms.ModelForm):
    pass

"""The import template: its sheets and columns (read off the section forms), instructions."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from junjia.core import xlsx

from .. import snapshots
from ..models import CategoryMembership, FamilyMember, Honour
from ..sections import SECTIONS

ID_HEADER = "身份证号码"
REGION_HEADER = "户籍所在地区划代码"
GENDER_HEADER = "性别"
BIRTH_HEADER = "出生日期"
BASIC = "basic"
LISTS = ("categories", "honours", "family")


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

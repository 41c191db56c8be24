"""Forms of the registry pages. They check input; services in services.py do the writing."""

import datetime as dt

from django import forms

from junjia.core import clock
from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.text import GuardedForm

from . import errors
from .choices import (
    DISABILITY_CATEGORIES,
    Category,
    DisabilityCause,
    DisabilityGrade,
    DocumentKind,
    MeritKind,
    Relationship,
)
from .sections import SECTION_BY_KEY
from .views.reads import household_regions, region_by_code, region_label

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REGION_REQUIRED = "请选择户籍所在地（乡镇或村）。"
REGION_UNKNOWN = "区划代码 {code} 不存在，或不在您的辖区内。"


def _date(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=ISO_DATE)


class RegionChoiceMixin:
    """A township-or-village field: a select of the jurisdiction's regions when they are few,
    a division-code box when they are many (a city or a province)."""

    region_field = "household"
    region_field_label = "户籍所在地"

    def setup_region(self, actor, initial_code: str = "") -> None:
        self._actor = actor
        regions = household_regions(actor)
        if regions is None:
            field = forms.CharField(
                label=f"{self.region_field_label}（区划代码）",
                max_length=12,
                help_text="12 位统计用区划代码：乡镇为前 9 位加 000，村（社区）为 12 位。",
                error_messages={"required": REGION_REQUIRED},
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            )
        else:
            choices = [("", "请选择")] + [(r.code, region_label(r)) for r in regions]
            field = forms.ChoiceField(
                label=self.region_field_label,
                choices=choices,
                error_messages={
                    "required": REGION_REQUIRED,
                    "invalid_choice": "所选区划不在您的辖区内。",
                },
            )
            if len(regions) == 1 and not initial_code:
                initial_code = regions[0].code
        field.initial = initial_code or None
        self.fields[self.region_field] = field

    def clean_region_value(self, code: str):
        code = (code or "").strip()
        region = region_by_code(self._actor, code)
        if region is None:
            raise forms.ValidationError(REGION_UNKNOWN.format(code=code))
        return region


class RecipientCreateForm(RegionChoiceMixin, GuardedForm):
    """新建档案: the household region, identity number, name and mobile phone."""

    id_number = IdNumberField(
        label="公民身份号码",
        help_text="18 位（旧版 15 位自动转换）；性别和出生日期由号码得出。",
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    phone = MobileField(required=False)

    field_order = ["household", "id_number", "name", "phone"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_region(actor)
        self.order_fields(self.field_order)

    def clean_household(self):
        return self.clean_region_value(self.cleaned_data["household"])

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写姓名。")
        return name


class TransferRequestForm(RegionChoiceMixin, GuardedForm):
    """档案转移申请 by the receiving side: whose file (by number), where to, why."""

    region_field = "to_region"
    region_field_label = "迁入地"

    id_number = IdNumberField(label="公民身份号码")
    reason = forms.CharField(
        label="迁移原因",
        max_length=200,
        error_messages={"required": "请填写迁移原因。"},
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：户籍迁入本村（附户口本迁移页）。",
    )

    field_order = ["id_number", "to_region", "reason"]

    def __init__(self, *args, actor, initial_region: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_region(actor, initial_region)
        self.order_fields(self.field_order)

    def clean_to_region(self):
        return self.clean_region_value(self.cleaned_data["to_region"])


class TransferDecideForm(GuardedForm):
    decision = forms.ChoiceField(
        label="审批", choices=[("approve", "同意转移"), ("reject", "不同意")]
    )
    remark = forms.CharField(label="审批意见", max_length=200, required=False)


class ReasonForm(GuardedForm):
    """退回 with the reason the clerk will read."""

    reason = forms.CharField(
        label="退回原因",
        max_length=500,
        error_messages={"required": errors.REASON_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RemarkForm(GuardedForm):
    remark = forms.CharField(label="审核意见（可不填）", max_length=500, required=False)


class ChangeSubmitForm(GuardedForm):
    reason = forms.CharField(label="变更原因", max_length=200, required=False)


class DeceasedForm(GuardedForm):
    death_date = forms.DateField(
        label="去世日期", widget=ISO_DATE, error_messages={"required": "请填写去世日期。"}
    )


class DocumentUploadForm(GuardedForm):
    kind = forms.ChoiceField(label="材料名称", choices=DocumentKind.choices)
    file = forms.FileField(
        label="文件（PDF、JPG、PNG，10 MB 以内）",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class LedgerForm(GuardedForm):
    name = forms.CharField(
        label="台账名称",
        max_length=100,
        error_messages={"required": "请填写台账名称。"},
        help_text="如：70 岁以上参战参试人员。台账保存的是筛选条件，打开时按最新数据查询。",
    )


# --- sections and lists of the file --------------------------------------------------------


def section_form_class(key: str) -> type[forms.Form]:
    """The section's own form; the basic one gets a 'clear phone' box, because its phone
    field starts empty (the page never puts a full number into a form)."""
    section = SECTION_BY_KEY[key]
    if key != "basic":
        return section.form

    class BasicEditForm(section.form):
        clear_phone = forms.BooleanField(label="清除手机号码", required=False)

        def __init__(self, *args, masked_phone: str = "", **kwargs):
            super().__init__(*args, **kwargs)
            phone = self.fields["phone"]  # a MobileField: a tel box, no autocomplete
            if masked_phone:
                phone.widget.attrs["placeholder"] = masked_phone
                phone.help_text = f"当前号码 {masked_phone}；不修改请留空。"
            else:
                phone.help_text = "不修改请留空。"
            order = list(self.fields)
            order.remove("clear_phone")
            order.insert(order.index("phone") + 1, "clear_phone")
            self.order_fields(order)

    return BasicEditForm


def section_payload(key: str, cleaned: dict) -> dict:
    """cleaned data → what recipient_update_section takes. An empty phone box keeps the
    number; 'clear' removes it."""
    data = dict(cleaned)
    if key == "basic":
        clear = data.pop("clear_phone", False)
        if clear:
            data["phone"] = ""
        elif not data.get("phone"):
            data.pop("phone", None)
    return data


def _blank(label: str, choices) -> list:
    return [("", label), *choices]


class CategoryRowForm(GuardedForm):
    category = forms.ChoiceField(label="类别", choices=_blank("请选择", Category.choices))
    start_date = _date("起始日期")
    end_date = _date("终止日期")
    disability_grade = forms.TypedChoiceField(
        label="伤残等级",
        choices=_blank("—", DisabilityGrade.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    disability_cause = forms.ChoiceField(
        label="伤残性质", choices=_blank("—", DisabilityCause.choices), required=False
    )

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category in DISABILITY_CATEGORIES and not (
            data.get("disability_grade") and data.get("disability_cause")
        ):
            raise forms.ValidationError(errors.DISABILITY_NEEDS_GRADE)
        if category and category not in DISABILITY_CATEGORIES:
            data["disability_grade"], data["disability_cause"] = None, ""
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", errors.END_BEFORE_START)
        return data


class HonourRowForm(GuardedForm):
    kind = forms.ChoiceField(label="立功受奖", choices=_blank("请选择", MeritKind.choices))
    title = forms.CharField(label="名称/称号", max_length=100, required=False)
    awarded_on = _date("时间")

    def clean_awarded_on(self):
        value = self.cleaned_data["awarded_on"]
        if value and value > clock.today():
            raise forms.ValidationError("时间不能晚于今天。")
        return value


class FamilyRowForm(GuardedForm):
    name = forms.CharField(label="姓名", max_length=50)
    relationship = forms.ChoiceField(label="关系", choices=_blank("请选择", Relationship.choices))
    birth_year = forms.IntegerField(
        label="出生年份",
        required=False,
        min_value=1890,
        max_value=dt.date.today().year + 1,
        error_messages={
            "min_value": "出生年份不能早于 1890 年。",
            "max_value": "出生年份不能晚于今年。",
        },
    )
    note = forms.CharField(label="备注", max_length=200, required=False)


class PlanForm(GuardedForm):
    plan = forms.CharField(
        label="一人一策",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="针对本人的帮扶、走访、就业等工作计划。",
    )


ROW_FORMS = {
    "categories": ("服务对象类别", CategoryRowForm),
    "honours": ("立功受奖", HonourRowForm),
    "family": ("家庭成员", FamilyRowForm),
}


def list_formset(key: str, *, data=None, initial=None):
    _label, form = ROW_FORMS[key]
    formset_class = forms.formset_factory(form, extra=2, can_delete=True)
    formset = formset_class(data=data, initial=initial, prefix=key)
    for row in formset.forms:
        if "DELETE" in row.fields:
            row.fields["DELETE"].label = "删除"
    return formset


def list_items(formset) -> list[dict]:
    """The rows to keep: filled in and not ticked for deletion."""
    items = []
    for row in formset.forms:
        data = getattr(row, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        items.append({k: v for k, v in data.items() if k != "DELETE"})
    return items

"""The visit form (走访记录, issue 13 "Recording a visit"): one column on a phone. The
comfort money is typed in yuan and kept in fen; the ledger's filters."""

from decimal import Decimal

from django import forms

from junjia.core.text import GuardedForm, refuse_hidden

from .choices import SITUATIONS, EventKind, VisitHow
from .recording import VisitInput

TEXT = {"required": False, "widget": forms.Textarea(attrs={"rows": 2})}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.username}（{obj.station.name}）"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; the service checks each (type, size, count)."""

    def __init__(self, **kwargs):
        attrs = {"accept": "image/jpeg,image/png", "multiple": True}
        super().__init__(widget=MultipleFileInput(attrs=attrs), required=False, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class VisitForm(GuardedForm):
    visited_at = forms.DateTimeField(
        label="走访时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    how = forms.ChoiceField(
        label="走访方式", choices=VisitHow.choices, widget=forms.RadioSelect, initial="home"
    )
    met = forms.CharField(label="接待人", max_length=100, help_text="见到的人，如本人、配偶")
    visitors = StaffChoices(
        label="走访人员（工作人员）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    volunteer_visitors = forms.CharField(
        label="其他走访人员（志愿者等，填写姓名）", max_length=200, required=False
    )
    needs_found = forms.CharField(label="了解的需求", **TEXT)
    money = forms.DecimalField(
        label="慰问金（元）",
        required=False,
        min_value=Decimal("0"),
        max_digits=9,
        decimal_places=2,
        error_messages={"invalid": "慰问金应为金额，如 500 或 500.50。"},
    )
    budget_line = forms.CharField(label="经费来源", max_length=100, required=False)
    goods = forms.CharField(label="慰问品", max_length=200, required=False)
    photos = PhotosField(
        label="走访照片", help_text="可选多张，最多 9 张（JPG 或 PNG，每张不超过 5 MB）"
    )
    signed_form_photo = forms.FileField(
        label="签收单照片",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text="不能在屏幕上签名时，拍下对方签字的签收单",
    )

    def __init__(self, *args, staff=None, budget_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = staff
        if budget_lines:  # the county's list (selectors.budget_lines_where)
            self.fields["budget_line"] = forms.ChoiceField(
                label="经费来源",
                required=False,
                choices=[("", "请选择"), *[(name, name) for name in budget_lines]],
            )
        for name, label in SITUATIONS:
            self.fields[name] = forms.CharField(label=label, validators=[refuse_hidden], **TEXT)

    def situation_fields(self):
        return [self[name] for name, _ in SITUATIONS]

    def visit_input(self, client_key: str = "") -> VisitInput:
        data = self.cleaned_data
        money = data.get("money") or Decimal("0")
        return VisitInput(
            visited_at=data["visited_at"],
            how=data["how"],
            met=data["met"],
            visitors=list(data["visitors"] or []),
            volunteer_visitors=data["volunteer_visitors"],
            situations={name: data.get(name, "") for name, _ in SITUATIONS},
            needs_found=data["needs_found"],
            money_fen=int(money * 100),
            budget_line=data["budget_line"],
            goods=data["goods"],
            client_key=client_key,
            photos=list(data.get("photos") or []),
            signed_form_photo=data.get("signed_form_photo"),
        )


class LedgerFilter(GuardedForm):
    start = forms.DateField(label="走访日期自", required=False, widget=DATE)
    end = forms.DateField(label="至", required=False, widget=DATE)
    campaign = forms.TypedChoiceField(
        label="走访计划", required=False, coerce=int, empty_value=None
    )
    how = forms.ChoiceField(
        label="走访方式", required=False, choices=[("", "全部"), *VisitHow.choices]
    )

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "全部")] + [(c.pk, c.name) for c in campaigns]


class EventForm(GuardedForm):
    """An event that makes a visit due (六必访), recorded by a clerk: one column on a phone."""

    kind = forms.ChoiceField(label="事件", choices=[("", "请选择"), *EventKind.choices])
    occurred_on = forms.DateField(label="发生日期", widget=DATE)
    note = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        validators=[refuse_hidden],
        help_text="如：5月20日退役返乡报到；因病住院",
    )


class EventFilter(GuardedForm):
    kind = forms.ChoiceField(
        label="事件", required=False, choices=[("", "全部"), *EventKind.choices]
    )
    state = forms.ChoiceField(
        label="走访情况",
        required=False,
        choices=[("due", "待走访"), ("visited", "已走访"), ("none", "无须走访"), ("all", "全部")],
        initial="due",
    )


class ComfortFilter(GuardedForm):
    """The comfort-money ledger's filters: dates, campaign and budget line (station apart)."""

    start = forms.DateField(label="走访日期自", required=False, widget=DATE)
    end = forms.DateField(label="至", required=False, widget=DATE)
    campaign = forms.TypedChoiceField(
        label="走访计划", required=False, coerce=int, empty_value=None
    )
    budget_line = forms.ChoiceField(label="经费来源", required=False)

    def __init__(self, *args, campaigns=(), budget_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "全部")] + [(c.pk, c.name) for c in campaigns]
        self.fields["budget_line"].choices = [
            ("", "全部"),
            *[(name, name) for name in budget_lines],
            ("-", "（仅慰问品，无经费）"),
        ]


class NeedCaseForm(GuardedForm):
    """A need found on a visit, opened as a government-service case (办件) for the person."""

    item = forms.ChoiceField(label="办理事项")
    need = forms.CharField(
        label="需求内容",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[refuse_hidden],
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", "请选择"), *items]

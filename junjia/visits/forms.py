"""The visit rule's form: who, when, which level, what the record holds — every part a
field (issue 13: rules are data, not code)."""

from django import forms

from junjia.core.text import GuardedForm
from junjia.orgs.api import Level
from junjia.registry.choices import FLAG_FIELDS, Category, MeritKind

from .choices import Anchor, EventKind, RecordItem, Subject, Timing

CHECKS = forms.CheckboxSelectMultiple
NUMBER = {"required": False, "min_value": 0, "max_value": 366}


class VisitRuleForm(GuardedForm):
    code = forms.SlugField(
        label="规则编码",
        max_length=40,
        required=False,
        help_text="可不填：按规则名称的拼音自动生成；自填须为小写字母、数字和连字符",
    )
    name = forms.CharField(label="规则名称", max_length=100)
    source = forms.CharField(label="依据（文件及条款）", max_length=300)
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    subject = forms.ChoiceField(label="对象范围", choices=Subject.choices, initial=Subject.LIVING)
    categories = forms.MultipleChoiceField(
        label="服务对象类别（任一）", choices=Category.choices, required=False, widget=CHECKS
    )
    flags = forms.MultipleChoiceField(
        label="标记（任一）", choices=list(FLAG_FIELDS.items()), required=False, widget=CHECKS
    )
    merits = forms.MultipleChoiceField(
        label="立功受奖（任一）", choices=MeritKind.choices, required=False, widget=CHECKS
    )
    pension = forms.BooleanField(label="享受抚恤定补的优抚对象", required=False)
    min_age = forms.IntegerField(
        label="年龄不低于（周岁）", required=False, min_value=0, max_value=150
    )
    timing = forms.ChoiceField(label="时间", choices=Timing.choices)
    month = forms.IntegerField(label="月", required=False, min_value=1, max_value=12)
    day = forms.IntegerField(label="日", required=False, min_value=1, max_value=31)
    anchor = forms.ChoiceField(
        label="起算日期", choices=[("", "—"), *Anchor.choices], required=False
    )
    event_kind = forms.ChoiceField(
        label="事件", choices=[("", "—"), *EventKind.choices], required=False
    )
    days_before = forms.IntegerField(label="提前天数", initial=0, **NUMBER)
    days_after = forms.IntegerField(label="之后天数", initial=0, **NUMBER)
    months_after = forms.IntegerField(
        label="之后月数", initial=0, required=False, min_value=0, max_value=24
    )
    times_per_year = forms.IntegerField(
        label="每年至少次数", required=False, min_value=1, max_value=52
    )
    responsible_level = forms.TypedChoiceField(
        label="责任层级",
        coerce=int,
        choices=[(lv.value, lv.label) for lv in Level if lv >= Level.COUNTY],
        initial=Level.VILLAGE,
    )
    record_items = forms.MultipleChoiceField(
        label="记录须包含", choices=RecordItem.choices, required=False, widget=CHECKS
    )
    contact_counts = forms.ChoiceField(
        label="计入方式",
        choices=[("home", "仅入户走访"), ("any", "电话、走访、座谈均计入")],
        initial="home",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]

    def content(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("code", "name")}
        for name in ("days_before", "days_after", "months_after"):
            data[name] = data.get(name) or 0
        return data


def initial_from(rule) -> dict:
    version = rule.current_version
    from .services import CONTENT_FIELDS

    return {"name": rule.name, **{name: getattr(version, name) for name in CONTENT_FIELDS}}


class RetireForm(GuardedForm):
    reason = forms.CharField(label="停用原因", max_length=200)


class CampaignForm(GuardedForm):
    """A campaign: its name, period and the rules it is generated from (issue 13)."""

    name = forms.CharField(label="计划名称", max_length=100, help_text="如：2027年春节走访慰问")
    period_start = forms.DateField(
        label="走访开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label="走访结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    rules = forms.MultipleChoiceField(label="依据的走访慰问规则", widget=CHECKS)

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [(r.code, r.name) for r in rules]


class ReassignForm(GuardedForm):
    level = forms.TypedChoiceField(
        label="责任层级",
        coerce=int,
        choices=[(lv, Level(lv).label) for lv in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)],
    )
    reason = forms.CharField(label="调整原因", max_length=200)


class AssignForm(GuardedForm):
    """Assigning the people ticked in the member list (走访分派): a member of staff and/or a
    volunteer by name; "unassign" takes them back."""

    members = forms.TypedMultipleChoiceField(
        label="人员",
        coerce=int,
        error_messages={
            "required": "请至少选择一名要分派的人员。",
            "invalid_choice": "所选人员不在本页名单中，请刷新后重试。",
        },
    )
    visitor = forms.TypedChoiceField(
        label="走访人员（工作人员）",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "所选工作人员不是本站或上级服务站的在岗人员。"},
    )
    volunteer_name = forms.CharField(label="志愿者姓名", max_length=50, required=False)
    volunteer_phone = forms.CharField(
        label="志愿者手机号码（可不填）", max_length=20, required=False
    )

    def __init__(self, *args, members=(), visitors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m, m) for m in members]
        self.fields["visitor"].choices = [("", "（不派工作人员）")] + [
            (u.pk, f"{u.full_name or u.username}（{u.station.name}）") for u in visitors
        ]

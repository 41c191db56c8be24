"""Forms of the petition pages: registration, and the one form behind every step's button."""

from django import forms

from junjia.core.clock import today
from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.text import GuardedForm

from .choices import EXTEND, LEADER, Channel, MatterType, PetitionStatus, Satisfaction, ToldBy


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class PetitionForm(GuardedForm):
    channel = forms.ChoiceField(label="信访渠道", choices=Channel.choices)
    received_on = forms.DateField(
        label="收到日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=today,
    )
    id_number = IdNumberField(help_text="已建档的服务对象自动关联其档案；未建档的按下列信息登记。")
    petitioner_name = forms.CharField(label="信访人姓名", max_length=50)
    phone = MobileField(label="联系电话", required=False)
    address = forms.CharField(label="联系地址", max_length=200, required=False)
    matter_type = forms.ChoiceField(label="事项类别", choices=MatterType.choices)
    matter = forms.CharField(
        label="信访事项（事实和理由）", widget=forms.Textarea(attrs={"rows": 4})
    )
    demands = forms.CharField(label="诉求", widget=forms.Textarea(attrs={"rows": 3}))
    is_group = forms.BooleanField(label="集体访（5 人及以上）", required=False)
    people_count = forms.IntegerField(label="人数", min_value=1, max_value=9999, initial=1)
    representatives = forms.CharField(
        label="代表姓名", max_length=200, required=False, help_text="不超过 5 人，用顿号分隔。"
    )
    skips_level = forms.BooleanField(label="越级信访", required=False)
    attachments = MultipleFileField(
        label="附件", required=False, help_text="PDF、图片或 Word 文档，每个不超过 10 MB。"
    )


class StepForm(GuardedForm):
    """Whatever a step asks for; the service says which are required and names the field."""

    to = forms.CharField(max_length=20)
    told_by = forms.ChoiceField(
        label="告知信访人的方式", choices=[("", "请选择"), *ToldBy.choices], required=False
    )
    reason = forms.CharField(label="理由", max_length=300, required=False)
    station = forms.CharField(label="交办单位", max_length=20, required=False)
    department = forms.CharField(label="转送部门", max_length=100, required=False)
    receipt = forms.CharField(label="回执编号", max_length=100, required=False)
    result = forms.CharField(label="办理结果", required=False)
    reply = forms.CharField(label="书面答复意见", required=False)
    satisfaction = forms.ChoiceField(
        label="信访人满意度", choices=[("", "请选择"), *Satisfaction.choices], required=False
    )
    opinion = forms.CharField(label="意见", required=False)
    days = forms.IntegerField(label="延长天数", required=False)
    leader = forms.CharField(label="包案领导", max_length=20, required=False)

    def clean_to(self):
        to = self.cleaned_data["to"]
        if to not in (*PetitionStatus.values, EXTEND, LEADER):
            raise forms.ValidationError("未知的操作。")
        return to


class ListFilter(GuardedForm):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *PetitionStatus.choices], required=False
    )
    number = forms.CharField(label="信访编号", max_length=40, required=False)
    mine = forms.BooleanField(label="只看我办理的", required=False)

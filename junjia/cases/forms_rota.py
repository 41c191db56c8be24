"""Forms of the rota pages: appointment slots and staff bookings, callbacks, the bad-review
loop, paper ratings and the analysis filter. Forms validate input only; the services decide
the rules. (Windows, leave and lunch duty: staffing/forms.py.)"""

import datetime as dt

from django import forms

from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.text import GuardedForm

from .choices import Satisfaction, SlotKind


def _staff_label(user) -> str:
    return str(user)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _staff_label(obj)


class StationField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class StationPickForm(GuardedForm):
    station = StationField(label="服务站", queryset=None, empty_label=None)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class SlotForm(GuardedForm):
    day = forms.DateField(label="日期（首日）", widget=DATE)
    start = forms.TimeField(label="开始时间", widget=TIME, initial=dt.time(9))
    end = forms.TimeField(label="结束时间", widget=TIME, initial=dt.time(10))
    kind = forms.ChoiceField(label="类型", choices=SlotKind.choices)
    capacity = forms.IntegerField(label="可预约人数", min_value=1, max_value=200, initial=4)
    days = forms.IntegerField(
        label="连续天数",
        min_value=1,
        max_value=20,
        initial=1,
        help_text="大于 1 时，从首日起逐个工作日设置相同时段（跳过周末和节假日）。",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "结束时间应晚于开始时间。")
        return data


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slot) -> str:
        return (
            f"{slot.date:%m月%d日} {slot.start:%H:%M}–{slot.end:%H:%M} "
            f"{slot.get_kind_display()}（余 {slot.remaining}）"
        )


class SlotWithStationField(SlotChoiceField):
    def label_from_instance(self, slot) -> str:
        return f"{slot.station.name} · {super().label_from_instance(slot)}"


class StaffBookingForm(GuardedForm):
    """Booked by staff for a person who phoned or came to the window."""

    CHANNELS = [("phone", "电话预约"), ("site", "现场预约")]

    slot = SlotWithStationField(label="预约时段", queryset=None, empty_label="请选择")
    channel = forms.ChoiceField(label="预约方式", choices=CHANNELS, widget=forms.RadioSelect)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = IdNumberField(label="公民身份号码")
    phone = MobileField()
    item = forms.ModelChoiceField(label="办理事项", queryset=None, required=False)
    note = forms.CharField(label="备注", max_length=150, required=False)

    def __init__(self, *args, slots, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["item"].queryset = items
        self.fields["item"].empty_label = "（未定）"
        self.fields["channel"].initial = "phone"

    def booking_note(self) -> str:
        label = dict(self.CHANNELS)[self.cleaned_data["channel"]]
        note = self.cleaned_data["note"].strip()
        return f"{label}；{note}" if note else label


class RescheduleForm(GuardedForm):
    slot = SlotChoiceField(label="改约到", queryset=None, empty_label="请选择")

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots


class AppointmentMarkForm(GuardedForm):
    status = forms.ChoiceField(choices=[("arrived", "已到达"), ("no_show", "未到")])


class CallbackRecordForm(GuardedForm):
    outcome = forms.CharField(label="回访情况", widget=forms.Textarea(attrs={"rows": 4}))
    satisfaction = forms.TypedChoiceField(
        label="满意度",
        choices=[("", "未表态"), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    follow_up = forms.BooleanField(
        label="需继续跟进（问题未解决）",
        required=False,
        help_text="满意度为“基本满意”及以下时也会自动生成跟进任务。",
    )


class LoopAdvanceForm(GuardedForm):
    record = forms.CharField(label="本环节记录", widget=forms.Textarea(attrs={"rows": 4}))
    next_owner = StaffChoiceField(
        label="下一环节责任人", queryset=None, required=False, empty_label="（不变）"
    )

    def __init__(self, *args, staff, final: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if final:
            del self.fields["next_owner"]
        else:
            self.fields["next_owner"].queryset = staff


class PaperEvaluationForm(GuardedForm):
    """纸质评价表录入 (000 §9): the person's own rating, typed in by staff."""

    case_number = forms.CharField(label="办件编号", max_length=30)
    score = forms.TypedChoiceField(
        label="评价", choices=Satisfaction.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见建议（照录评价表）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_case_number(self):
        return self.cleaned_data["case_number"].strip()


class AnalysisForm(GuardedForm):
    BY = [("station", "按服务站"), ("item", "按事项"), ("clerk", "按经办人"), ("month", "按月份")]
    PERIODS = [("90", "近三个月"), ("365", "近一年"), ("all", "全部")]

    by = forms.ChoiceField(label="分组", choices=BY, required=False)
    period = forms.ChoiceField(label="时间范围", choices=PERIODS, required=False)

    def since(self, today: dt.date) -> dt.date | None:
        period = self.cleaned_data.get("period") or "365"
        return None if period == "all" else today - dt.timedelta(days=int(period))

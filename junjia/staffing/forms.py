"""Forms of the staffing pages: windows and AB roles, leave, lunch duty. Forms validate
input only; the services decide the rules."""

from django import forms

from junjia.core.text import GuardedForm

from . import errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffWithStationField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj}（{obj.station.name}）" if obj.station_id else str(obj)


class StationField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class WindowForm(GuardedForm):
    """A window or post with its A (primary) and B (backup)."""

    name = forms.CharField(label="窗口/岗位名称", max_length=50)
    primary = forms.ModelChoiceField(label="A 角（主办）", queryset=None)
    backup = forms.ModelChoiceField(label="B 角（协办）", queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary"].queryset = staff
        self.fields["backup"].queryset = staff
        self.fields["name"].widget.attrs["placeholder"] = "如：综合窗口、优抚岗"

    def clean(self):
        data = super().clean()
        if data.get("primary") and data.get("primary") == data.get("backup"):
            self.add_error("backup", errors.AB_SAME_PERSON)
        return data


class StationPickForm(GuardedForm):
    station = StationField(label="服务站", queryset=None, empty_label=None)

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations


class LeaveForm(GuardedForm):
    user = StaffWithStationField(label="请假人员", queryset=None, required=False)
    start_date = forms.DateField(label="开始日期", widget=DATE)
    end_date = forms.DateField(label="结束日期", widget=DATE)
    reason = forms.CharField(label="事由", max_length=100, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        """`staff` is given to those who may record leave for others (the head)."""
        super().__init__(*args, **kwargs)
        if staff is None:
            del self.fields["user"]
        else:
            self.fields["user"].queryset = staff
            self.fields["user"].required = True
            self.fields["user"].empty_label = "请选择"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", errors.LEAVE_DATES)
        return data


class LunchDutyForm(GuardedForm):
    day = forms.DateField(label="日期", widget=forms.HiddenInput)
    user = forms.ModelChoiceField(label="值班人员", queryset=None, empty_label="请选择")

    def __init__(self, *args, staff, away=frozenset(), **kwargs):
        """`away`: ids of staff on leave that day, marked in the list."""
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = staff
        field.label_from_instance = lambda u: f"{u}（当日请假）" if u.pk in away else str(u)

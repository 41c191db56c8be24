"""The form for entering one year's schedule. It validates; services.calendar_year_save writes."""

from django import forms

from junjia.core.text import GuardedForm

from .schedule import MAX_YEAR, MIN_YEAR, ScheduleInvalid, parse_schedule

SCHEDULE_HELP = (
    "每行一天：日期、“休”或“班”、说明，用空格隔开。例如：2027-01-01 休 元旦；"
    "2027-02-07 班 春节调休。“班”只能是星期六或星期日；周末的“休”可以照通知原样写，"
    "但本来就休息，不单独保存。以 # 开头的行会被忽略。"
)


class CalendarYearForm(GuardedForm):
    year = forms.IntegerField(
        label="年份",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        error_messages={
            "required": "请填写年份。",
            "invalid": "年份应为四位数字。",
            "min_value": f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间。",
            "max_value": f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间。",
        },
    )
    notice = forms.CharField(
        label="依据（国务院办公厅通知）",
        max_length=200,
        help_text="例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）",
        error_messages={"required": "请填写依据的国务院办公厅通知（文号或标题）。"},
    )
    schedule = forms.CharField(
        label="放假与调休安排",
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=SCHEDULE_HELP,
        error_messages={"required": "请至少录入一行放假或调休安排。"},
    )

    def __init__(self, *args, fixed_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_year = fixed_year
        if fixed_year is not None:
            # Replacing a year: the year is in the URL, not editable here.
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year

    def clean(self):
        data = super().clean()
        year, schedule = data.get("year"), data.get("schedule")
        if year is not None and schedule:
            try:
                data["parsed"] = parse_schedule(schedule, year)
            except ScheduleInvalid as exc:
                for message in exc.errors:
                    self.add_error("schedule", message)
        return data

"""The sections of a file (000 §6.1.3), each a form over some columns and some JSON details.

`SECTIONS` is the one list used by the profile tabs, the edit pages, snapshots (change
requests and their diffs), the API and the Excel template.
"""

from dataclasses import dataclass

from django import forms

from junjia.core import clock
from junjia.core.personal.forms import MobileField
from junjia.core.text import GuardedForm

from .choices import ETHNIC_GROUPS, Branch, Education, Hardship, Placement, PoliticalStatus

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "required": False}


class BasicForm(GuardedForm):
    name = forms.CharField(label="姓名", max_length=50)
    former_names = forms.CharField(label="曾用名", max_length=100, required=False)
    ethnicity = forms.ChoiceField(
        label="民族", choices=[(e, e) for e in ETHNIC_GROUPS], initial="汉族"
    )
    phone = MobileField(required=False)
    current_address = forms.CharField(label="现居住地址", max_length=200, required=False)
    political_status = forms.ChoiceField(
        label="政治面貌", choices=[("", "—"), *PoliticalStatus.choices], required=False
    )
    education = forms.ChoiceField(
        label="文化程度", choices=[("", "—"), *Education.choices], required=False
    )
    combat_veteran = forms.BooleanField(label="参战参试", required=False)
    pre1949_veteran = forms.BooleanField(label="建国前参加革命的老战士", required=False)
    empty_nest = forms.BooleanField(label="空巢/独居", required=False)
    migrant_family = forms.BooleanField(label="外出务工家庭", required=False)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写姓名。")
        return name


class PartyForm(GuardedForm):
    party_join_date = forms.DateField(label="入党时间", **DATE)
    party_organisation = forms.CharField(label="组织关系所在党组织", max_length=100, required=False)
    social_activities = forms.CharField(
        label="社会活动（志愿服务、兼职等）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ServiceForm(GuardedForm):
    enlistment_date = forms.DateField(label="入伍时间", **DATE)
    discharge_date = forms.DateField(label="退役时间", **DATE)
    branch = forms.ChoiceField(label="军种", choices=[("", "—"), *Branch.choices], required=False)
    unit = forms.CharField(label="服役部队（番号或单位）", max_length=100, required=False)
    rank = forms.CharField(label="退役时军衔/职务", max_length=50, required=False)
    speciality = forms.CharField(label="专业技术", max_length=100, required=False)

    def clean(self):

        data = super().clean()
        today = clock.today()
        enlist, discharge = data.get("enlistment_date"), data.get("discharge_date")
        if enlist and enlist > today:
            self.add_error("enlistment_date", "入伍时间不能晚于今天。")
        if discharge and discharge > today:
            self.add_error("discharge_date", "退役时间不能晚于今天。")
        if enlist and discharge and discharge <= enlist:
            self.add_error("discharge_date", "退役时间应晚于入伍时间。")
        return data


class PlacementForm(GuardedForm):
    placement = forms.ChoiceField(
        label="安置方式", choices=[("", "—"), *Placement.choices], required=False
    )
    placement_date = forms.DateField(label="安置时间", **DATE)
    placement_unit = forms.CharField(label="安置单位", max_length=100, required=False)


class EmploymentForm(GuardedForm):
    employment_status = forms.ChoiceField(
        label="就业状况",
        choices=[
            ("", "—"),
            ("employed", "已就业"),
            ("self_employed", "自主创业"),
            ("flexible", "灵活就业"),
            ("unemployed", "未就业"),
            ("retired", "已退休"),
        ],
        required=False,
    )
    employer = forms.CharField(label="工作单位", max_length=100, required=False)
    post = forms.CharField(label="岗位", max_length=50, required=False)
    wants_job_help = forms.BooleanField(label="需要就业帮扶", required=False)
    wants_startup_help = forms.BooleanField(label="有创业意向", required=False)


class TrainingForm(GuardedForm):
    skills = forms.CharField(label="技能特长", max_length=200, required=False)
    trainings = forms.CharField(
        label="已参加培训", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    training_wishes = forms.CharField(label="培训意向", max_length=200, required=False)


class PensionForm(GuardedForm):
    preferential_card_no = forms.CharField(label="优待证号", max_length=40, required=False)
    preferential_card_issued_on = forms.DateField(label="优待证发放时间", **DATE)
    pension_type = forms.ChoiceField(
        label="抚恤补助",
        choices=[
            ("", "无"),
            ("disability", "伤残抚恤"),
            ("regular", "定期抚恤"),
            ("subsidy", "定期生活补助"),
            ("other", "其他"),
        ],
        required=False,
    )
    # 000 走访慰问: a newly approved pension or subsidy brings a home visit within a month.
    pension_approved_on = forms.DateField(label="抚恤补助批准时间", **DATE)
    honour_plaque = forms.BooleanField(label="已悬挂光荣牌", required=False)
    pension_note = forms.CharField(label="备注", max_length=200, required=False)


class HardshipForm(GuardedForm):
    hardship = forms.ChoiceField(label="困难状况", choices=Hardship.choices, required=False)
    hardship_since = forms.DateField(label="认定时间", **DATE)
    hardship_note = forms.CharField(label="困难情况说明", max_length=300, required=False)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    form: type[forms.Form]
    columns: tuple[str, ...]  # fields stored as Recipient columns; the rest go to JSON


SECTIONS: tuple[Section, ...] = (
    Section(
        "basic",
        "基本信息",
        BasicForm,
        (
            "name",
            "former_names",
            "ethnicity",
            "phone",
            "current_address",
            "political_status",
            "education",
            "combat_veteran",
            "pre1949_veteran",
            "empty_nest",
            "migrant_family",
        ),
    ),
    Section("party", "组织生活和社会活动", PartyForm, ()),
    Section("service", "服役信息", ServiceForm, ("enlistment_date", "discharge_date", "branch")),
    Section("placement", "安置信息", PlacementForm, ("placement",)),
    Section("employment", "就业创业", EmploymentForm, ()),
    Section("training", "教育培训", TrainingForm, ()),
    Section("pension", "抚恤优待", PensionForm, ()),
    Section("hardship", "特困低保", HardshipForm, ("hardship",)),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


def field_label(section: Section, name: str) -> str:
    return str(section.form.base_fields[name].label)

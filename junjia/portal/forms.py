"""Public forms: every field checked with a message a person can act on."""

import re
import unicodedata

from django import forms

from junjia.cases import api as cases
from junjia.cases.choices import Area, Satisfaction
from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.text import GuardedForm

# Han characters, letters, the middle dot of minority names (·), spaces.
_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•・. ]{2,50}$")
_CODE = re.compile(r"^[A-Z0-9]{8}$")


class SlotField(forms.ModelChoiceField):
    """A slot chosen from radio cards the template draws itself; each form sets the slots
    it accepts when it is made."""

    def __init__(self, queryset=None, **kwargs):
        super().__init__(
            queryset=queryset,
            widget=forms.RadioSelect,
            error_messages={
                "required": "请选择预约时段。",
                "invalid_choice": "所选时段已不可预约，请重新选择。",
            },
            **kwargs,
        )


class BookingForm(GuardedForm):
    slot = SlotField(label="预约时段")
    item = forms.ChoiceField(label="办理事项", required=False)
    name = forms.CharField(
        label="姓名",
        max_length=50,
        error_messages={"required": "请填写姓名。", "max_length": "姓名最多 50 个字。"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = IdNumberField(help_text="18 位，最后一位可能是 X。")
    phone = MobileField(
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
        help_text="预约码将以短信发到这个号码。",
    )

    def __init__(self, *args, station, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = cases.station_slots(station)
        self._items = {item.code: item for item in items}
        groups: dict[str, list] = {}
        for item in items:
            label = Area(item.area).label if item.area in Area.values else item.area
            groups.setdefault(label, []).append((item.code, item.name))
        self.fields["item"].choices = [("", "其他事项或政策咨询"), *groups.items()]
        self.fields["item"].error_messages["invalid_choice"] = "请从列表中选择办理事项。"

    def clean_item(self):
        code = self.cleaned_data.get("item")
        return self._items.get(code) if code else None

    def clean_name(self):
        name = re.sub(r"\s+", " ", self.cleaned_data["name"]).strip()
        if not _NAME.match(name):
            raise forms.ValidationError("请填写身份证上的姓名：2 个字以上，只用汉字或字母。")
        return name


class LookupForm(GuardedForm):
    code = forms.CharField(
        label="预约码",
        max_length=20,
        error_messages={"required": "请填写预约码。", "max_length": "预约码为 8 位。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        help_text="预约成功时页面和短信里的 8 位字母和数字。",
    )
    id_number = IdNumberField(help_text="预约时填写的身份证号码。")

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).upper()
        if not _CODE.match(code):
            raise forms.ValidationError("预约码为 8 位字母和数字，请对照短信核对。")
        return code


class RescheduleForm(GuardedForm):
    slot = SlotField(label="改约到")

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = cases.slots_by_pk([s.pk for s in slots])


class RatingForm(GuardedForm):
    score = forms.TypedChoiceField(
        label="您对本次服务满意吗？",
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择您对本次服务的评价。",
            "invalid_choice": "请从五个等级中选择一个。",
        },
    )
    comment = forms.CharField(
        label="意见建议（选填）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "意见建议最多 1000 字。"},
        help_text="如有不满意的地方，请写下原因，我们会核实整改并回访。",
    )


# --- the progress query (办件进度查询) --------------------------------------------------------

# The number printed on the one-time notice and the receipts: the station's division code,
# the date and a sequence (cases.services.case_flow), e.g. 370202001001-20260928-0001.
_CASE_NUMBER = re.compile(r"^(\d{6}|\d{12})-(\d{8})-(\d{4,6})$")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―－﹣−"})


def normalise_case_number(raw: str) -> str:
    """The case number as printed, from what a person types: full-width digits, any dash,
    spaces, or no dashes at all."""
    text = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    text = re.sub(r"\s+", "", text)
    if text.isdigit() and len(text) in (18, 24):
        head = len(text) - 12
        text = f"{text[:head]}-{text[head : head + 8]}-{text[head + 8 :]}"
    return text


class ProgressForm(GuardedForm):
    case_number = forms.CharField(
        label="办件编号",
        max_length=40,
        error_messages={"required": "请填写办件编号。", "max_length": "办件编号太长了。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "numeric"}
        ),
        help_text="印在一次性告知单、材料交接回执和办结回执上，例如 370202001001-20260928-0001。",
    )
    id_number = IdNumberField(help_text="办件申请人的身份证号码。")

    def clean_case_number(self):
        number = normalise_case_number(self.cleaned_data["case_number"])
        if not _CASE_NUMBER.match(number):
            raise forms.ValidationError(
                "办件编号由数字和两个短横线组成，例如 370202001001-20260928-0001，请对照单据核对。"
            )
        return number


_QUERY_CODE = re.compile(r"^[A-Z2-9]{8}$")


class PetitionProgressForm(GuardedForm):
    """The petitioner's progress query (信访事项办理进度查询): the query code given at
    registration and the petitioner's identity number."""

    query_code = forms.CharField(
        label="查询码",
        max_length=20,
        error_messages={"required": "请填写查询码。", "max_length": "查询码为 8 位。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        help_text="登记信访时告知的 8 位查询码，由字母和数字组成。",
    )
    id_number = IdNumberField(help_text="信访人的身份证号码。")

    def clean_query_code(self):
        code = "".join(self.cleaned_data["query_code"].split()).upper()
        if not _QUERY_CODE.match(code):
            raise forms.ValidationError("查询码为 8 位字母和数字，请对照告知的查询码核对。")
        return code

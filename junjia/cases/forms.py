"""Forms of the case pages: opening a case (接件) with its materials check, the re-check when
the person returns, the actions on a case, extensions, doorstep outcomes, proxy hand-overs and
publishing a catalogue version. Forms validate input only; the services decide the rules."""

from django import forms
from django.http import Http404

from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.text import GuardedForm
from junjia.orgs.api import Level

from . import errors
from .choices import Area, Channel, HandoverDirection, MaterialForm, MaterialState

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
AUTO_STATE = ""  # "按对象类别判断": the service decides from the person's categories


def _category_choices():
    from junjia.registry.choices import Category

    return Category.choices


def category_labels(codes) -> list[str]:
    labels = dict(_category_choices())
    return [labels.get(c, c) for c in codes or []]


# --- the materials check ---------------------------------------------------------------------


class MaterialsCheckForm(GuardedForm):
    """One row per material of the item version: its state as received, and what is wrong
    with it (the note goes onto the one-time notice)."""

    def __init__(self, *args, materials: list[dict], current: list[dict] | None = None, **kw):
        super().__init__(*args, **kw)
        self.materials = materials
        now = {row["name"]: row for row in current or []}
        for i, material in enumerate(materials):
            categorised = bool(material.get("categories"))
            choices = list(MaterialState.choices)
            if categorised:
                choices = [(AUTO_STATE, "按类别"), *choices]
            got = now.get(material["name"], {})
            default = AUTO_STATE if categorised else MaterialState.MISSING
            self.fields[f"state_{i}"] = forms.ChoiceField(
                label=material["name"],
                choices=choices,
                required=False,
                initial=got.get("state", default),
                widget=forms.RadioSelect(attrs={"class": "state-choice"}),
            )
            self.fields[f"note_{i}"] = forms.CharField(
                label=f"“{material['name']}”的问题",
                max_length=200,
                required=False,
                initial=got.get("note", ""),
                widget=forms.TextInput(attrs={"placeholder": "有误时必填：哪里不对、怎么改"}),
            )

    def clean(self):
        data = super().clean()
        for i, material in enumerate(self.materials):
            state = data.get(f"state_{i}") or AUTO_STATE
            if not material.get("categories") and state == AUTO_STATE:
                data[f"state_{i}"] = MaterialState.MISSING
            if state == MaterialState.DEFECTIVE and not (data.get(f"note_{i}") or "").strip():
                self.add_error(
                    f"note_{i}",
                    f"请说明“{material['name']}”哪里有误（将写入一次性告知单）。",
                )
        return data

    def rows(self) -> list[dict]:
        form_labels = dict(MaterialForm.choices)
        return [
            {
                "material": m,
                "form_label": form_labels.get(m.get("form", ""), ""),
                "categories": category_labels(m.get("categories")),
                "state": self[f"state_{i}"],
                "note": self[f"note_{i}"],
            }
            for i, m in enumerate(self.materials)
        ]

    def received(self) -> dict[str, dict]:
        """{material name: {"state", "note"}} for the services; "按类别" rows are left out so
        the service applies the person's categories."""
        result = {}
        for i, material in enumerate(self.materials):
            state = self.cleaned_data.get(f"state_{i}") or AUTO_STATE
            if state == AUTO_STATE:
                continue
            result[material["name"]] = {
                "state": state,
                "note": (self.cleaned_data.get(f"note_{i}") or "").strip(),
            }
        return result


# --- opening a case --------------------------------------------------------------------------


class CaseOpenForm(GuardedForm):
    item = forms.ChoiceField(label="办理事项")
    recipient = forms.CharField(required=False, widget=forms.HiddenInput)
    applicant_name = forms.CharField(label="姓名", max_length=50, required=False)
    applicant_phone = MobileField(
        required=False,
        help_text="用于办结短信和评价链接；已建档对象可不填（使用档案中的号码）。",
    )
    applicant_id = IdNumberField(label="身份证号码（可不填）", required=False)
    channel = forms.ChoiceField(
        label="渠道",
        choices=Channel.choices,
        initial=Channel.WINDOW,
        widget=forms.RadioSelect(attrs={"class": "channel-choice"}),
    )
    doorstep_condition = forms.CharField(
        label="上门原因",
        max_length=200,
        required=False,
        help_text="需现场核实的事项，或服务对象患重病、行动不便等。",
    )
    doorstep_at = forms.DateTimeField(
        label="约定上门时间", required=False, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    doorstep_place = forms.CharField(label="约定地点", max_length=200, required=False)
    proxy_requester = forms.CharField(label="委托人（求助人）", max_length=50, required=False)
    proxy_relationship = forms.CharField(label="与申请人关系", max_length=30, required=False)
    proxy_authorisation = forms.CharField(
        label="委托书/授权说明",
        max_length=200,
        required=False,
        help_text="代办须登记；如“书面委托书一份，已核对委托人身份证”。",
    )
    consultation = forms.BooleanField(label="仅咨询（不正式接件）", required=False)
    outside_remit = forms.BooleanField(label="不属于本大厅职权范围", required=False)

    def __init__(self, *args, items, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.items = {i.code: i for i in items}
        grouped: dict[str, list] = {}
        labels = dict(Area.choices)
        for item in items:
            grouped.setdefault(labels.get(item.area, item.area), []).append((item.code, item.name))
        self.fields["item"].choices = [("", "请选择事项"), *grouped.items()]

    def clean(self):
        data = super().clean()
        data["item_obj"] = self.items.get(data.get("item") or "")
        raw = (data.get("recipient") or "").strip()
        data["recipient_obj"] = None
        if raw:
            from junjia.registry.api import get_recipient_for_actor

            try:
                data["recipient_obj"] = get_recipient_for_actor(self.actor, raw)
            except Http404:
                self.add_error(None, "未找到所选服务对象，或其不在您的辖区内；请重新查找。")
        elif not (data.get("applicant_name") or "").strip():
            self.add_error(
                "applicant_name", "请填写申请人姓名，或在上方查找并选择档案中的服务对象。"
            )
        channel = data.get("channel")
        if channel == Channel.DOORSTEP and not (data.get("doorstep_condition") or "").strip():
            self.add_error("doorstep_condition", errors.DOORSTEP_CONDITION)
        if channel == Channel.PROXY:
            if not (data.get("proxy_requester") or "").strip():
                self.add_error("proxy_requester", "代办须登记委托人。")
            if not (data.get("proxy_authorisation") or "").strip():
                self.add_error("proxy_authorisation", "代办须登记委托书或授权情况。")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "item": data["item_obj"],
            "channel": data["channel"],
            "recipient": data["recipient_obj"],
            "applicant_phone": data["applicant_phone"],
            "consultation": data["consultation"],
            "outside_remit": data["outside_remit"],
        }
        if data["recipient_obj"] is None:
            kwargs["applicant_name"] = data["applicant_name"].strip()
            kwargs["applicant_id"] = data["applicant_id"]
        if data["channel"] == Channel.DOORSTEP:
            kwargs["doorstep"] = {
                "condition": data["doorstep_condition"].strip(),
                "at": data["doorstep_at"],
                "place": data["doorstep_place"].strip(),
            }
        if data["channel"] in (Channel.PROXY, Channel.ASSISTED):
            kwargs["proxy"] = {
                "requester": data["proxy_requester"].strip(),
                "relationship": data["proxy_relationship"].strip(),
                "authorisation": data["proxy_authorisation"].strip(),
            }
        return kwargs


# --- on a case -------------------------------------------------------------------------------


class ExtensionForm(GuardedForm):
    days = forms.IntegerField(label="延长工作日", min_value=1, max_value=60, initial=5)
    reason = forms.CharField(label="延期理由", max_length=200, required=False)


class DoorstepOutcomeForm(GuardedForm):
    outcome = forms.CharField(
        label="上门办理情况",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="当场办结，或当场说明办理程序和时限。",
    )


class HandoverForm(GuardedForm):
    direction = forms.ChoiceField(label="交接方向", choices=HandoverDirection.choices)
    counterpart = forms.CharField(label="交接人（委托人或申请人）", max_length=50)
    items = forms.CharField(
        label="材料清单（每行一项）",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="如：居民身份证复印件 1 份。",
    )

    def item_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


# --- the catalogue ---------------------------------------------------------------------------


class ItemForm(GuardedForm):
    """An item's identity and one version's published content (公开承诺制)."""

    code = forms.SlugField(
        label="事项编码", max_length=40, help_text="英文小写、数字和连字符，如 preferential-card。"
    )
    name = forms.CharField(label="事项名称", max_length=100)
    area = forms.ChoiceField(label="领域", choices=Area.choices)
    handling_levels = forms.TypedMultipleChoiceField(
        label="办理层级",
        choices=[(lv.value, lv.label) for lv in Level if lv >= Level.COUNTY],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = forms.CharField(label="设定依据", widget=forms.Textarea(attrs={"rows": 3}))
    conditions = forms.CharField(label="办理条件", widget=forms.Textarea(attrs={"rows": 3}))
    procedure = forms.CharField(
        label="办理流程（每行一步）", widget=forms.Textarea(attrs={"rows": 4})
    )
    time_limit_days = forms.IntegerField(label="承诺时限（工作日）", min_value=1, max_value=365)
    fee = forms.CharField(label="收费标准", max_length=100, initial="不收费")
    complaint = forms.CharField(label="监督投诉方式", max_length=200)

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "编码发布后不可修改。"

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.existing is None:
            from .models import ServiceItem

            if ServiceItem.objects.filter(code=code).exists():
                raise forms.ValidationError("该事项编码已存在；要修改请在事项页面“发布新版本”。")
        return code

    def content(self, materials: list[dict]) -> dict:
        data = self.cleaned_data
        return {
            "legal_basis": data["legal_basis"].strip(),
            "conditions": data["conditions"].strip(),
            "materials": materials,
            "procedure": [s.strip() for s in data["procedure"].splitlines() if s.strip()],
            "time_limit_days": data["time_limit_days"],
            "fee": data["fee"].strip(),
            "complaint": data["complaint"].strip(),
        }


class MaterialRowForm(GuardedForm):
    name = forms.CharField(label="材料名称", max_length=100, required=False)
    form = forms.ChoiceField(label="形式", choices=MaterialForm.choices, initial=MaterialForm.BOTH)
    count = forms.IntegerField(label="份数", min_value=1, max_value=20, initial=1)
    categories = forms.MultipleChoiceField(
        label="仅以下类别需要（不选则所有人都需要）",
        choices=_category_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def as_material(self) -> dict | None:
        data = self.cleaned_data
        if not data or not (data.get("name") or "").strip():
            return None
        return {
            "name": data["name"].strip(),
            "form": data["form"],
            "count": data["count"],
            "categories": list(data.get("categories") or []),
            "note": (data.get("note") or "").strip(),
        }


class BaseMaterialFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            material = form.as_material()
            if material is None:
                continue
            if material["name"] in seen:
                raise forms.ValidationError(f"材料“{material['name']}”重复，请合并为一行。")
            seen.add(material["name"])

    def materials(self) -> list[dict]:
        return [m for m in (f.as_material() for f in self.forms) if m is not None]


MaterialFormSet = forms.formset_factory(
    MaterialRowForm, formset=BaseMaterialFormSet, extra=2, max_num=40, validate_max=True
)

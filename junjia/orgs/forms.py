"""Forms for regions, stations and staff. They validate input; services do the writing."""

from django import forms

from junjia.core.errors import InvalidInput
from junjia.core.text import GuardedForm, GuardedModelForm

from .choices import Publication, Role
from .models import Station
from .services import validate_station_posts


class RegionCreateForm(GuardedForm):
    code = forms.CharField(
        label="区划代码",
        max_length=12,
        min_length=12,
        help_text="12 位统计用区划代码：乡镇为前 9 位加 000，村（社区）为 12 位。",
        error_messages={"min_length": "区划代码应为 12 位数字。", "required": "请填写区划代码。"},
    )
    name = forms.CharField(
        label="名称", max_length=100, error_messages={"required": "请填写名称。"}
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("区划代码只能包含数字。")
        return code


class RegionRenameForm(GuardedForm):
    name = forms.CharField(
        label="名称", max_length=100, error_messages={"required": "请填写名称。"}
    )


class RegionImportForm(GuardedForm):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        error_messages={"required": "请选择要上传的 .xlsx 文件。", "empty": "上传的文件是空的。"},
    )


class RegionImportConfirmForm(GuardedForm):
    token = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="有错误行时",
        choices=[
            ("all_or_nothing", "全部不导入（有任何错误即放弃）"),
            ("valid_only", "只导入正确的行"),
        ],
        widget=forms.RadioSelect,
        initial="all_or_nothing",
    )


class StationProfileForm(GuardedModelForm):
    class Meta:
        model = Station
        fields = [
            "name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "hotline",
            "office_hours",
            "authorised_posts",
            "filled_posts",
            "funding_in_budget",
        ]
        help_texts = {
            "filled_posts": "在编在岗人数 ÷ 核定编制数 为编制到位率，不应低于 90%。",
            "latitude": "十进制度，例如 36.066900",
            "longitude": "十进制度，例如 120.382600",
        }

    def clean(self):
        data = super().clean()
        authorised, filled = data.get("authorised_posts"), data.get("filled_posts")
        if authorised is not None and filled is not None:
            try:
                validate_station_posts(authorised=authorised, filled=filled)
            except InvalidInput as exc:
                self.add_error(exc.field, str(exc))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "经度和纬度须同时填写或同时留空。")
        return data


class PublicationsForm(GuardedForm):
    def __init__(self, *args, initial_contents: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Publication.choices:
            self.fields[kind] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=(initial_contents or {}).get(kind, ""),
            )


class PhotoForm(GuardedForm):
    image = forms.ImageField(
        label="照片",
        error_messages={
            "invalid_image": "请上传有效的图片文件（JPG 或 PNG）。",
            "required": "请选择照片。",
        },
    )
    caption = forms.CharField(label="说明", max_length=100, required=False)

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > 5 * 1024 * 1024:
            raise forms.ValidationError("照片不能超过 5 MB。")
        return image


class StaffForm(GuardedForm):
    """The system administrator's form: the account, not its roles (三员分立: the security
    administrator grants those, StaffRolesForm)."""

    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    office_phone = forms.CharField(label="办公电话", max_length=30, required=False)
    station = forms.ModelChoiceField(label="所属中心（站）", queryset=Station.objects.none())

    def __init__(self, *args, stations=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = (
            stations if stations is not None else Station.objects.none()
        )
        self.fields["station"].label_from_instance = lambda s: s.name
        if editing:
            self.fields["username"].disabled = True

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not username.replace("_", "").replace(".", "").isalnum():
            raise forms.ValidationError("用户名只能包含字母、数字、下划线和点。")
        return username


class StaffRolesForm(GuardedForm):
    """The security administrator's form. The combination rules are the service's
    (separation.roles_refusal), so that every refusal is audited."""

    roles = forms.MultipleChoiceField(
        label="角色",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选任何角色即撤销全部角色，账号回到“待授权”。",
    )

"""Form fields for identity and mobile numbers: the same checks and messages on every page."""

from django import forms

from .idnumber import IdNumberError, parse
from .phones import PhoneError, normalise_mobile

ID_REQUIRED = "请填写身份证号码。"
ID_TOO_LONG = "身份证号码为 18 位。"
MOBILE_REQUIRED = "请填写手机号码。"
MOBILE_TOO_LONG = "手机号码为 11 位。"


def _defaults(kwargs: dict, messages: dict, **defaults) -> dict:
    return {
        **defaults,
        **kwargs,
        "error_messages": {**messages, **kwargs.get("error_messages", {})},
    }


class IdNumberField(forms.CharField):
    """An identity number, cleaned to its 18 characters (a 15-digit one converted)."""

    def __init__(self, **kwargs):
        super().__init__(
            **_defaults(
                kwargs,
                {"required": ID_REQUIRED, "max_length": ID_TOO_LONG},
                label="身份证号码",
                max_length=22,  # room for spaces typed between the groups
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "autocapitalize": "characters",
                    }
                ),
            )
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            return parse(value).value
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class MobileField(forms.CharField):
    """A mainland mobile number, cleaned to its 11 digits."""

    def __init__(self, **kwargs):
        super().__init__(
            **_defaults(
                kwargs,
                {"required": MOBILE_REQUIRED, "max_length": MOBILE_TOO_LONG},
                label="手机号码",
                max_length=20,
                widget=forms.TextInput(
                    attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}
                ),
            )
        )

    def clean(self, value):
        # A bulk import cleans every row: an empty or well-formed value needs none of the
        # checks below (required, length, NUL), which would only say yes.
        if value == "" and not self.required:
            return ""
        if type(value) is str and len(value) <= (self.max_length or 20):
            try:
                return normalise_mobile(value)
            except PhoneError:
                pass  # the checks below give the message
        value = super().clean(value)
        if not value:
            return ""
        try:
            return normalise_mobile(value)
        except PhoneError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

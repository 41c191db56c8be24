"""API fields for identity and mobile numbers: the checks and messages of the form fields."""

from rest_framework import serializers

from .forms import ID_REQUIRED, ID_TOO_LONG, MOBILE_REQUIRED, MOBILE_TOO_LONG
from .idnumber import IdNumberError, parse
from .phones import PhoneError, normalise_mobile


def _messages(kwargs: dict, required: str, too_long: str) -> dict:
    messages = {"required": required, "blank": required, "max_length": too_long}
    return {**kwargs, "error_messages": {**messages, **kwargs.get("error_messages", {})}}


class IdNumberSerializerField(serializers.CharField):
    """An identity number, given back as its 18 characters (a 15-digit one converted)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 22)
        super().__init__(**_messages(kwargs, ID_REQUIRED, ID_TOO_LONG))

    def to_internal_value(self, data):
        try:
            return parse(super().to_internal_value(data)).value
        except IdNumberError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class MobileSerializerField(serializers.CharField):
    """A mainland mobile number, given back as its 11 digits ("" when blank is allowed)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**_messages(kwargs, MOBILE_REQUIRED, MOBILE_TOO_LONG))

    def to_internal_value(self, data):
        try:
            return normalise_mobile(super().to_internal_value(data))
        except PhoneError as exc:
            raise serializers.ValidationError(str(exc)) from exc

"""Mobile numbers, and the form and API fields of both numbers: one check and one message
wherever a number is typed."""

import pytest
from django import forms
from rest_framework import serializers

from junjia.core.personal import PhoneError, mask_phone, normalise_mobile
from junjia.core.personal.forms import IdNumberField, MobileField
from junjia.core.personal.serializers import IdNumberSerializerField, MobileSerializerField

NUMBER = "11010519491231002X"
LEGACY = "110105491231002"  # the 15-digit form of NUMBER
WRONG_LENGTH = "身份证号码应为 18 位（或旧版 15 位），您输入了 4 位。"
MOBILE = "13912345678"
BAD_MOBILE = "手机号码应为 11 位中国大陆手机号，以 13–19 开头。"


@pytest.mark.parametrize(
    ("typed", "mobile"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("139-1234-5678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("8613912345678", "13912345678"),
    ],
)
def test_a_mobile_is_normalised_to_its_11_digits(typed, mobile):
    assert normalise_mobile(typed) == mobile


@pytest.mark.parametrize("typed", ["", "12345678901", "0532-8888666", "1391234567", "139123456789"])
def test_anything_else_is_refused_with_one_message(typed):
    with pytest.raises(PhoneError, match=BAD_MOBILE):
        normalise_mobile(typed)


def test_mask_phone():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("12345") == "*****"


class Form(forms.Form):
    id_number = IdNumberField()
    phone = MobileField(required=False)


@pytest.mark.parametrize(
    ("data", "cleaned", "errors"),
    [
        ({"id_number": f" {NUMBER.lower()} ", "phone": "139 1234 5678"}, (NUMBER, MOBILE), {}),
        ({"id_number": LEGACY, "phone": ""}, (NUMBER, ""), {}),
        ({"id_number": "", "phone": ""}, None, {"id_number": ["请填写身份证号码。"]}),
        ({"id_number": "1234", "phone": ""}, None, {"id_number": [WRONG_LENGTH]}),
        ({"id_number": "1" * 23, "phone": ""}, None, {"id_number": ["身份证号码为 18 位。"]}),
        ({"id_number": NUMBER, "phone": "12345"}, None, {"phone": [BAD_MOBILE]}),
        ({"id_number": NUMBER, "phone": "1" * 21}, None, {"phone": ["手机号码为 11 位。"]}),
    ],
)
def test_the_form_fields_clean_and_refuse_as_every_page_does(data, cleaned, errors):
    form = Form(data)
    assert form.is_valid() is (cleaned is not None)
    assert form.errors == errors
    if cleaned:
        assert (form.cleaned_data["id_number"], form.cleaned_data["phone"]) == cleaned


def test_a_required_mobile_says_so():
    assert MobileField().widget.input_type == "tel"
    with pytest.raises(forms.ValidationError) as refused:
        MobileField().clean("")
    assert refused.value.messages == ["请填写手机号码。"]


class Input(serializers.Serializer):
    id_number = IdNumberSerializerField()
    phone = MobileSerializerField(required=False, allow_blank=True, default="")


@pytest.mark.parametrize(
    ("data", "result"),
    [
        ({"id_number": NUMBER.lower(), "phone": "+86 139 1234 5678"}, (NUMBER, "13912345678")),
        ({"id_number": LEGACY}, (NUMBER, "")),
        ({"id_number": NUMBER, "phone": ""}, (NUMBER, "")),
        ({}, {"id_number": ["请填写身份证号码。"]}),
        ({"id_number": ""}, {"id_number": ["请填写身份证号码。"]}),
        ({"id_number": "1234"}, {"id_number": [WRONG_LENGTH]}),
        ({"id_number": NUMBER, "phone": "12345"}, {"phone": [BAD_MOBILE]}),
    ],
)
def test_the_api_fields_give_the_same_values_and_messages(data, result):
    incoming = Input(data=data)
    if isinstance(result, tuple):
        assert incoming.is_valid(), incoming.errors
        assert (incoming.validated_data["id_number"], incoming.validated_data["phone"]) == result
    else:
        assert not incoming.is_valid()
        assert incoming.errors == result


def test_a_required_mobile_in_the_api_says_so():
    class Booking(serializers.Serializer):
        phone = MobileSerializerField()

    for data in ({}, {"phone": ""}):
        incoming = Booking(data=data)
        assert not incoming.is_valid()
        assert incoming.errors == {"phone": ["请填写手机号码。"]}

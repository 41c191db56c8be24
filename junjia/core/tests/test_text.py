"""Hidden characters (controls, direction overrides, zero-width) are refused in every text
that comes in: forms, the API's bodies; the Excel writer drops them."""

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from junjia.core import text
from junjia.core.parsers import JSONParser
from junjia.core.xlsx import neutralise

HIDDEN_SAMPLES = ["\x00", "\x07", "\x1b", "\x7f", "\u200b", "\u200f", "\u202e", "\u2066", "\ufeff"]


@pytest.mark.parametrize("char", HIDDEN_SAMPLES)
def test_each_hidden_character_is_found(char):
    assert text.hidden_in(f"张{char}三")
    assert text.strip_hidden(f"张{char}三") == "张三"


@pytest.mark.parametrize("value", ["张三", "第一行\n第二行\r\n", "a\tb", "Zoë 阿卜杜拉·买买提"])
def test_ordinary_text_passes(value):
    assert not text.hidden_in(value)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_stripped_text_holds_nothing_hidden(value):
    assert not text.hidden_in(text.strip_hidden(value))
    assert not text.hidden_in(neutralise(value).lstrip("'"))


def test_first_hidden_names_the_path():
    assert text.first_hidden({"name": "张三"}) is None
    assert text.first_hidden({"name": "张\u202e三"}) == "name"
    assert text.first_hidden({"items": [{"remark": "ok"}, {"remark": "x\x01"}]}) == "items.1.remark"
    assert text.first_hidden("x\x01") == "detail"
    assert text.first_hidden({"k\u200b": "v"}) == "detail"


class NameForm(text.GuardedForm):
    name = forms.CharField(label="姓名")
    age = forms.IntegerField(required=False)


def test_a_guarded_form_puts_the_message_under_the_field():
    form = NameForm(data={"name": "张\u200b三"})
    assert not form.is_valid()
    assert form.errors["name"] == [text.MESSAGE]
    assert NameForm(data={"name": "张三"}).is_valid()


def test_the_api_parser_refuses_a_hidden_character_naming_the_field():
    import io

    from rest_framework.exceptions import ValidationError

    body = io.BytesIO('{"name": "张\\u0007三", "ok": "x"}'.encode())
    with pytest.raises(ValidationError) as refused:
        JSONParser().parse(body)
    assert refused.value.detail == {"name": [text.MESSAGE]}

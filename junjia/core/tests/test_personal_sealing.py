"""Sealing numbers into the columns each app declares: the associated data and blind-index
purposes stored data depends on stay as they were, a bulk import's remembered last-four
indexes equal fresh ones and never mix keys, and every declared column is rotated."""

import base64
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from junjia.cases.models import (
    APPOINTMENT_ID,
    APPOINTMENT_PHONE,
    CASE_APPLICANT_ID,
    CASE_APPLICANT_PHONE,
)
from junjia.core import rotation
from junjia.core.crypto import get_provider, reset_provider
from junjia.core.personal import ID
from junjia.registry.models import RECIPIENT_ID, RECIPIENT_PHONE

NUMBER = "11010519491231002X"
MOBILE = "13912345678"

# The associated data of the stored values: a changed byte and nothing stored decrypts.
STORED_AAD = [
    (RECIPIENT_ID, b"registry.recipient.id_number"),
    (RECIPIENT_PHONE, b"registry.recipient.phone"),
    (CASE_APPLICANT_ID, b"cases.applicant.id_number"),
    (CASE_APPLICANT_PHONE, b"cases.applicant.phone"),
    (APPOINTMENT_ID, b"cases.applicant.id_number"),
    (APPOINTMENT_PHONE, b"cases.applicant.phone"),
]


@pytest.mark.parametrize(("field", "aad"), STORED_AAD, ids=lambda v: getattr(v, "enc", ""))
def test_values_stored_before_open_and_new_ones_are_sealed_the_same_way(field, aad):
    # given a value encrypted as the apps did before this module existed
    value = NUMBER if field.kind is ID else MOBILE
    stored = get_provider().encrypt_text(value, aad=aad)

    # then the declaration opens it, and what it seals opens with the same bytes
    assert field.aad == aad
    assert field.open(SimpleNamespace(**{field.enc: stored})) == value
    sealed = field.seal(value)
    assert get_provider().decrypt_text(sealed[field.enc], aad=aad) == value


def test_the_file_s_number_fills_its_columns_with_the_purposes_of_its_indexes():
    provider = get_provider()

    sealed = RECIPIENT_ID.seal(NUMBER)

    assert {k: v for k, v in sealed.items() if k != "id_number_enc"} == {
        "id_masked": "110105********002X",
        "id_index": provider.blind_index(NUMBER, purpose="recipient.id"),
        "id_tail4_index": provider.blind_index("002X", purpose="recipient.id_tail4")[:16],
        "id_tail6_index": provider.blind_index("31002X", purpose="recipient.id_tail6")[:16],
    }
    assert RECIPIENT_ID.lookup(NUMBER) == sealed["id_index"]
    # one person's number is found in every app by the same index
    assert CASE_APPLICANT_ID.seal(NUMBER)["applicant_id_index"] == sealed["id_index"]
    assert APPOINTMENT_ID.lookup(NUMBER) == sealed["id_index"]
    assert RECIPIENT_PHONE.seal(MOBILE)["phone_index"] == provider.blind_index(
        MOBILE, purpose="recipient.phone"
    )


def test_a_phone_without_an_index_column_gets_none_and_an_empty_value_empties_every_column():
    sealed = CASE_APPLICANT_PHONE.seal(MOBILE)
    assert set(sealed) == {"applicant_phone_enc", "applicant_phone_masked"}
    assert sealed["applicant_phone_masked"] == "139****5678"
    assert RECIPIENT_PHONE.seal("") == {"phone_enc": "", "phone_masked": "", "phone_index": ""}
    assert RECIPIENT_PHONE.open(SimpleNamespace(phone_enc="")) == ""


def test_searching_by_a_tail_uses_the_tail_s_column():
    assert RECIPIENT_ID.matching_tail("002X").children == [
        ("id_tail4_index", RECIPIENT_ID.seal(NUMBER)["id_tail4_index"])
    ]
    assert RECIPIENT_ID.matching_tail("31002X").children == [
        ("id_tail6_index", RECIPIENT_ID.seal(NUMBER)["id_tail6_index"])
    ]
    with pytest.raises(ValueError):
        RECIPIENT_ID.matching_tail("12345")


def test_remembered_tail_indexes_equal_fresh_ones_and_a_new_key_starts_afresh():
    # given numbers sharing their last four, sealed one after another (a bulk import)
    numbers = ["370202197001011234", "370202198002021234", "37020219900303567X"]
    provider = get_provider()
    fresh = [provider.blind_index(n[-4:], purpose="recipient.id_tail4")[:16] for n in numbers]
    assert [RECIPIENT_ID.seal(n)["id_tail4_index"] for n in numbers] == fresh
    before = RECIPIENT_ID.seal(numbers[0])["id_tail4_index"]

    # when the MAC key changes
    other_key = {**settings.JUNJIA_CRYPTO, "MAC_KEY": base64.b64encode(b"n" * 32).decode()}
    with override_settings(JUNJIA_CRYPTO=other_key):
        reset_provider()
        try:
            after = RECIPIENT_ID.seal(numbers[0])["id_tail4_index"]
            expected = get_provider().blind_index(numbers[0][-4:], purpose="recipient.id_tail4")
        finally:
            reset_provider()

    # then the index is the new key's, never the one remembered
    assert after == expected[:16]
    assert after != before


def test_every_declared_column_is_rotated():
    registered = rotation.registered()
    for field, _ in STORED_AAD:
        assert rotation.EncryptedColumn(field.model, field.enc, field.aad) in registered
    copies = {
        (c.model_label, c.field, c.aad) for c in registered if isinstance(c, rotation.EncryptedJson)
    }
    assert copies >= {
        ("registry.ChangeRequest", "base", b"registry.recipient.phone"),
        ("registry.ChangeRequest", "proposed", b"registry.recipient.phone"),
    }

"""Identity-number columns: the bulk import's last-four memo gives exactly what one call
gives, and never an index made with another key."""

import base64
import datetime as dt

from django.conf import settings

from junjia.core import crypto
from junjia.registry import crypto_fields
from junjia.registry.tests.factories import make_id_number


def _without_ciphertext(columns: dict) -> dict:
    return {k: v for k, v in columns.items() if k != "id_number_enc"}  # random nonce


def test_tail4_memo_gives_the_same_columns_and_forgets_on_a_new_key(monkeypatch):
    numbers = [make_id_number(dt.date(1970, 1, 1), True, "370202", seq=s) for s in (1, 1, 2)]
    memo: dict = {}
    for number in numbers:
        assert _without_ciphertext(
            crypto_fields.id_fields(number, tail4_memo=memo)
        ) == _without_ciphertext(crypto_fields.id_fields(number))
    assert len(memo) == 1 + len({n[-4:] for n in numbers})  # the provider, then one per tail
    before = crypto_fields.id_fields(numbers[0])["id_tail4_index"]

    other = crypto.build_provider(
        {**settings.JUNJIA_CRYPTO, "MAC_KEY": base64.b64encode(b"n" * 32).decode()}
    )
    monkeypatch.setattr(crypto_fields, "get_provider", lambda: other)
    after = crypto_fields.id_fields(numbers[0], tail4_memo=memo)["id_tail4_index"]
    assert after == other.blind_index(numbers[0][-4:], purpose="recipient.id_tail4")[:16]
    assert after != before

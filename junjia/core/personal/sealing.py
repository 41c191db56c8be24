"""Identity and phone numbers at rest: each app declares its columns once (a PersonalField),
and the declaration seals a value into them — ciphertext, blind indexes, masked form — opens
it again, finds rows by it and registers the ciphertext for key rotation.

The associated data bind a ciphertext to its column and never change: a stored value
decrypts only with the bytes it was sealed with. The blind-index purposes are one per kind
of number, the same in every app, so one person's number is found across apps.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q

from junjia.core import rotation
from junjia.core.crypto import get_provider

from .idnumber import mask_id
from .phones import mask_phone

# An index of a few last characters is cut to 16 hex characters (its column's width).
TAIL_INDEX_LENGTH = 16
# Tails this short have few values (the last four of an identity number: 11,000), so their
# indexes are remembered per process and provider: a bulk import sees each one many times.
_MEMO_TAIL = 4
_TAIL_MEMOS: dict[str, dict] = {}


@dataclass(frozen=True)
class Kind:
    """What a number is: its name (in audit rows), its blind-index purpose, its mask."""

    name: str
    purpose: str
    mask: Callable[[str], str]


# The purposes carry the registry's name from when it alone held numbers; a new purpose would
# make new indexes, so they stay.
ID = Kind("id_number", "recipient.id", mask_id)
PHONE = Kind("phone", "recipient.phone", mask_phone)


@dataclass(frozen=True)
class PersonalField:
    """One model's columns for one number. `seal` takes a value already validated and
    normalised (core.personal.parse_id_number, normalise_mobile)."""

    kind: Kind
    aad: bytes  # associated data: fixed for good
    model: str  # "app_label.ModelName"
    enc: str  # the ciphertext column
    masked: str  # the masked column
    index: str = ""  # the blind-index column, if the model keeps one
    tails: tuple[tuple[str, int], ...] = ()  # (column, length): indexes of the last characters

    @cached_property
    def _tail_purposes(self) -> tuple[tuple[str, int, str], ...]:
        return tuple((c, n, f"{self.kind.purpose}_tail{n}") for c, n in self.tails)

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return (self.enc, self.masked, *([self.index] if self.index else []), *dict(self.tails))

    def seal(self, value: str) -> dict[str, str]:
        """{column: value} for a row; every column empty for an empty value."""
        if not value:
            return dict.fromkeys(self.columns, "")
        provider = get_provider()
        sealed = {
            self.enc: provider.encrypt_text(value, aad=self.aad),
            self.masked: self.kind.mask(value),
        }
        if self.index:
            sealed[self.index] = provider.blind_index(value, purpose=self.kind.purpose)
        for column, length, purpose in self._tail_purposes:
            sealed[column] = _tail_index(provider, value[-length:], purpose)
        return sealed

    def open(self, row) -> str:
        """The plain value held by `row` ("" when it holds none). Shown to a person only
        through core.personal.reveal, which audits it."""
        token = getattr(row, self.enc)
        return get_provider().decrypt_text(token, aad=self.aad) if token else ""

    def lookup(self, value: str) -> str:
        """The blind index of a normalised value."""
        return get_provider().blind_index(value, purpose=self.kind.purpose)

    def matching(self, value: str) -> Q:
        """Rows holding the value."""
        return Q(**{self.index: self.lookup(value)})

    def matching_tail(self, tail: str) -> Q:
        """Rows whose value ends in `tail` (a declared tail length)."""
        for column, length, purpose in self._tail_purposes:
            if length == len(tail):
                return Q(**{column: _tail_index(get_provider(), tail, purpose)})
        raise ValueError(f"{self.model}.{self.enc} has no index of the last {len(tail)}")


def _tail_index(provider, tail: str, purpose: str) -> str:
    if len(tail) > _MEMO_TAIL:
        return provider.blind_index(tail, purpose=purpose)[:TAIL_INDEX_LENGTH]
    memo = _TAIL_MEMOS.get(purpose)
    if memo is None or memo[None] is not provider:  # a new key starts afresh
        memo = _TAIL_MEMOS[purpose] = {None: provider}
    found = memo.get(tail)
    if found is None:
        found = memo[tail] = provider.blind_index(tail, purpose=purpose)[:TAIL_INDEX_LENGTH]
    return found


def register(*fields: PersonalField) -> None:
    """The fields' ciphertext columns, re-encrypted by `manage.py rotate_keys`."""
    for field in fields:
        rotation.register(rotation.EncryptedColumn(field.model, field.enc, field.aad))


def register_copies(
    field: PersonalField, *, model: str, json_fields: tuple[str, ...], find: Callable
) -> None:
    """Copies of a field's ciphertext inside JSON columns (`find(value)` yields (path, token)
    pairs), re-encrypted with the same associated data."""
    for json_field in json_fields:
        rotation.register(rotation.EncryptedJson(model, json_field, field.aad, find))

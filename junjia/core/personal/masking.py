"""Free text a person typed, masked before it is logged: it may hold a full identity or
phone number (a search box above all)."""

import re

from .idnumber import mask_id
from .phones import mask_phone

# Keys of list and search parameters that hold free text typed by a person.
FREE_TEXT_KEYS = frozenset({"q", "query", "search"})

# A run of 7 or more digits (an identity number may end in X): long enough to be an identity,
# phone or bank number; shorter runs (a tail of 4 or 6, a year) stay as typed.
_LONG_NUMBER = re.compile(r"\d{7,}[Xx]?|\d{6,}[Xx]")
# Any 11 digits from 1 is masked as a phone, valid or not (masking is not validation).
_PHONE_LIKE = re.compile(r"^1\d{10}$")


def _mask_number(match: re.Match) -> str:
    number = match.group()
    if len(number) == 18:
        return mask_id(number.upper())
    if _PHONE_LIKE.match(number):
        return mask_phone(number)
    return number[:3] + "*" * (len(number) - 3)


def mask_text(text: str) -> str:
    """Free text with every long number in it masked, the rest as typed."""
    return _LONG_NUMBER.sub(_mask_number, text or "")


def mask_params(params: dict) -> dict:
    """List or search parameters for a log: free-text values masked, the rest unchanged."""
    return {
        key: mask_text(str(value)) if key in FREE_TEXT_KEYS and value else value
        for key, value in params.items()
    }

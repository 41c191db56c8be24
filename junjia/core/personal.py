"""Identity and phone numbers shown or logged: the one place that masks them.

Stored values are encrypted with a blind index (core.crypto; the registry's crypto_fields);
what leaves the database for a page, an export or a log is masked here. Free text that a
person typed — a search box above all — is masked before it is written to the audit log:
it may hold a full identity or phone number.
"""

import re

# Keys of list and search parameters that hold free text typed by a person.
FREE_TEXT_KEYS = frozenset({"q", "query", "search"})

# A run of 7 or more digits (an identity number may end in X): long enough to be an identity,
# phone or bank number; shorter runs (a tail of 4 or 6, a year) stay as typed.
_LONG_NUMBER = re.compile(r"\d{7,}[Xx]?|\d{6,}[Xx]")
_MOBILE = re.compile(r"^1\d{10}$")


def mask_id(value: str) -> str:
    """110101********123X: the address code and the last four stay visible."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]


def mask_phone(value: str) -> str:
    """139****5678."""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def _mask_number(match: re.Match) -> str:
    number = match.group()
    if len(number) == 18:
        return mask_id(number.upper())
    if _MOBILE.match(number):
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

"""Mainland mobile numbers: validation and masking."""

import re

from junjia.core.errors import DomainError

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class PhoneError(DomainError):
    pass


def normalise_mobile(raw: str) -> str:
    text = re.sub(r"[\s-]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not _MOBILE.match(text):
        raise PhoneError("手机号码应为 11 位中国大陆手机号，以 13–19 开头。")
    return text


def mask_phone(value: str) -> str:
    """139****5678."""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)

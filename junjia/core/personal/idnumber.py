"""Citizen identity numbers (GB 11643-1999): validation, 15→18 conversion, derived facts, mask.

A county code missing from today's division list is only a warning: codes are created and
retired over the decades, and older people carry codes that no longer exist.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from junjia.core import clock
from junjia.core.errors import DomainError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level prefixes of GB/T 2260, plus 83 (Taiwan residents' residence permits).
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
EARLIEST_BIRTH = dt.date(1890, 1, 1)


class IdNumberError(DomainError):
    pass


@dataclass(frozen=True)
class IdNumber:
    value: str  # 18 characters, X upper-case
    birth_date: dt.date
    gender: str  # "M" / "F"
    converted_from_15: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def masked(self) -> str:
        return mask_id(self.value)

    @property
    def tail4(self) -> str:
        return self.value[-4:]

    @property
    def tail6(self) -> str:
        return self.value[-6:]


# Each position's digit times its weight, looked up: the check character is computed for every
# row of an import (three rows per person), so this is a table, not a loop of int() calls.
_PRODUCTS = tuple({str(d): d * w for d in range(10)} for w in _WEIGHTS)


def check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_character needs the first 17 digits")
    try:
        return _CHECK[sum([t[d] for t, d in zip(_PRODUCTS, first17, strict=True)]) % 11]
    except KeyError:
        raise ValueError("check_character needs ASCII digits") from None


def mask_id(value: str) -> str:
    """110101********123X: the address code and the last four stay visible."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]


def _birth(text: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise IdNumberError(f"身份证号码中的出生日期 {text} 不是有效日期。") from exc


def parse(raw: str, *, today: dt.date | None = None, known_county=None) -> IdNumber:
    """Validate and normalise; raise IdNumberError with a message fit for the clerk.
    `today` defaults to the clock's (a bulk import passes it once for every row);
    `known_county(code) -> bool` enables the (warning-only) county check."""
    today = today or clock.today()
    text = (raw or "").strip().replace(" ", "").upper()
    if not text.isascii():  # full-width digits and Ｘ typed with a Chinese input method
        text = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    converted = False
    if len(text) == 15:
        if not (text.isascii() and text.isdigit()):
            raise IdNumberError("15 位身份证号码只能由数字组成。")
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_character(first17)
        converted = True
    if len(text) != 18:
        raise IdNumberError(f"身份证号码应为 18 位（或旧版 15 位），您输入了 {len(text)} 位。")
    if not (text.isascii() and text[:17].isdigit()):
        raise IdNumberError("身份证号码前 17 位只能是数字；字母 X 只能出现在最后一位。")
    if not (text[17].isdigit() or text[17] == "X"):
        raise IdNumberError("身份证号码最后一位只能是数字或 X。")
    if text[:2] not in PROVINCE_PREFIXES:
        raise IdNumberError(f"身份证号码前两位 {text[:2]} 不是有效的省级行政区划代码。")
    birth = _birth(text[6:14])
    if birth > today:
        raise IdNumberError(f"身份证号码中的出生日期 {birth:%Y-%m-%d} 晚于今天。")
    if birth < EARLIEST_BIRTH:
        raise IdNumberError(f"身份证号码中的出生日期 {birth:%Y-%m-%d} 早于 1890 年，请核对。")
    expected = check_character(text[:17])
    if not converted and text[17] != expected:
        raise IdNumberError("身份证号码校验位不正确，请逐位核对（可能有输错或颠倒的数字）。")
    warnings = []
    if known_county is not None and not known_county(text[:6]):
        warnings.append(
            f"身份证号码中的地址码 {text[:6]} 不在现行行政区划代码中"
            "（可能是已撤销或调整的旧代码），请核对。"
        )
    gender = "M" if int(text[16]) % 2 == 1 else "F"
    return IdNumber(text, birth, gender, converted, tuple(warnings))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))

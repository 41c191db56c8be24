"""Division codes: level, numeric key and subtree range, all derived from the code itself.

A region's *key* is its code as a 12-digit number (6-digit codes are padded with 000000), so
the whole subtree of any region is one contiguous key range. Every scoped row stores the key
of the region it belongs to; "everything under this county" is then one index range scan,
with no recursion and no join, on SQLite and PostgreSQL alike.
"""

import re

from .choices import Level

_SIX = re.compile(r"^\d{6}$")
_TWELVE = re.compile(r"^\d{12}$")

# How many keys one region of each level spans.
_SPAN = {
    Level.PROVINCE: 10**10,
    Level.CITY: 10**8,
    Level.COUNTY: 10**6,
    Level.TOWNSHIP: 10**3,
    Level.VILLAGE: 1,
}


class CodeError(ValueError):
    """A division code that is malformed or does not fit where it is placed."""


def level_of(code: str) -> Level:
    if _SIX.match(code):
        if code[:2] == "00":
            raise CodeError(f"区划代码 {code} 无效：省级代码前两位不能为 00")
        if code[2:] == "0000":
            return Level.PROVINCE
        if code[4:] == "00":
            return Level.CITY
        return Level.COUNTY
    if _TWELVE.match(code):
        if code[6:9] == "000":
            raise CodeError(f"区划代码 {code} 无效：乡镇代码第 7–9 位不能为 000")
        if code[9:] == "000":
            return Level.TOWNSHIP
        return Level.VILLAGE
    raise CodeError(f"区划代码 {code!r} 无效：省、市、县为 6 位数字，乡镇、村为 12 位数字")


def key_of(code: str) -> int:
    level_of(code)
    return int(code) * 10**6 if len(code) == 6 else int(code)


def ancestor_keys(key: int) -> list[int]:
    """The keys a region holding this key can have: the key itself and the key cut at each
    level's span (its township, county, city and province)."""
    return sorted({ancestor_key(key, level) for level in _SPAN})


def subtree_range(code: str) -> tuple[int, int]:
    """The inclusive key range covering the region and everything below it."""
    level = level_of(code)
    low = key_of(code)
    return low, low + _SPAN[level] - 1


def ancestor_key(key: int, level: int) -> int:
    """The key of the region at `level` that holds the region with this key (itself when
    it is of that level): its code with the lower levels' digits cut off."""
    return key - key % _SPAN[level]


def check_child(parent_code: str, parent_level: int, child_code: str) -> Level:
    """Validate that child_code is a well-formed code one level (or more, see below) down
    and lies inside the parent's code. Returns the child's level."""
    child_level = level_of(child_code)
    low, high = subtree_range(parent_code)
    if not (low <= key_of(child_code) <= high) or child_code == parent_code:
        raise CodeError(f"区划代码 {child_code} 不在上级区划 {parent_code} 的代码范围内")
    expected = parent_level + 1
    # Cities without counties (不设区的地级市, e.g. 东莞 441900) hold townships directly.
    if child_level != expected and not (
        parent_level == Level.CITY and child_level == Level.TOWNSHIP
    ):
        raise CodeError(
            f"区划代码 {child_code} 是{Level(child_level).label}代码，"
            f"不能直接放在{Level(parent_level).label}区划 {parent_code} 之下"
        )
    return Level(child_level)

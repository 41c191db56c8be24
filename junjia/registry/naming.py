"""Pinyin search keys for names (张三 → zhangsan / zs)."""

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

_CHAR_KEYS: dict[str, tuple[str, str]] = {}


def _slow_keys(text: str) -> tuple[str, str]:
    full = "".join(lazy_pinyin(text, errors="ignore")).lower()
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()
    return full[:200], initials[:50]


def pinyin_keys(name: str) -> tuple[str, str]:
    """The full pinyin and the initials of a name, as pypinyin's lazy_pinyin gives them.

    pypinyin reads a word's pinyin from its phrase dictionary when the word is there (长江
    chang, 尉迟 yu, 万俟 mo) and otherwise character by character, each character's default
    reading independent of its neighbours (no tone sandhi in the styles used here). So when
    every character has a reading and no run of two or more characters is a dictionary
    phrase, the keys are the characters' own keys joined — cached once per character, a
    tenth of the cost, which matters when a province's files are imported or generated. Any
    other name goes through lazy_pinyin itself (test_naming checks the two agree)."""
    n = len(name)
    if (
        not 1 <= n <= 8
        or any(ord(c) not in PINYIN_DICT for c in name)
        or any(name[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1))
    ):
        return _slow_keys(name)
    full, initials = [], []
    for char in name:
        keys = _CHAR_KEYS.get(char)
        if keys is None:
            keys = _CHAR_KEYS[char] = _slow_keys(char)
        full.append(keys[0])
        initials.append(keys[1])
    return "".join(full)[:200], "".join(initials)[:50]

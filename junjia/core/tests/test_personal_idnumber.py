"""Identity numbers (GB 11643-1999), property-tested."""

import datetime as dt

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from junjia.core.personal.idnumber import IdNumberError, age_on, check_character, mask_id, parse

TODAY = dt.date(2026, 11, 23)


def build(area="110101", birth=dt.date(1990, 3, 7), order=123) -> str:
    first17 = f"{area}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


areas = st.sampled_from(["110101", "370202", "440305", "650102", "469001", "810000"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
orders = st.integers(0, 999)


@given(areas, births, orders)
def test_every_well_formed_number_parses_to_its_facts(area, birth, order):
    number = build(area, birth, order)
    parsed = parse(number, today=TODAY)
    assert parsed.value == number
    assert parsed.birth_date == birth
    assert parsed.gender == ("M" if order % 2 else "F")
    assert parsed.masked == number[:6] + "********" + number[-4:]


@given(areas, births, orders, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_error_is_caught(area, birth, order, position, delta):
    number = build(area, birth, order)
    wrong = str((int(number[position]) + delta) % 10)
    corrupted = number[:position] + wrong + number[position + 1 :]
    try:
        parsed = parse(corrupted, today=TODAY)
    except IdNumberError:
        return
    # A digit change inside the date can make another valid number only if the check matches,
    # which the MOD 11-2 scheme rules out for one changed digit.
    raise AssertionError(f"accepted {corrupted} ({parsed})")


@given(areas, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), orders)
def test_fifteen_digit_numbers_convert_to_eighteen(area, birth, order):
    legacy = f"{area}{birth:%y%m%d}{order:03d}"
    parsed = parse(legacy, today=TODAY)
    assert parsed.converted_from_15
    assert parsed.value == build(area, birth, order)


def test_lowercase_x_is_normalised_and_x_only_last():
    first17 = "11010519491231002"
    assert check_character(first17) == "X"
    assert parse(first17 + "x", today=TODAY).value == first17 + "X"
    with pytest.raises(IdNumberError, match="X 只能出现在最后一位"):
        parse("1101051949123X002X", today=TODAY)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "应为 18 位"),
        ("12345", "应为 18 位"),
        (build(area="990101"), "前两位 99 不是有效的省级行政区划代码"),
        ("110101" + "19900230" + "1234", "不是有效日期"),
        (build(birth=dt.date(2027, 1, 1)), "晚于今天"),
        (build()[:-1] + ("0" if build()[-1] != "0" else "1"), "校验位不正确"),
        ("11010119900307123A", "最后一位只能是数字或 X"),
    ],
)
def test_refusals_say_what_is_wrong(raw, message):
    with pytest.raises(IdNumberError, match=message):
        parse(raw, today=TODAY)


def test_unknown_county_is_only_a_warning():
    parsed = parse(build(area="370299"), today=TODAY, known_county=lambda code: code == "370202")
    assert parsed.value
    assert "370299 不在现行行政区划代码中" in parsed.warnings[0]


def test_mask():
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id("110105194912") == "*" * 12  # not a whole number: nothing shown


def _reference_check(first17: str) -> str:
    """GB 11643 §6.2 written out: Σ(aᵢ·Wᵢ) mod 11 → 1 0 X 9 8 7 6 5 4 3 2."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_agrees_with_the_standard_formula(first17):
    assert check_character(first17) == _reference_check(first17)


def test_full_width_digits_typed_with_an_input_method_are_accepted():
    number = build("370202", dt.date(1975, 3, 4), 12)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)  # "３７０２…"
    assert parse(wide, today=TODAY).value == number
    ends_in_x = next(
        n for n in (build("370202", dt.date(1975, 3, 4), o) for o in range(999)) if n[-1] == "X"
    )
    assert parse(ends_in_x[:17] + "ｘ", today=TODAY).value == ends_in_x


@pytest.mark.parametrize("digit", ["١", "٣", "۵"])
def test_digits_of_other_scripts_are_refused_with_a_message(digit):
    number = build()
    with pytest.raises(IdNumberError, match="前 17 位只能是数字"):
        parse(number[:5] + digit + number[6:], today=TODAY)


def test_age_counts_whole_years_to_the_birthday():
    birth = dt.date(1950, 3, 7)
    assert age_on(birth, dt.date(2026, 3, 6)) == 75
    assert age_on(birth, dt.date(2026, 3, 7)) == 76


def test_today_defaults_to_the_clock():
    number = build(birth=dt.date(2026, 11, 24))
    with freeze_time("2026-11-23 12:00:00+08:00"), pytest.raises(IdNumberError, match="晚于今天"):
        parse(number)
    with freeze_time("2026-11-24 12:00:00+08:00"):
        assert parse(number).birth_date == dt.date(2026, 11, 24)

"""Division codes: levels, keys and subtree ranges (issue: children lie inside parents)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from junjia.orgs.choices import Level
from junjia.orgs.codes import (
    CodeError,
    ancestor_keys,
    check_child,
    key_of,
    level_of,
    subtree_range,
)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("370000", Level.PROVINCE),
        ("370200", Level.CITY),
        ("370202", Level.COUNTY),
        ("370202001000", Level.TOWNSHIP),
        ("370202001001", Level.VILLAGE),
    ],
)
def test_level_is_read_off_the_code(code, level):
    assert level_of(code) == level


@pytest.mark.parametrize(
    "code", ["", "37", "3702021", "37020200100", "37020200100a", "000000", "370202000001"]
)
def test_malformed_codes_are_refused_with_a_message(code):
    with pytest.raises(CodeError) as err:
        level_of(code)
    assert "区划代码" in str(err.value)


def test_subtree_ranges_nest():
    assert subtree_range("370000") == (370000000000, 379999999999)
    assert subtree_range("370200") == (370200000000, 370299999999)
    assert subtree_range("370202") == (370202000000, 370202999999)
    assert subtree_range("370202001000") == (370202001000, 370202001999)
    assert subtree_range("370202001001") == (370202001001, 370202001001)


def test_child_must_lie_inside_parent():
    assert check_child("370202", Level.COUNTY, "370202001000") == Level.TOWNSHIP
    with pytest.raises(CodeError, match="不在上级区划 370202 的代码范围内"):
        check_child("370202", Level.COUNTY, "370203001000")


def test_child_must_be_exactly_one_level_down():
    with pytest.raises(CodeError, match="不能直接放在县级区划"):
        check_child("370202", Level.COUNTY, "370202001001")


def test_city_without_counties_may_hold_townships():
    # 东莞市 441900 has no county level.
    assert check_child("441900", Level.CITY, "441900003000") == Level.TOWNSHIP


def test_a_region_is_not_its_own_child():
    with pytest.raises(CodeError):
        check_child("370202001000", Level.TOWNSHIP, "370202001000")


villages = st.builds(
    lambda p, c, d, t, v: f"{p:02d}{c:02d}{d:02d}{t:03d}{v:03d}",
    st.integers(11, 82),
    st.integers(1, 99),
    st.integers(1, 99),
    st.integers(1, 999),
    st.integers(1, 999),
)


@given(villages)
def test_every_ancestor_range_contains_the_village(code):
    key = key_of(code)
    for ancestor in (code[:2] + "0000", code[:4] + "00", code[:6], code[:9] + "000"):
        low, high = subtree_range(ancestor)
        assert low <= key <= high


@given(villages, villages)
def test_sibling_subtrees_do_not_overlap(a, b):
    ta, tb = a[:9] + "000", b[:9] + "000"
    if ta != tb:
        la, ha = subtree_range(ta)
        lb, hb = subtree_range(tb)
        assert ha < lb or hb < la


def test_ancestor_keys_are_the_keys_of_the_regions_holding_a_key():
    village = key_of("370202001001")
    assert ancestor_keys(village) == [
        key_of("370000"),
        key_of("370200"),
        key_of("370202"),
        key_of("370202001000"),
        village,
    ]
    assert ancestor_keys(key_of("370202")) == [key_of("370000"), key_of("370200"), key_of("370202")]


@pytest.mark.django_db
def test_holding_station_is_the_nearest_station_at_or_above(tree):
    """The same answer as the range over every region that it replaces."""
    from junjia.orgs.models import Region, Station
    from junjia.orgs.selectors import holding_station

    for region in Region.objects.all():
        ranged = (
            Station.objects.filter(region__key__lte=region.key, region__key_high__gte=region.key)
            .order_by("-region__level")
            .first()
        )
        assert holding_station(region.key) == ranged, region.code
    assert holding_station(tree.regions.village_a.key).region == tree.regions.village_a

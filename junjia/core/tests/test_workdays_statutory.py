"""Provisional years: the statutory holidays of 全国年节及纪念日放假办法 from lunar-python."""

import datetime as dt

import chinese_calendar
import pytest

from junjia.core.models import DayKind
from junjia.core.workdays.statutory import provisional_schedule, statutory_days

D = dt.date


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_holiday_in_the_official_schedule(year):
    # The official schedules of the years the package knows contain every statutory date.
    for day in statutory_days(year):
        assert chinese_calendar.is_holiday(day), day


def test_the_statutory_dates_of_2026():
    days = statutory_days(2026)
    assert len(days) == 13
    assert [d for d, name in days.items() if name == "春节"] == [
        D(2026, 2, d) for d in (16, 17, 18, 19)
    ]
    assert {name: d for d, name in days.items() if name in ("清明节", "端午节", "中秋节")} == {
        "清明节": D(2026, 4, 5),
        "端午节": D(2026, 6, 19),
        "中秋节": D(2026, 9, 25),
    }


def test_2027_weekend_holidays_are_made_up_on_the_next_free_weekdays():
    lines = {line.date: line.name for line in provisional_schedule(2027)}
    assert all(line.kind == DayKind.HOLIDAY for line in provisional_schedule(2027))
    # 春节 5–8 Feb 2027 (Fri–Mon): the Saturday and Sunday are made up on 9 and 10 Feb
    assert lines[D(2027, 2, 5)] == lines[D(2027, 2, 8)] == "春节"
    assert lines[D(2027, 2, 9)] == lines[D(2027, 2, 10)] == "春节（补假）"
    # 国庆 1–3 Oct 2027 (Fri–Sun): two weekend days, made up on Monday and Tuesday
    assert lines[D(2027, 10, 4)] == lines[D(2027, 10, 5)] == "国庆节（补假）"
    # every stored line is a weekday and no line is a make-up working day
    assert all(d.weekday() < 5 for d in lines)


@pytest.mark.parametrize("year", range(2025, 2100))
def test_every_year_has_one_weekday_off_per_statutory_day(year):
    # 13 statutory days (fewer when two coincide, as 中秋 and 国庆 on 3 Oct 2028); each on a
    # weekend is made up on a weekday of the same year (no statutory day falls late in December)
    days = statutory_days(year)
    lines = provisional_schedule(year)
    assert 12 <= len(days) <= 13
    assert len({line.date for line in lines}) == len(lines) == len(days)


def test_years_outside_the_statute_are_refused():
    with pytest.raises(ValueError):
        provisional_schedule(2024)

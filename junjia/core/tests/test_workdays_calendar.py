"""Working-day arithmetic: known 2025/2026 facts, unknown years, an entered 2027, properties."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from junjia.core.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from junjia.core.workdays import (
    UnknownCalendarYear,
    WorkingDayCalendar,
    add_working_days,
    is_working_day,
    missing_next_year_warning,
    next_working_day,
    working_days_between,
)
from junjia.core.workdays.calendar import NEXT_YEAR_MISSING, THIS_YEAR_MISSING
from junjia.core.workdays.services import calendar_seed_from_package, calendar_year_save

D = dt.date

# Test data in the shape of a State Council notice; not the real 2027 schedule.
SCHEDULE_2027 = """\
2027-01-01 休 元旦
2027-01-31 班 春节调休
2027-02-06 休 春节
2027-02-07 休 春节
2027-02-08 休 春节
2027-02-09 休 春节
2027-02-10 休 春节
2027-02-11 休 春节
2027-02-12 休 春节
2027-02-20 班 春节调休
"""

EXAMPLES = hypothesis_settings(
    max_examples=200,
    deadline=None,
    # The seeded database is read only, so sharing it between examples is safe.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def seeded(db):
    calendar_seed_from_package(actor=None)


@pytest.fixture
def with_2027(seeded, personas):
    calendar_year_save(
        actor=personas.sysadmin,
        year=2027,
        notice="国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
        schedule=SCHEDULE_2027,
    )


# --- known facts from the package ---------------------------------------------------------


@pytest.mark.parametrize("day", range(1, 8))
def test_national_day_2026_is_a_holiday(seeded, day):
    assert is_working_day(D(2026, 10, day)) is False


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (D(2026, 9, 30), True),  # Wednesday before National Day
        (D(2026, 10, 8), True),  # Thursday after
        (D(2026, 10, 10), True),  # make-up Saturday
        (D(2026, 10, 11), False),  # ordinary Sunday
        (D(2026, 9, 20), True),  # make-up Sunday
        (D(2026, 1, 4), True),  # make-up Sunday after New Year
        (D(2026, 2, 23), False),  # Spring Festival Monday
        (D(2025, 1, 26), True),  # make-up Sunday
        (D(2025, 10, 8), False),  # National Day + Mid-autumn 2025
        (D(2025, 10, 11), True),  # make-up Saturday
        (D(2025, 12, 31), True),
    ],
)
def test_known_days(seeded, date, expected):
    assert is_working_day(date) is expected


def test_add_working_days_across_national_day_counts_the_make_up_saturday(seeded):
    # given accepted on Wednesday 30 September 2026, the day before the holiday
    # then day 1 is Thu 8 Oct, day 2 Fri 9 Oct, day 3 the make-up Saturday 10 Oct
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3


def test_zero_days_is_the_day_itself_or_the_next_working_day(seeded):
    assert add_working_days(D(2026, 9, 30), 0) == D(2026, 9, 30)
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 8)


def test_acceptance_on_a_holiday_counts_from_the_next_working_day(seeded):
    # accepted on Sat 3 Oct (holiday): treated as accepted on Thu 8 Oct
    assert add_working_days(D(2026, 10, 3), 1) == D(2026, 10, 9)
    assert add_working_days(D(2026, 10, 3), 2) == D(2026, 10, 10)


def test_next_working_day_is_strictly_after(seeded):
    assert next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert next_working_day(D(2026, 10, 8)) == D(2026, 10, 9)
    assert next_working_day(D(2026, 10, 9)) == D(2026, 10, 10)


def test_between_is_negative_when_b_is_before_a(seeded):
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3
    assert working_days_between(D(2026, 9, 30), D(2026, 9, 30)) == 0
    # a holiday span contains no working days
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 7)) == 0


def test_year_2026_has_the_package_number_of_working_days(seeded):
    expected = len(chinese_calendar.get_workdays(D(2026, 1, 1), D(2026, 12, 31)))
    assert WorkingDayCalendar().working_days_in_year(2026) == expected


# --- unknown and provisional years ----------------------------------------------------------


def test_a_year_after_the_latest_official_one_is_provisional(seeded):
    calendar = WorkingDayCalendar()
    assert calendar.is_known(2026) and not calendar.is_provisional(2026)
    assert not calendar.is_known(2027) and calendar.is_provisional(2027)
    assert calendar.is_estimate(D(2027, 3, 1)) and not calendar.is_estimate(D(2026, 12, 31))


def test_a_deadline_running_into_a_provisional_year_counts_the_statutory_holidays(seeded):
    # 30 Dec and 31 Dec are the last two working days of 2026; 1 Jan 2027 (元旦) is statutory
    assert add_working_days(D(2026, 12, 29), 2) == D(2026, 12, 31)
    assert add_working_days(D(2026, 12, 29), 3) == D(2027, 1, 4)
    assert next_working_day(D(2026, 12, 31)) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 5
    # 春节 2027: 除夕 5 Feb (Fri) to 初三 8 Feb (Mon); 6 and 7 Feb fall on the weekend and are
    # made up on Tuesday 9 and Wednesday 10 Feb (补假); no make-up working day is guessed
    assert not is_working_day(D(2027, 2, 5))
    assert [is_working_day(D(2027, 2, d)) for d in (8, 9, 10, 11)] == [False, False, False, True]
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 11)


def test_a_20_working_day_limit_accepted_today_has_a_date(seeded):
    # The limit that make run refused before provisional years (accepted 7 Dec 2026)
    assert add_working_days(D(2026, 12, 7), 20) == D(2027, 1, 5)


def test_an_official_year_replaces_the_provisional_one(seeded, personas):
    assert is_working_day(D(2027, 1, 4)) is True
    calendar_year_save(
        actor=personas.sysadmin, year=2027, notice="测试通知", schedule="2027-01-04 休 元旦补"
    )
    assert WorkingDayCalendar().is_known(2027)
    assert is_working_day(D(2027, 1, 4)) is False
    assert is_working_day(D(2027, 1, 1)) is True  # only what the entered schedule says
    assert WorkingDayCalendar().is_provisional(2028)


def test_year_before_the_package_raises(seeded):
    with pytest.raises(UnknownCalendarYear, match=r"^2003 年"):
        working_days_between(D(2003, 12, 31), D(2004, 1, 5))


def test_empty_database_knows_no_year(db):
    with pytest.raises(UnknownCalendarYear, match=r"^2026 年"):
        is_working_day(D(2026, 11, 23))


def test_datetime_is_refused(seeded):
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2026, 11, 23, 9, 0))


def test_negative_days_are_refused(seeded):
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 23), -1)


# --- an administrator-entered 2027 ---------------------------------------------------------


def test_entered_2027_is_used(with_2027):
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)  # 1 Jan 2027 is a holiday
    assert add_working_days(D(2027, 1, 29), 1) == D(2027, 1, 31)  # make-up Sunday
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)  # over the Spring Festival
    assert working_days_between(D(2026, 12, 31), D(2027, 2, 15)) == 27
    assert is_working_day(D(2027, 2, 20)) is True
    assert is_working_day(D(2027, 2, 6)) is False  # weekend 休 line: rest as any Saturday


def test_replacing_2027_changes_results(with_2027, personas):
    calendar_year_save(
        actor=personas.sysadmin,
        year=2027,
        notice="更正通知（测试数据）",
        schedule="2027-01-01 休 元旦\n2027-01-04 休 元旦\n",
        replace=True,
    )
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 5)
    assert is_working_day(D(2027, 2, 8)) is True
    assert is_working_day(D(2027, 1, 31)) is False


# --- warning for administrators ------------------------------------------------------------


def test_warning_when_next_year_is_missing_in_the_fourth_quarter(seeded):
    assert missing_next_year_warning(D(2026, 11, 23)) == NEXT_YEAR_MISSING.format(year=2027)
    assert missing_next_year_warning(D(2026, 10, 1)) == NEXT_YEAR_MISSING.format(year=2027)
    assert missing_next_year_warning(D(2026, 9, 30)) is None


def test_no_warning_once_next_year_is_entered(with_2027):
    assert missing_next_year_warning(D(2026, 11, 23)) is None


def test_warning_when_this_year_is_missing(seeded):
    assert "暂按法定节假日估算" in THIS_YEAR_MISSING
    assert missing_next_year_warning(D(2027, 1, 5)) == THIS_YEAR_MISSING.format(year=2027)


# --- bulk use ------------------------------------------------------------------------------


def test_one_calendar_serves_a_thousand_dates_with_a_handful_of_queries(
    seeded, django_assert_num_queries
):
    starts = [D(2025, 1, 1) + dt.timedelta(days=i % 600) for i in range(1000)]
    calendar = WorkingDayCalendar()
    # 1 query for the known years, 1 each for the exceptions of 2025 and of 2026
    with django_assert_num_queries(3):
        due = [calendar.add_working_days(d, 20) for d in starts]
    assert due[0] == D(2025, 2, 6)


def test_a_stale_calendar_is_not_kept_between_calls(seeded, personas):
    # given a first call in this process counted 4 Jan 2027 as a working day (provisional)
    assert is_working_day(D(2027, 1, 4)) is True
    # when an administrator enters 2027 (possibly through another process)
    calendar_year_save(
        actor=personas.sysadmin, year=2027, notice="测试通知", schedule="2027-01-04 休 测试"
    )
    # then the next call sees it
    assert is_working_day(D(2027, 1, 4)) is False


# --- properties ----------------------------------------------------------------------------

package_dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))


@EXAMPLES
@given(day=package_dates)
def test_matches_the_package_on_every_day(seeded, day):
    assert WorkingDayCalendar().is_working_day(day) is chinese_calendar.is_workday(day)


@EXAMPLES
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 1)), n=st.integers(0, 100))
def test_between_inverts_add_from_a_working_day(seeded, start, n):
    calendar = WorkingDayCalendar()
    start = calendar.add_working_days(start, 0)
    due = calendar.add_working_days(start, n)
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(start, due) == n
    assert calendar.working_days_between(due, start) == -n


@EXAMPLES
@given(start=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 1)), n=st.integers(0, 60))
def test_add_agrees_with_walking_day_by_day(seeded, start, n):
    calendar = WorkingDayCalendar()
    day = start
    while not chinese_calendar.is_workday(day):
        day += dt.timedelta(days=1)
    for _ in range(n):
        day += dt.timedelta(days=1)
        while not chinese_calendar.is_workday(day):
            day += dt.timedelta(days=1)
    assert calendar.add_working_days(start, n) == day


@EXAMPLES
@given(a=package_dates, b=package_dates)
def test_between_counts_working_days_in_the_half_open_interval(seeded, a, b):
    low, high = min(a, b), max(a, b)
    if (high - low).days > 800:  # keep the reference count cheap
        high = low + dt.timedelta(days=800)
        a, b = (low, high) if a <= b else (high, low)
    expected = sum(
        1
        for i in range(1, (high - low).days + 1)
        if chinese_calendar.is_workday(low + dt.timedelta(days=i))
    )
    assert WorkingDayCalendar().working_days_between(a, b) == (expected if a <= b else -expected)


@EXAMPLES
@given(a=package_dates, b=package_dates, c=package_dates)
def test_between_is_additive(seeded, a, b, c):
    calendar = WorkingDayCalendar()
    assert calendar.working_days_between(a, b) + calendar.working_days_between(
        b, c
    ) == calendar.working_days_between(a, c)


def test_seeded_years_are_package_years(seeded):
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {CalendarSource.PACKAGE}
    assert not CalendarDay.objects.filter(kind=DayKind.HOLIDAY, date__week_day__in=[1, 7]).exists()

"""Working-day arithmetic: Monday–Friday, minus statutory holidays, plus make-up days (调休).

A year is *official* when a CalendarYear row exists; its CalendarDay rows are the exceptions
to the Monday–Friday rule. A year after the latest official one is *provisional*: counted from
the statutory holidays alone (statutory.py), so that a deadline reaching into a year whose
schedule is not published yet does not stop the service hall; every date in a provisional year
is shown as an estimate, and entering the official year recomputes the open deadlines in it
(recompute.py). Any other year (before the first official one, or with nothing entered at all)
raises UnknownCalendarYear.

Conventions (the same everywhere deadlines are counted):

- add_working_days(d, n): a matter accepted on a non-working day counts as accepted on the
  next working day (受理日为节假日的顺延至下一工作日); the limit then runs from the day after.
  So add_working_days(d, 0) is d itself when d is a working day, else the next working day,
  and add_working_days(d, n) for n >= 1 is the n-th working day after that.
- working_days_between(a, b): the number of working days in (a, b] — a excluded, b included —
  and minus the number in (b, a] when b < a. For a working day d,
  working_days_between(d, add_working_days(d, n)) == n.

Nothing is cached across calls in process memory (several processes serve one database and an
administrator may enter a year at any time). A WorkingDayCalendar caches what it has read for
its own lifetime: create one per request or per scan and reuse it for thousands of dates.
"""

import datetime as dt
from bisect import bisect_left, bisect_right

from junjia.core.errors import DomainError
from junjia.core.models import CalendarDay, CalendarYear, DayKind

from . import statutory

UNKNOWN_YEAR = "{year} 年的节假日安排尚未录入，无法计算工作日，请系统管理员在“工作日历”中录入。"
NEXT_YEAR_MISSING = (
    "{year} 年的节假日安排尚未录入。国务院办公厅通常在每年第四季度公布次年安排，公布后请在"
    "“工作日历”中录入；录入前，落在 {year} 年的办理期限暂按法定节假日估算，录入后自动重算并"
    "通知经办人。"
)
PROVISIONAL_NOTE = "暂按法定节假日估算"
THIS_YEAR_MISSING = (
    "本年度（{year} 年）的节假日安排尚未录入，当前的办理期限都只是暂按法定节假日估算。请立即在"
    "“工作日历”中录入国务院办公厅公布的安排。"
)
# The State Council publishes next year's schedule in the fourth quarter (late October to
# mid-November in recent years). From October on, long limits (60 working days) reach into
# next year, so that is when administrators need the reminder; earlier it would be noise
# they learn to ignore.
WARN_FROM_MONTH = 10


class UnknownCalendarYear(DomainError):
    """A date falls in a year whose holiday schedule has not been entered."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(UNKNOWN_YEAR.format(year=year))


def _check_date(value) -> dt.date:
    # datetime is a subclass of date; silently using its date part would take the UTC day for
    # an aware value. Callers convert with timezone.localdate(value) first.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"工作日计算需要 datetime.date，收到 {type(value).__name__}")
    return value


class WorkingDayCalendar:
    """Reads the known years once and each year's exceptions once, on first need.

    Not shared between requests or threads; create one where the work starts.
    """

    def __init__(self) -> None:
        self._known: frozenset[int] | None = None
        self._latest: int | None = None
        # year -> sorted ordinals of that year's working days
        self._working: dict[int, list[int]] = {}

    # --- loading -------------------------------------------------------------------------

    def known_years(self) -> frozenset[int]:
        """The official years (entered or seeded from the package)."""
        if self._known is None:
            self._known = frozenset(CalendarYear.objects.values_list("year", flat=True))
            self._latest = max(self._known, default=None)
        return self._known

    def is_known(self, year: int) -> bool:
        return year in self.known_years()

    def is_provisional(self, year: int) -> bool:
        """A year after the latest official one, counted from the statutory holidays."""
        self.known_years()
        return (
            self._latest is not None
            and year > self._latest
            and statutory.FIRST_YEAR <= year <= statutory.LAST_YEAR
        )

    def is_estimate(self, d: dt.date | None) -> bool:
        """Whether a date computed by this calendar lies in a provisional year."""
        return d is not None and self.is_provisional(d.year)

    def require_years(self, first: int, last: int) -> None:
        """Raise for the first year in first..last that is neither official nor provisional;
        load all of them in one query."""
        known = self.known_years()
        for year in range(first, last + 1):
            if year not in known and not self.is_provisional(year):
                raise UnknownCalendarYear(year)
        self._load([y for y in range(first, last + 1) if y not in self._working])

    def _load(self, years: list[int]) -> None:
        for year in [y for y in years if y not in self.known_years()]:
            exceptions = {e.date: e.kind for e in statutory.provisional_schedule(year)}
            self._working[year] = _working_ordinals(year, exceptions)
        years = [y for y in years if y in self.known_years()]
        if not years:
            return
        exceptions: dict[dt.date, str] = dict(
            CalendarDay.objects.filter(
                date__gte=dt.date(min(years), 1, 1), date__lte=dt.date(max(years), 12, 31)
            ).values_list("date", "kind")
        )
        for year in years:
            self._working[year] = _working_ordinals(year, exceptions)

    def _days(self, year: int) -> list[int]:
        days = self._working.get(year)
        if days is None:
            self.require_years(year, year)
            days = self._working[year]
        return days

    # --- questions -----------------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        d = _check_date(d)
        days = self._days(d.year)
        i = bisect_left(days, d.toordinal())
        return i < len(days) and days[i] == d.toordinal()

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after d."""
        return self._nth_after(_check_date(d), 1)

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d (d rolled forward to a working day first)."""
        d = _check_date(d)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"工作日天数须为非负整数，收到 {n!r}")
        start = d if self.is_working_day(d) else self._nth_after(d, 1)
        return start if n == 0 else self._nth_after(start, n)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        a, b = _check_date(a), _check_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        self.require_years(a.year, b.year)
        low, high = a.toordinal(), b.toordinal()
        return sum(
            bisect_right(days, high) - bisect_right(days, low)
            for days in (self._days(year) for year in range(a.year, b.year + 1))
        )

    def nth_working_day_after(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after d (n >= 1), with no rolling forward: for any
        start s and working day e >= s, nth_working_day_after(s, working_days_between(s, e))
        is e. Deadlines are recomputed this way when the calendar changes."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"工作日天数须为正整数，收到 {n!r}")
        return self._nth_after(_check_date(d), n)

    def preload(self, first: int, last: int) -> "WorkingDayCalendar":
        """Read the years first..last now (those that can be counted), so that this calendar
        keeps answering as the database stood, after the schedule itself is changed."""
        for year in range(first, last + 1):
            try:
                self._days(year)
            except UnknownCalendarYear:
                continue
        return self

    def working_days_in_year(self, year: int) -> int:
        return len(self._days(year))

    def _nth_after(self, d: dt.date, n: int) -> dt.date:
        year = d.year
        days = self._days(year)
        i = bisect_right(days, d.toordinal())
        remaining = n
        while i + remaining > len(days):
            remaining -= len(days) - i
            year += 1
            days = self._days(year)
            i = 0
        return dt.date.fromordinal(days[i + remaining - 1])


def _working_ordinals(year: int, exceptions: dict[dt.date, str]) -> list[int]:
    first = dt.date(year, 1, 1).toordinal()
    last = dt.date(year, 12, 31).toordinal()
    result = []
    for ordinal in range(first, last + 1):
        day = dt.date.fromordinal(ordinal)
        kind = exceptions.get(day)
        if kind == DayKind.WORKDAY or (kind is None and day.weekday() < 5):
            result.append(ordinal)
    return result


# --- one calendar per request ----------------------------------------------------------

_HOLDER_ATTRIBUTE = "junjia_calendar"


def calendar_of(holder) -> WorkingDayCalendar:
    """The calendar kept on `holder` (a request, a template's render context, a serializer),
    created on first need: a page that counts deadlines and shows dates reads the official
    years once, however many places ask."""
    calendar = getattr(holder, _HOLDER_ATTRIBUTE, None)
    if calendar is None:
        calendar = WorkingDayCalendar()
        setattr(holder, _HOLDER_ATTRIBUTE, calendar)
    return calendar


# --- one-off calls: each reads what it needs afresh --------------------------------------


def is_working_day(d: dt.date) -> bool:
    return WorkingDayCalendar().is_working_day(d)


def next_working_day(d: dt.date) -> dt.date:
    return WorkingDayCalendar().next_working_day(d)


def add_working_days(d: dt.date, n: int) -> dt.date:
    return WorkingDayCalendar().add_working_days(d, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    return WorkingDayCalendar().working_days_between(a, b)


def is_estimate(d: dt.date | None) -> bool:
    return WorkingDayCalendar().is_estimate(d)


def missing_next_year_warning(today: dt.date) -> str | None:
    """A warning for administrators: this year's schedule is missing (any time), or next
    year's is missing from 1 October on. None when there is nothing to do."""
    known = WorkingDayCalendar().known_years()
    if today.year not in known:
        return THIS_YEAR_MISSING.format(year=today.year)
    if today.month >= WARN_FROM_MONTH and today.year + 1 not in known:
        return NEXT_YEAR_MISSING.format(year=today.year + 1)
    return None

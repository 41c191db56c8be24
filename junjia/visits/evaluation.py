"""Who is due for a rule in a period: the rule's "who" asked of the registry (its api.py,
one set-based query), its "when" turned into each person's visit window, kept when the
window meets the period. Lunar festivals come from lunar-python (docs/adr/0003), never
typed in."""

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from junjia.registry.api import recipient_facts

from .choices import Anchor, Subject, Timing
from .models import VisitEvent, VisitRuleVersion


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def meets(self, opens: dt.date, closes: dt.date) -> bool:
        return opens <= self.end and closes >= self.start


@dataclass(frozen=True)
class Due:
    recipient_id: int
    region_key: int
    opens: dt.date  # the visit window
    closes: dt.date


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def occurrence(anchor: dt.date, year: int) -> dt.date:
    """The anniversary of `anchor` in `year` (29 February on 28 February of other years)."""
    if anchor.month == 2 and anchor.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return anchor.replace(year=year)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def festival_windows(version: VisitRuleVersion, period: Period) -> list[tuple[dt.date, dt.date]]:
    """Windows of a fixed-date or lunar rule that meet the period."""
    windows = []
    for year in range(period.start.year - 1, period.end.year + 2):
        if version.timing == Timing.LUNAR_DATE:
            day = lunar_to_solar(year, version.month, version.day)
        else:
            day = dt.date(year, version.month, version.day)
        opens = day - dt.timedelta(days=version.days_before)
        closes = day + dt.timedelta(days=version.days_after)
        if period.meets(opens, closes):
            windows.append((opens, closes))
    return windows


def _month_day_between(first: dt.date, last: dt.date) -> Q:
    """anchor's (month, day) within [first, last] of one year; a 29 February anchor is
    taken on 28 February in other years."""
    if (first.month, first.day) == (last.month, last.day):
        q = Q(anchor__month=first.month, anchor__day=first.day)
    elif first.month == last.month:
        q = Q(anchor__month=first.month, anchor__day__gte=first.day, anchor__day__lte=last.day)
    else:
        q = (
            Q(anchor__month=first.month, anchor__day__gte=first.day)
            | Q(anchor__month__gt=first.month, anchor__month__lt=last.month)
            | Q(anchor__month=last.month, anchor__day__lte=last.day)
        )
    feb28 = dt.date(first.year, 2, 28)
    if not calendar.isleap(first.year) and first <= feb28 <= last:
        q |= Q(anchor__month=2, anchor__day=29)
    return q


def _facts(version: VisitRuleVersion, *, low: int, high: int, on: dt.date, anchor: str = ""):
    return recipient_facts(
        low=low,
        high=high,
        on=on,
        categories=version.categories,
        flags=version.flags,
        merits=version.merits,
        pension=version.pension,
        deceased=version.subject == Subject.DECEASED,
        anchor=anchor,
    )


def _born_by(version: VisitRuleVersion, day: dt.date) -> Q:
    """At least min_age years old on `day`."""
    if not version.min_age:
        return Q()
    try:
        limit = day.replace(year=day.year - version.min_age)
    except ValueError:  # 29 February
        limit = dt.date(day.year - version.min_age, 2, 28)
    return Q(birth_date__lte=limit)


def due(version: VisitRuleVersion, *, low: int, high: int, period: Period) -> Iterator[Due]:
    """Everyone in the key range [low, high] due for the rule in the period, with their
    visit window (for a frequency rule, the period itself)."""
    timing = version.timing
    if timing in (Timing.FIXED_DATE, Timing.LUNAR_DATE):
        for opens, closes in festival_windows(version, period):
            rows = _facts(version, low=low, high=high, on=opens).filter(_born_by(version, opens))
            for row in rows.iterator(chunk_size=5000):
                yield Due(row["id"], row["region_key"], opens, closes)
    elif timing == Timing.FREQUENCY:
        rows = _facts(version, low=low, high=high, on=period.start)
        for row in rows.filter(_born_by(version, period.end)).iterator(chunk_size=5000):
            yield Due(row["id"], row["region_key"], period.start, period.end)
    elif timing == Timing.ANNIVERSARY:
        yield from _anniversaries(version, low=low, high=high, period=period)
    elif version.anchor == Anchor.RECORDED_EVENT:
        yield from _recorded_events(version, low=low, high=high, period=period)
    else:
        yield from _file_events(version, low=low, high=high, period=period)


def _event_window(version: VisitRuleVersion, happened: dt.date) -> tuple[dt.date, dt.date]:
    closes = add_months(happened, version.months_after) + dt.timedelta(days=version.days_after)
    return happened, closes


def _event_reach(version: VisitRuleVersion, period: Period) -> dt.date:
    """The earliest event date whose window can still meet the period."""
    back = period.start - dt.timedelta(days=version.days_after)
    return add_months(back, -version.months_after)


def _file_events(version, *, low, high, period) -> Iterator[Due]:
    """An event dated in the file (a pension approved, a return home, a death)."""
    rows = _facts(version, low=low, high=high, on=period.start, anchor=version.anchor).filter(
        anchor__gte=_event_reach(version, period), anchor__lte=period.end
    )
    for row in rows.iterator(chunk_size=5000):
        opens, closes = _event_window(version, row["anchor"])
        if period.meets(opens, closes):
            yield Due(row["id"], row["region_key"], opens, closes)


def _recorded_events(version, *, low, high, period) -> Iterator[Due]:
    """Events recorded by a clerk or raised by another module (VisitEvent)."""
    who = _facts(version, low=low, high=high, on=period.start)
    events = (
        VisitEvent.objects.filter(
            kind=version.event_kind,
            region_key__gte=low,
            region_key__lte=high,
            occurred_on__gte=_event_reach(version, period),
            occurred_on__lte=period.end,
            recipient_id__in=who.values("id"),
        )
        .order_by("recipient_id", "-occurred_on")
        .values_list("recipient_id", "region_key", "occurred_on")
    )
    seen = set()
    for recipient_id, region_key, happened in events.iterator(chunk_size=5000):
        if recipient_id in seen:
            continue  # the latest event of the kind decides the window
        opens, closes = _event_window(version, happened)
        if period.meets(opens, closes):
            seen.add(recipient_id)
            yield Due(recipient_id, region_key, opens, closes)


def _anniversaries(version, *, low, high, period) -> Iterator[Due]:
    """A birthday or a death day: the anchor's anniversary whose window meets the period,
    year by year; on a birthday the age is counted at that birthday."""
    before = dt.timedelta(days=version.days_before)
    after = dt.timedelta(days=version.days_after)
    first, last = period.start - after, period.end + before  # the anniversaries that count
    base = _facts(version, low=low, high=high, on=period.start, anchor=version.anchor)
    for year in range(first.year, last.year + 1):
        span_first = max(first, dt.date(year, 1, 1))
        span_last = min(last, dt.date(year, 12, 31))
        rows = base.filter(_month_day_between(span_first, span_last), anchor__year__lt=year)
        if version.min_age:
            rows = rows.filter(birth_date__year__lte=year - version.min_age)
        for row in rows.iterator(chunk_size=5000):
            day = occurrence(row["anchor"], year)
            if span_first <= day <= span_last:
                yield Due(row["id"], row["region_key"], day - before, day + after)


def event_rule_versions(region_key: int, kind: str) -> list[VisitRuleVersion]:
    """The current versions of the rules in force where the person lives (national ones and
    those of the regions above) that make a visit due on a recorded event of this kind."""
    from .models import VisitRule

    rules = (
        VisitRule.objects.filter(
            Q(region_key__isnull=True)
            | Q(region_key__lte=region_key, region_key_high__gte=region_key),
            retired_at__isnull=True,
            current_version__timing=Timing.EVENT,
            current_version__anchor=Anchor.RECORDED_EVENT,
            current_version__event_kind=kind,
        )
        .select_related("current_version", "current_version__rule")
        .order_by("code")
    )
    return [rule.current_version for rule in rules]


def event_reasons(recipient_id: int, region_key: int, kind: str, happened: dt.date) -> list[dict]:
    """The visit an event makes due, as a campaign member's reasons: each event rule in force
    whose "who" the person meets on the day, with its window (rule, name, version, level,
    opens, closes). One small query per rule on this kind of event (a handful)."""
    reasons = []
    for version in event_rule_versions(region_key, kind):
        who = _facts(version, low=region_key, high=region_key, on=happened)
        if not who.filter(_born_by(version, happened), id=recipient_id).exists():
            continue
        opens, closes = _event_window(version, happened)
        reasons.append(
            {
                "rule": version.rule.code,
                "name": version.rule.name,
                "version": version.number,
                "level": version.responsible_level,
                "opens": opens.isoformat(),
                "closes": closes.isoformat(),
            }
        )
    return reasons

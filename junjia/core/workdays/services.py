"""Writes to the working-day calendar: seeding from chinese-calendar and administrator entry.

Who may call calendar_year_save ("calendar.manage") is checked by the views: core may not
import orgs except from its views (import-linter contract in pyproject.toml).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from junjia.core import audit
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction, CalendarDay, CalendarSource, CalendarYear, DayKind

from .recompute import Moved, before_change, recompute_year
from .schedule import Schedule, ScheduleLine, format_line, parse_schedule

PACKAGE_YEAR_READ_ONLY = (
    "{year} 年的安排来自 chinese-calendar 软件包，不能在此修改；如有更正，请升级软件包后"
    "运行 load_holidays。"
)
YEAR_EXISTS = "{year} 年的安排已经录入，请到该年的页面点“修改”。"
NOTICE_REQUIRED = "请填写依据的国务院办公厅通知（文号或标题）。"
YEAR_TAKEN_MEANWHILE = "{year} 年的安排刚被他人录入，请刷新页面后再试。"

# chinese_calendar keys holidays by English enum value; the UI shows Chinese names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
MAKE_UP_SUFFIX = "调休"
PACKAGE_NOTICE = "chinese-calendar {version}（据国务院办公厅历年节假日安排通知）"


class CalendarError(DomainError):
    pass


def _chinese_name(value: str) -> str:
    if value in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[value]
    # A holiday added by a newer package release: use its own Chinese name.
    from chinese_calendar import Holiday

    try:
        return Holiday(value).chinese[:40]
    except ValueError:
        return value[:40]


def package_schedules() -> dict[int, list[ScheduleLine]]:
    """Every year the installed chinese-calendar covers, as exceptions to Monday–Friday."""
    import chinese_calendar

    by_year: dict[int, list[ScheduleLine]] = {}
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    for year in range(first, last + 1):
        by_year[year] = []
    for date, value in chinese_calendar.holidays.items():
        if date.weekday() < 5:  # a holiday on a weekend changes nothing
            by_year[date.year].append(ScheduleLine(date, DayKind.HOLIDAY, _chinese_name(value)))
    for date, value in chinese_calendar.workdays.items():
        if date.weekday() >= 5 and first <= date.year <= last:
            name = _chinese_name(value)[: 40 - len(MAKE_UP_SUFFIX)] + MAKE_UP_SUFFIX
            by_year[date.year].append(ScheduleLine(date, DayKind.WORKDAY, name))
    for lines in by_year.values():
        lines.sort(key=lambda e: e.date)
    return by_year


def _package_version() -> str:
    import chinese_calendar

    return chinese_calendar.__version__


def _day_lines(days) -> list[str]:
    return [format_line(d.date, d.kind, d.name) for d in sorted(days, key=lambda d: d.date)]


def _snapshot(year: CalendarYear, days) -> dict:
    return {"source": year.source, "notice": year.notice, "days": _day_lines(days)}


def _replace_days(year: CalendarYear, lines: list[ScheduleLine]) -> None:
    CalendarDay.objects.filter(year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=year, date=e.date, kind=e.kind, name=e.name) for e in lines]
    )


def _audit(*, actor, action: str, year: CalendarYear, before: dict | None, after: dict) -> None:
    old = set(before["days"]) if before else set()
    new = set(after["days"])
    audit.record(
        actor=actor,
        action=action,
        obj=year,
        changes=audit.diff(before, after),
        extra={"added": sorted(new - old), "removed": sorted(old - new)},
    )


# --- administrator entry ---------------------------------------------------------------


@dataclass
class YearSaved:
    calendar_year: CalendarYear
    created: bool
    stored: int
    # 休 lines on Saturdays/Sundays: accepted, not stored (not an exception to Mon–Fri).
    weekend_holidays: list[dt.date] = field(default_factory=list)
    # Open deadlines in this year or later that the entered schedule moved.
    moved: list[Moved] = field(default_factory=list)


@transaction.atomic
def calendar_year_save(
    *, actor, year: int, notice: str, schedule: str, replace: bool = False
) -> YearSaved:
    """Enter a year's schedule, or replace an administrator-entered one (replace=True).

    Years seeded from the package are refused: the package is their source of truth.
    """
    parsed: Schedule = parse_schedule(schedule, year)
    notice = notice.strip()
    if not notice:
        raise CalendarError(NOTICE_REQUIRED)
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    before_calendar = before_change(year)
    if existing is not None and existing.source == CalendarSource.PACKAGE:
        raise CalendarError(PACKAGE_YEAR_READ_ONLY.format(year=year))
    if existing is not None and not replace:
        raise CalendarError(YEAR_EXISTS.format(year=year))

    if existing is None:
        before = None
        try:
            with transaction.atomic():
                calendar_year = CalendarYear.objects.create(
                    year=year, source=CalendarSource.ADMIN, notice=notice, entered_by=actor
                )
        except IntegrityError as exc:
            raise CalendarError(YEAR_TAKEN_MEANWHILE.format(year=year)) from exc
    else:
        calendar_year = existing
        before = _snapshot(calendar_year, calendar_year.days.all())
        calendar_year.notice = notice
        calendar_year.entered_by = actor
        calendar_year.save(update_fields=["notice", "entered_by", "entered_at"])

    _replace_days(calendar_year, parsed.exceptions)
    after = _snapshot(calendar_year, parsed.exceptions)
    _audit(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        year=calendar_year,
        before=before,
        after=after,
    )
    return YearSaved(
        calendar_year=calendar_year,
        created=before is None,
        stored=len(parsed.exceptions),
        weekend_holidays=[e.date for e in parsed.weekend_holidays],
        moved=recompute_year(year=year, before=before_calendar, actor=actor),
    )


def schedule_text(calendar_year: CalendarYear) -> str:
    """The stored exceptions as lines for the edit form."""
    return "\n".join(_day_lines(calendar_year.days.all()))


# --- seeding from the package ------------------------------------------------------------


@dataclass
class SeedReport:
    version: str
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # Years an administrator entered: never overwritten; listed with whether they differ.
    admin_kept: list[int] = field(default_factory=list)
    admin_differs: list[int] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)


@transaction.atomic
def calendar_seed_from_package(*, actor=None) -> SeedReport:
    """Create or refresh every year the installed chinese-calendar covers. Idempotent.

    A package year whose stored days differ from the package (a corrected release) is
    replaced; a year an administrator entered is never touched.
    """
    version = _package_version()
    notice = PACKAGE_NOTICE.format(version=version)
    report = SeedReport(version=version)
    schedules = package_schedules()
    before_calendar = before_change(min(schedules), max(schedules))
    existing = {
        y.year: y for y in CalendarYear.objects.select_for_update().filter(year__in=list(schedules))
    }
    stored_days: dict[int, list[CalendarDay]] = {}
    for day in CalendarDay.objects.filter(year__year__in=list(schedules)).select_related("year"):
        stored_days.setdefault(day.year.year, []).append(day)

    for year, lines in sorted(schedules.items()):
        wanted = [format_line(e.date, e.kind, e.name) for e in lines]
        calendar_year = existing.get(year)
        if calendar_year is None:
            calendar_year = CalendarYear.objects.create(
                year=year, source=CalendarSource.PACKAGE, notice=notice
            )
            _replace_days(calendar_year, lines)
            _audit(
                actor=actor,
                action=AuditAction.CREATE,
                year=calendar_year,
                before=None,
                after=_snapshot(calendar_year, lines),
            )
            report.created.append(year)
            continue
        have = _day_lines(stored_days.get(year, []))
        if calendar_year.source == CalendarSource.ADMIN:
            report.admin_kept.append(year)
            if _kinds_by_date(have) != _kinds_by_date(wanted):
                report.admin_differs.append(year)
            continue
        if have == wanted and calendar_year.notice == notice:
            report.unchanged.append(year)
            continue
        before = _snapshot(calendar_year, stored_days.get(year, []))
        calendar_year.notice = notice
        calendar_year.save(update_fields=["notice", "entered_at"])
        _replace_days(calendar_year, lines)
        _audit(
            actor=actor,
            action=AuditAction.UPDATE,
            year=calendar_year,
            before=before,
            after=_snapshot(calendar_year, lines),
        )
        report.updated.append(year)
    changed = report.created + report.updated
    if changed:  # one pass from the earliest changed year covers every later one
        report.moved = recompute_year(year=min(changed), before=before_calendar, actor=actor)
    return report


def _kinds_by_date(lines: list[str]) -> set[tuple[str, str]]:
    """Date and kind of each line, ignoring names: what working-day maths depends on."""
    return {tuple(line.split(" ")[:2]) for line in lines}

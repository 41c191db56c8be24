"""The text form of one year's schedule: one line per day, "2027-01-01 休 元旦" / "… 班 …"."""

import datetime as dt
import re
from dataclasses import dataclass, field

from junjia.core.errors import DomainError
from junjia.core.models import DayKind

KIND_OF_WORD = {"休": DayKind.HOLIDAY, "班": DayKind.WORKDAY}
WORD_OF_KIND = {kind: word for word, kind in KIND_OF_WORD.items()}
WEEKDAYS = "一二三四五六日"
NAME_MAX = 40  # CalendarDay.name max_length
MIN_YEAR, MAX_YEAR = 2000, 2099

# \s matches full-width spaces too, which Chinese input methods produce.
_LINE = re.compile(r"^(\S+)\s+(\S)\s*(.*)$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")

BAD_LINE = (
    "第 {n} 行格式不对：应为“日期 休 节日名称”或“日期 班 调休说明”，"
    "例如“2027-01-01 休 元旦”“2027-02-07 班 春节调休”。"
)
BAD_DATE = "第 {n} 行的日期“{text}”无效：请写成 YYYY-MM-DD，例如 2027-01-01。"
WRONG_YEAR = "第 {n} 行的日期 {date} 不在 {year} 年内：每年的安排单独录入。"
BAD_KIND = "第 {n} 行的“{word}”无法识别：只能写“休”（放假）或“班”（调休上班）。"
WORKDAY_ON_WEEKDAY = (
    "第 {n} 行：{date} 是星期{weekday}，本来就上班，不能标为“班”；调休上班只能是星期六或星期日。"
)
DUPLICATE = "第 {n} 行：{date} 与第 {first} 行重复。"
NAME_TOO_LONG = "第 {n} 行的名称过长：最多 " + str(NAME_MAX) + " 个字。"
EMPTY = "请至少录入一行放假或调休安排。"
YEAR_RANGE = f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间。"


class ScheduleInvalid(DomainError):
    """The schedule text has errors; .errors lists one Chinese message per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class ScheduleLine:
    date: dt.date
    kind: str
    name: str
    line: int = 0

    def as_text(self) -> str:
        return format_line(self.date, self.kind, self.name)


@dataclass
class Schedule:
    """Parsed lines: the exceptions to store, and weekend 休 lines that change nothing."""

    exceptions: list[ScheduleLine] = field(default_factory=list)
    weekend_holidays: list[ScheduleLine] = field(default_factory=list)


def format_line(date: dt.date, kind: str, name: str) -> str:
    return f"{date.isoformat()} {WORD_OF_KIND[kind]} {name}".rstrip()


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ScheduleInvalid([YEAR_RANGE])


def parse_schedule(text: str, year: int) -> Schedule:
    """Every error at once, each naming its line; blank lines and lines starting with # skip.

    A 休 line on a Saturday or Sunday is accepted (notices list whole holiday spans) but is
    not an exception to Monday–Friday, so it is returned apart and not stored.
    """
    check_year(year)
    errors: list[str] = []
    schedule = Schedule()
    seen: dict[dt.date, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            errors.append(BAD_LINE.format(n=n))
            continue
        date_text, word, name = match.group(1), match.group(2), match.group(3).strip()
        date = _parse_date(date_text)
        if date is None:
            errors.append(BAD_DATE.format(n=n, text=date_text))
            continue
        kind = KIND_OF_WORD.get(word)
        line_errors = []
        if date.year != year:
            line_errors.append(WRONG_YEAR.format(n=n, date=date, year=year))
        if kind is None:
            line_errors.append(BAD_KIND.format(n=n, word=word))
        elif kind == DayKind.WORKDAY and date.weekday() < 5:
            line_errors.append(
                WORKDAY_ON_WEEKDAY.format(n=n, date=date, weekday=WEEKDAYS[date.weekday()])
            )
        if len(name) > NAME_MAX:
            line_errors.append(NAME_TOO_LONG.format(n=n))
        if date in seen:
            line_errors.append(DUPLICATE.format(n=n, date=date, first=seen[date]))
        else:
            seen[date] = n
        if line_errors:
            errors.extend(line_errors)
            continue
        entry = ScheduleLine(date=date, kind=kind, name=name, line=n)
        if kind == DayKind.HOLIDAY and date.weekday() >= 5:
            schedule.weekend_holidays.append(entry)
        else:
            schedule.exceptions.append(entry)
    if not errors and not schedule.exceptions and not schedule.weekend_holidays:
        errors.append(EMPTY)
    if errors:
        raise ScheduleInvalid(errors)
    schedule.exceptions.sort(key=lambda e: e.date)
    return schedule


def _parse_date(text: str) -> dt.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None

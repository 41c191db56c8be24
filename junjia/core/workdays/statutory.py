"""A provisional year: the statutory holidays alone, for a year whose official schedule is
not entered yet (the State Council publishes it late in the year before).

全国年节及纪念日放假办法 (2024 revision, in force from 2025-01-01), 第二条: 元旦 1 day (1 January),
春节 4 days (农历除夕 to 正月初三), 清明节 1 day (the day of the solar term), 劳动节 2 days
(1–2 May), 端午节 1 day (农历五月初五), 中秋节 1 day (农历八月十五), 国庆节 3 days (1–3 October).
第五条: a holiday of all citizens that falls on a Saturday or Sunday is made up on a working day
(补假) — taken here as the next Monday–Friday that is not itself a holiday. The make-up working
days (调休) of an official schedule cannot be known in advance and are not guessed.

Lunar dates and the solar term come from lunar-python (see docs/adr/0003).
"""

import datetime as dt
from functools import lru_cache

from junjia.core.models import DayKind

from .schedule import MAX_YEAR, ScheduleLine

# The revision above is the rule from 2025 on; earlier years are always official ones.
FIRST_YEAR = 2025
LAST_YEAR = MAX_YEAR
MAKE_UP_SUFFIX = "（补假）"


def _lunar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    from lunar_python import Solar

    solar = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_days(year: int) -> dict[dt.date, str]:
    """Every statutory holiday date of the year with its name, weekends included."""
    days: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)
    for offset in range(-1, 3):  # 除夕 and 初一 to 初三
        days[new_year + dt.timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    days[dt.date(year, 5, 1)] = days[dt.date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for day in (1, 2, 3):
        days[dt.date(year, 10, day)] = "国庆节"
    return days


@lru_cache(maxsize=32)  # pure arithmetic on the year: no database, safe to keep
def provisional_schedule(year: int) -> tuple[ScheduleLine, ...]:
    """The exceptions to Monday–Friday of a provisional year: statutory holidays on weekdays,
    and one make-up weekday (补假) for each that falls on a weekend."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{year} 年不在法定节假日估算范围（{FIRST_YEAR}–{LAST_YEAR}）内")
    days = statutory_days(year)
    holidays = {d: name for d, name in days.items() if d.year == year}
    lines = [ScheduleLine(d, DayKind.HOLIDAY, n) for d, n in holidays.items() if d.weekday() < 5]
    taken = {line.date for line in lines}
    for date in sorted(d for d in holidays if d.weekday() >= 5):
        make_up = date + dt.timedelta(days=1)
        while make_up.weekday() >= 5 or make_up in taken:
            make_up += dt.timedelta(days=1)
        if make_up.year != year:
            continue
        taken.add(make_up)
        lines.append(ScheduleLine(make_up, DayKind.HOLIDAY, holidays[date] + MAKE_UP_SUFFIX))
    return tuple(sorted(lines, key=lambda line: line.date))

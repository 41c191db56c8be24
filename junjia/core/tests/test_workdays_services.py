"""Writing the calendar: seeding from the package, administrator entry, line validation."""

import datetime as dt
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command

from junjia.core.models import AuditEntry, CalendarDay, CalendarSource, CalendarYear, DayKind
from junjia.core.workdays.schedule import ScheduleInvalid, parse_schedule
from junjia.core.workdays.services import (
    PACKAGE_YEAR_READ_ONLY,
    YEAR_EXISTS,
    CalendarError,
    calendar_seed_from_package,
    calendar_year_save,
    schedule_text,
)

D = dt.date
PACKAGE_YEARS = list(range(2004, 2027))
SCHEDULE_2027 = (
    "2027-01-01 休 元旦\n2027-02-06 休 春节\n2027-02-08 休 春节\n2027-02-20 班 春节调休\n"
)


def _days(year: int) -> list[tuple[dt.date, str, str]]:
    return list(CalendarDay.objects.filter(year__year=year).values_list("date", "kind", "name"))


def _calendar_state():
    return (
        list(CalendarYear.objects.values_list("year", "source", "notice", "entered_by_id")),
        list(CalendarDay.objects.values_list("date", "kind", "name")),
        AuditEntry.objects.count(),
    )


# --- seeding -------------------------------------------------------------------------------


def test_seed_creates_every_package_year_with_chinese_names(db):
    report = calendar_seed_from_package(actor=None)

    assert report.created == PACKAGE_YEARS
    assert report.version == chinese_calendar.__version__
    assert list(CalendarYear.objects.values_list("year", flat=True)) == PACKAGE_YEARS
    october = [d for d in _days(2026) if d[0].month in (9, 10)]
    assert october == [
        (D(2026, 9, 20), DayKind.WORKDAY, "国庆节调休"),
        (D(2026, 9, 25), DayKind.HOLIDAY, "中秋节"),
        (D(2026, 10, 1), DayKind.HOLIDAY, "国庆节"),
        (D(2026, 10, 2), DayKind.HOLIDAY, "国庆节"),
        (D(2026, 10, 5), DayKind.HOLIDAY, "国庆节"),
        (D(2026, 10, 6), DayKind.HOLIDAY, "国庆节"),
        (D(2026, 10, 7), DayKind.HOLIDAY, "国庆节"),
        (D(2026, 10, 10), DayKind.WORKDAY, "国庆节调休"),
    ]
    names = set(CalendarDay.objects.filter(kind=DayKind.HOLIDAY).values_list("name", flat=True))
    assert names == {
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "国庆节",
        "中秋节",
        "抗战胜利70周年纪念日",
    }
    entries = AuditEntry.objects.filter(object_type="core.calendaryear")
    assert entries.count() == len(PACKAGE_YEARS)
    first = entries.get(object_repr="2026年")
    assert first.action == "create"
    assert first.actor_name == "系统"
    assert "2026-10-10 班 国庆节调休" in first.changes["days"][1]


def test_seed_is_idempotent(db):
    calendar_seed_from_package(actor=None)
    before = _calendar_state()

    report = calendar_seed_from_package(actor=None)

    assert report.created == [] and report.updated == []
    assert report.unchanged == PACKAGE_YEARS
    assert _calendar_state() == before


def test_seed_restores_a_package_year_that_differs(db):
    calendar_seed_from_package(actor=None)
    CalendarDay.objects.filter(date=D(2025, 10, 8)).delete()

    report = calendar_seed_from_package(actor=None)

    assert report.updated == [2025]
    assert (D(2025, 10, 8), DayKind.HOLIDAY, "国庆节") in _days(2025)
    entry = AuditEntry.objects.filter(object_repr="2025年").latest("id")
    assert entry.action == "update"
    assert entry.extra["added"] == ["2025-10-08 休 国庆节"]
    assert entry.extra["removed"] == []


def test_seed_never_overwrites_an_administrator_year(db, personas):
    # given an administrator entered 2026 before the package was loaded
    CalendarYear.objects.create(year=2026, source=CalendarSource.ADMIN, notice="管理员录入")
    CalendarDay.objects.create(
        year=CalendarYear.objects.get(year=2026), date=D(2026, 1, 2), kind=DayKind.HOLIDAY
    )

    report = calendar_seed_from_package(actor=None)

    assert report.admin_kept == [2026]
    assert report.admin_differs == [2026]
    assert 2026 not in report.created + report.updated
    assert _days(2026) == [(D(2026, 1, 2), DayKind.HOLIDAY, "")]


def test_load_holidays_command_reports_and_repeats_safely(db):
    out = StringIO()
    call_command("load_holidays", stdout=out)
    assert "新增年份：2004、2005" in out.getvalue()
    out = StringIO()
    call_command("load_holidays", stdout=out)
    assert "新增年份：无" in out.getvalue()
    assert "未变年份：23 个" in out.getvalue()


# --- administrator entry -------------------------------------------------------------------


def test_save_creates_a_year_with_an_audit_row(db, personas):
    saved = calendar_year_save(
        actor=personas.sysadmin,
        year=2027,
        notice="国办发明电〔2026〕测试号",
        schedule=SCHEDULE_2027,
    )

    assert saved.created is True
    assert saved.stored == 3
    assert saved.weekend_holidays == [D(2027, 2, 6)]
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.notice, year.entered_by) == (
        CalendarSource.ADMIN,
        "国办发明电〔2026〕测试号",
        personas.sysadmin,
    )
    assert _days(2027) == [
        (D(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
        (D(2027, 2, 8), DayKind.HOLIDAY, "春节"),
        (D(2027, 2, 20), DayKind.WORKDAY, "春节调休"),
    ]
    entry = AuditEntry.objects.get(object_type="core.calendaryear", object_id=str(year.pk))
    assert entry.action == "create"
    assert entry.actor_id == personas.sysadmin.pk
    assert entry.changes == {
        "days": [None, ["2027-01-01 休 元旦", "2027-02-08 休 春节", "2027-02-20 班 春节调休"]],
        "notice": [None, "国办发明电〔2026〕测试号"],
        "source": [None, "admin"],
    }
    assert schedule_text(year) == "2027-01-01 休 元旦\n2027-02-08 休 春节\n2027-02-20 班 春节调休"


def test_replace_rewrites_the_days_and_audits_the_difference(db, personas):
    calendar_year_save(actor=personas.sysadmin, year=2027, notice="原通知", schedule=SCHEDULE_2027)

    saved = calendar_year_save(
        actor=personas.sysadmin,
        year=2027,
        notice="更正通知",
        schedule="2027-01-01 休 元旦\n2027-02-09 休 春节\n",
        replace=True,
    )

    assert saved.created is False
    assert _days(2027) == [
        (D(2027, 1, 1), DayKind.HOLIDAY, "元旦"),
        (D(2027, 2, 9), DayKind.HOLIDAY, "春节"),
    ]
    entry = AuditEntry.objects.filter(object_type="core.calendaryear").latest("id")
    assert entry.action == "update"
    assert entry.changes["notice"] == ["原通知", "更正通知"]
    assert entry.extra == {
        "added": ["2027-02-09 休 春节"],
        "removed": ["2027-02-08 休 春节", "2027-02-20 班 春节调休"],
    }


def test_entering_an_existing_year_without_replace_is_refused(db, personas):
    calendar_year_save(actor=personas.sysadmin, year=2027, notice="原通知", schedule=SCHEDULE_2027)
    before = _calendar_state()

    with pytest.raises(CalendarError) as info:
        calendar_year_save(
            actor=personas.sysadmin, year=2027, notice="新通知", schedule="2027-01-01 休 元旦"
        )

    assert str(info.value) == YEAR_EXISTS.format(year=2027)
    assert _calendar_state() == before


def test_replacing_a_package_year_is_refused(db, personas):
    calendar_seed_from_package(actor=None)
    before = _calendar_state()

    with pytest.raises(CalendarError) as info:
        calendar_year_save(
            actor=personas.sysadmin,
            year=2026,
            notice="篡改",
            schedule="2026-10-08 休 国庆节",
            replace=True,
        )

    assert str(info.value) == PACKAGE_YEAR_READ_ONLY.format(year=2026)
    assert _calendar_state() == before


def test_invalid_schedule_is_refused_by_the_service(db, personas):
    with pytest.raises(ScheduleInvalid):
        calendar_year_save(
            actor=personas.sysadmin, year=2027, notice="通知", schedule="2027-01-04 班 错误"
        )
    assert _calendar_state() == ([], [], 0)


def test_blank_notice_is_refused(db, personas):
    with pytest.raises(CalendarError, match="请填写依据的国务院办公厅通知"):
        calendar_year_save(actor=personas.sysadmin, year=2027, notice="  ", schedule=SCHEDULE_2027)
    assert _calendar_state() == ([], [], 0)


# --- line validation -----------------------------------------------------------------------


def test_every_bad_line_is_named():
    text = "\n".join(
        [
            "# 2027 年安排",  # 1 comment
            "2027-01-01 休 元旦",  # 2 ok
            "2027-01-04 班 错误",  # 3 Monday marked 班
            "2026-12-31 休 元旦",  # 4 other year
            "2027-02-30 休 春节",  # 5 no such date
            "2027-02-08 放 春节",  # 6 unknown word
            "2027-01-01 休 元旦",  # 7 duplicate of 2
            "元旦放假",  # 8 not a line
            "",  # 9 blank
            "2027-02-20 班 " + "调" * 41,  # 10 name too long
        ]
    )
    with pytest.raises(ScheduleInvalid) as info:
        parse_schedule(text, 2027)
    assert info.value.errors == [
        "第 3 行：2027-01-04 是星期一，本来就上班，不能标为“班”；调休上班只能是星期六或星期日。",
        "第 4 行的日期 2026-12-31 不在 2027 年内：每年的安排单独录入。",
        "第 5 行的日期“2027-02-30”无效：请写成 YYYY-MM-DD，例如 2027-01-01。",
        "第 6 行的“放”无法识别：只能写“休”（放假）或“班”（调休上班）。",
        "第 7 行：2027-01-01 与第 2 行重复。",
        "第 8 行格式不对：应为“日期 休 节日名称”或“日期 班 调休说明”，"
        "例如“2027-01-01 休 元旦”“2027-02-07 班 春节调休”。",
        "第 10 行的名称过长：最多 40 个字。",
    ]


def test_weekend_holiday_lines_are_accepted_but_not_exceptions():
    schedule = parse_schedule("2027-02-06　休　春节\n2027-02-08 休 春节\n2027-02-07 班", 2027)
    assert [(e.date, e.kind, e.name, e.line) for e in schedule.exceptions] == [
        (D(2027, 2, 7), DayKind.WORKDAY, "", 3),
        (D(2027, 2, 8), DayKind.HOLIDAY, "春节", 2),
    ]
    assert [e.date for e in schedule.weekend_holidays] == [D(2027, 2, 6)]


def test_empty_schedule_is_refused():
    with pytest.raises(ScheduleInvalid) as info:
        parse_schedule("\n# 只有注释\n", 2027)
    assert info.value.errors == ["请至少录入一行放假或调休安排。"]

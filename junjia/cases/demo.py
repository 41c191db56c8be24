"""Demo counters for the demo region, written through the cases services (000 §7, §9)."""

from __future__ import annotations

import datetime as dt
import functools
import random
from bisect import bisect_right
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from junjia.core import audit, clock, replay
from junjia.core.models import AuditAction
from junjia.core.personal import parse_id_number
from junjia.core.workdays import UnknownCalendarYear, WorkingDayCalendar
from junjia.orgs.api import Level, Role, region_by_code, region_has_station, station_staff
from junjia.registry.api import search_recipients
from junjia.registry.choices import FileStatus
from junjia.staffing import api as staffing

from . import appointments_admin, services
from .catalogue import load_catalogue
from .choices import (
    CALLBACK_AREAS,
    CallbackStatus,
    CaseStatus,
    Channel,
    HandoverDirection,
    LoopStage,
    RatingChannel,
    SlotKind,
)
from .models import (
    Appointment,
    AppointmentSlot,
    Callback,
    Case,
    CaseStep,
    Evaluation,
    Extension,
    Handover,
    LoopRecord,
    RectificationLoop,
    ServiceItem,
)

DEMO_CITY = "370200"  # orgs.demo builds 青岛市 with three of its districts
SHOWCASE_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
CASE_LEVELS = {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}  # where the catalogue is handled
ORDINARY_DAYS = 3  # coming working days with lunch duty and slots at the other stations
ROUTINE = ("completed", "in_progress", "received", "notice", "accepted", "completed")
# Tables whose rows make "cases data" (with staffing's windows, leave and lunch duty):
# --if-empty does nothing when any has a row.
OPERATIONAL = (Case, AppointmentSlot)


class DemoError(Exception):
    """The demo cannot be built here; the message says what to run first."""


@dataclass(frozen=True)
class Size:
    ordinary_stations: int | None  # staffed stations beyond the showcase; None = all
    routine_cases: int  # per ordinary station
    history_cases: int  # completed and rated over the past three months, per showcase
    slot_days: int  # coming working days with appointment slots
    rota_days: int  # coming working days with lunch duty


SIZES = {
    "small": Size(ordinary_stations=1, routine_cases=2, history_cases=2, slot_days=2, rota_days=3),
    "full": Size(
        ordinary_stations=None, routine_cases=3, history_cases=20, slot_days=10, rota_days=10
    ),
}


@dataclass
class Result:
    catalogue_created: int = 0
    stations_set_up: int = 0
    stations_skipped: int = 0
    created: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    totals: dict = field(default_factory=dict)
    loops_by_stage: dict = field(default_factory=dict)
    callbacks_by_status: dict = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)  # situation -> times left out
    skip_reason: str = ""
    seconds: float = 0.0


def cases_data_exist() -> bool:
    return staffing.has_records() or any(model.objects.exists() for model in OPERATIONAL)


# --- the replay clock ----------------------------------------------------------------------

# The timestamps the services write, by table; settle() moves them to the replayed days.
_STAMPED = (
    (Case, ("created_at", "updated_at", "completed_at")),
    (CaseStep, ("at",)),
    (Extension, ("requested_at", "decided_at")),
    (Handover, ("at",)),
    (Callback, ("created_at", "updated_at", "done_at")),
    (Evaluation, ("created_at",)),
    (RectificationLoop, ("created_at", "updated_at", "closed_at")),
    (LoopRecord, ("at",)),
)  # and staffing's windows and leave (staffing.demo_restamp)


class Clock:
    """Working days around the demo's today, and service calls replayed on past days.

    The services take "today" from the shared clock (junjia.core.clock) and stamp rows with
    the real time. A replayed call sets that clock to its day; settle() then
    moves what the call stamped (接件时间, step times, 办结时间 …) to the day and hour it
    stands for. Days are counted back and forward through the working-day calendar only.
    Audit entries keep the real time: they record when the demo wrote them.
    """

    def __init__(self, today: dt.date):
        self.cal = WorkingDayCalendar()
        self.today = today
        # The last working day up to today: "today's" counter work on a weekend is Friday's.
        self.anchor = today if self.cal.is_working_day(today) else self.back(today, 1)
        self.started = timezone.now()
        self.shift = 0  # minutes
        # (real start, real end, replayed moment) of each call, in order.
        self._calls: list[tuple[dt.datetime, dt.datetime, dt.datetime]] = []

    def back(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day before `day` (n = 0: `day` itself)."""
        while n > 0:
            day = dt.date.fromordinal(day.toordinal() - 1)
            if self.cal.is_working_day(day):
                n -= 1
        return day

    def ago(self, n: int) -> dt.date:
        return self.back(self.anchor, n)

    def ahead(self, n: int) -> dt.date:
        return self.cal.add_working_days(self.today, n)

    def due_in(self, target: dt.date, days: int) -> dt.date:
        """The acceptance day that makes a `days`-working-day limit end on `target`."""
        return self.back(self.cal.add_working_days(target, 0), days)

    def moment(self, day: dt.date, at: str) -> dt.datetime:
        """`day` at `at`, moved by the station's own few minutes (stations keep their hours)."""
        hour, minute = divmod(int(at[:2]) * 60 + int(at[3:]) + self.shift, 60)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def run(self, day: dt.date, at: str, call, /, **kwargs):
        """Call a service as of `day`. What it stamps with the real time is moved to `day` at
        `at` (never later than the real now) by settle()."""
        since = timezone.now()
        self.when = min(self.moment(day, at), since - dt.timedelta(seconds=1))
        try:
            with clock.as_of(day):
                return call(**kwargs)
        finally:
            self._calls.append((since, timezone.now(), self.when))

    def settle(self) -> int:
        """Move every timestamp written during a replayed call to that call's moment; returns
        the number of rows changed. One read and one bulk update per table."""
        starts = [start for start, _, _ in self._calls]
        changed = 0

        def replayed(value):
            if value is None:
                return None
            i = bisect_right(starts, value) - 1
            if i >= 0 and value <= self._calls[i][1]:
                return self._calls[i][2]
            return None

        for model, fields in _STAMPED:
            changed += replay.restamp(model.objects.all(), fields, self.started, replayed)
        changed += staffing.demo_restamp(since=self.started, moved=replayed)
        return changed


def _later(at: str, minutes: int) -> str:
    hour, minute = divmod(int(at[:2]) * 60 + int(at[3:]) + minutes, 60)
    return f"{hour:02d}:{minute:02d}"


# --- people -------------------------------------------------------------------------------

_INITIALS = "wlzcyhsgxmjdftpqbkr"  # pinyin initials of common surnames, most common first
_MOBILE_HEADS = ("135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187")


@dataclass
class Person:
    name: str
    recipient: object | None = None  # a registry file, or None for a walk-in
    phone: str = ""
    id_number: str = ""
    address: str = ""

    @property
    def categories(self):
        if self.recipient is None:
            return None
        return tuple(self.recipient.categories.values_list("category", flat=True))


@functools.cache
def _faker():
    from faker import Faker

    return Faker("zh_CN")


class People:
    """Files in a clerk's reach (approved, living), and walk-ins from the same county."""

    def __init__(self, rng: random.Random, actor, station, want: int):
        self.rng = rng
        self.fake = _faker()
        self.fake.seed_instance(rng.randint(0, 10**9))
        self.actor = actor
        self.want = want
        self.county = station.region.code[:6]
        self.place = station.region.full_name
        self._files: list | None = None
        self._next = 0

    @property
    def files(self) -> list:
        """Found on first need through the registry's search box, a surname initial at a
        time (most common first), until there are enough."""
        if self._files is None:
            found: dict[int, object] = {}
            for letter in _INITIALS:
                for r in search_recipients(self.actor, letter, limit=self.want):
                    if r.status == FileStatus.APPROVED and r.death_date is None:
                        found[r.pk] = r
                if len(found) >= self.want:
                    break
            self._files = sorted(found.values(), key=lambda r: r.pk)
            self.rng.shuffle(self._files)
        return self._files

    def filed(self) -> Person:
        if not self.files:
            return self.walk_in()
        r = self.files[self._next % len(self.files)]
        self._next += 1
        return Person(name=r.name, recipient=r, address=r.current_address)

    def oldest(self) -> Person:
        if not self.files:
            return self.walk_in()
        r = min(self.files, key=lambda f: (f.birth_date, f.pk))
        return Person(name=r.name, recipient=r, address=r.current_address)

    def walk_in(self) -> Person:
        rng = self.rng
        birth = dt.date(rng.randint(1945, 1999), rng.randint(1, 12), rng.randint(1, 28))
        # A 15-digit number converted by the parser: valid, with its check digit.
        old = f"{self.county}{birth:%y%m%d}{rng.randint(10, 999):03d}"
        return Person(
            name=self.fake.name(),
            phone=f"{rng.choice(_MOBILE_HEADS)}{rng.randint(0, 10**8 - 1):08d}",
            id_number=parse_id_number(old).value,
            address=f"{self.place}{rng.randint(1, 300)}号",
        )

    def anyone(self, walk_in_share: float = 0.3) -> Person:
        return self.walk_in() if self.rng.random() < walk_in_share else self.filed()

    def relative(self) -> str:
        return self.fake.name()


# --- texts ----------------------------------------------------------------------------------

RESULTS = {
    "preferential-card": "经县级服务中心审核通过，优待证已制发，已通知申请人领取。",
    "preferential-card-replace": "已核对原证信息，补换领的优待证已制发。",
    "honour-plaque": "经审核符合悬挂条件，已登记，将于集中悬挂时上门悬挂光荣牌。",
    "pension-apply": "经审核符合条件，已报批，自次月起按标准发放抚恤补助。",
    "pension-annual-confirm": "已完成本年度优抚对象身份确认。",
    "pension-transfer": "抚恤关系已转入本县，待遇自次月起由本县发放。",
    "conscript-family-allowance": "经审核符合条件，义务兵家庭优待金已列入本年度发放名册。",
    "return-report": "已完成退役报到和信息采集，发放《退役军人报到服务手册》。",
    "employment-register": "已办理就业登记，岗位推荐信息已告知本人。",
    "unemployment-register": "已办理失业登记，纳入就业援助对象，推荐 3 个岗位。",
    "startup-loan-subsidy": "经审核符合条件，创业贷款贴息已报财政部门拨付。",
    "training-enrol": "已报名本期职业技能培训，开班时间将短信告知。",
    "hardship-assistance": "经入户核实，发放临时困难帮扶金，已告知申请人到账时间。",
    "social-assistance-referral": "已转介至乡镇（街道）社会救助窗口，对方已受理。",
    "legal-aid": "已转县法律援助中心，指派律师提供法律援助。",
    "petition-register": "已登记并转责任单位办理，答复意见已告知本人。",
    "information-collection": "信息采集完成，已录入服务对象档案。",
    "merit-notice": "喜报已送达，家属签收。",
    "archive-read": "已按规定提供档案查阅，查阅登记已归档。",
    "child-education": "已出具子女教育优待证明，函告教育部门。",
}
CONSULTATIONS = (
    (
        "咨询优待证申领条件和所需材料",
        "已当场解答：优待证在户籍地服务站申领，需身份证、照片和退役证件。",
    ),
    ("咨询义务兵家庭优待金发放时间", "已当场解答：优待金按年度发放，入伍次年起发放。"),
    ("咨询退役士兵职业技能培训补贴", "已当场解答：退役两年内可免费参加一次职业技能培训。"),
    ("咨询光荣牌悬挂条件", "已当场解答：退役军人家庭可申请悬挂，春节前集中悬挂。"),
)
OUTSIDE_REMIT = (
    "咨询住房公积金提取",
    "不属于本大厅职权范围，已告知到住房公积金管理中心办理，并提供地址和电话。",
)
REFUSALS = (
    "申请人不属于该事项的办理对象（非退役军人本人或其遗属），依据事项办理条件不予受理。",
    "一次性告知后逾期未补齐材料，申请人表示不再申请，不予受理。",
)
WITHDRAWALS = ("申请人已在户籍迁出地办理，申请撤回。", "申请人家中有事，暂不办理，申请撤回。")
EXTENSION_REASONS = (
    "需入户核实家庭收入，村（社区）证明尚未出具。",
    "需向原部队函调档案材料，回函未到。",
    "制证单位设备检修，制发顺延。",
    "需公示 5 个工作日，公示期未满。",
)
GOOD_COMMENTS = (
    "",
    "",
    "态度热情，一次就办好了。",
    "工作人员讲解很清楚。",
    "不用跑腿，很方便。",
    "感谢服务站的同志。",
)
BAD = (
    (2, "等了很久，窗口只开了一个。"),
    (3, "材料要求前后说得不一样。"),
    (1, "材料反复跑了三趟才办成。"),
    (2, "打电话一直没人接。"),
    (3, "办得还行，就是时间长了点。"),
)
LOOP_RECORDS = {
    LoopStage.FOUND: "收到差评，已登记，安排核实。",
    LoopStage.VERIFY: "经核实：首次接件时未一次性告知全部材料，情况属实。",
    LoopStage.RECTIFY: "已向当事人致歉；组织窗口人员重新学习服务指南，材料清单张贴上墙。",
    LoopStage.REVISIT: "电话回访当事人，对整改情况表示认可。",
    LoopStage.IMPROVE: "纳入本月服务质量分析，修订一次性告知单模板。",
}


# --- one station's counter ---------------------------------------------------------------


class Desk:
    """One station: its windows, rota, slots and cases, written through the services.

    The showcase stations (the first county centre, township and village station, where
    orgs.demo puts every persona) get every situation a counter meets; the others windows, a
    rota, slots and a few routine cases. People are files from the registry demo, found through
    junjia.registry.api, and walk-ins with made-up but valid identity and mobile numbers.
    """

    def __init__(self, station, staff: dict, clock: Clock, rng: random.Random, result: Result):
        self.station = station
        self.level = station.region.level
        self.clock = clock
        self.rng = rng
        self.result = result
        self.head = staff[Role.STATION_HEAD]
        self.clerk = staff[Role.CLERK]
        self.reviewer = staff.get(Role.REVIEWER)
        # The clerk's partner at the window: the reviewer, or the head where there is none.
        self.second = self.reviewer or self.head
        self.items = {
            i.code: i
            for i in ServiceItem.objects.filter(is_active=True, current_version__isnull=False)
            .select_related("current_version")
            .order_by("code")
            if self.level in i.handling_levels
        }
        self._people: People | None = None
        self.want = 8  # files to draw from; the showcase wants more
        self._leaves: list = []  # leave recorded by the demo, as staffing returned it

    @property
    def people(self) -> People:
        if self._people is None:
            self._people = People(self.rng, self.clerk, self.station, want=self.want)
        return self._people

    def item(self, *codes: str):
        for code in codes:
            if code in self.items:
                return self.items[code]
        return next(iter(self.items.values()))

    def build(self, plan: Size, *, showcase: bool) -> None:
        self.clock.shift = self.rng.randint(0, 20)
        self.windows()
        if self.level in CASE_LEVELS and self.items:
            if showcase:
                self.want = 40
                self.showcase(plan)
            else:
                self.routine(plan.routine_cases)
        if showcase:
            past, coming, slot_days, bookings = 4, plan.rota_days, plan.slot_days, 8
        else:
            past, coming, slot_days, bookings = 0, ORDINARY_DAYS, ORDINARY_DAYS, 2
        self.attempt("午间值班", lambda: self.lunch_rota(past, coming))
        self.attempt("预约", lambda: self.slots(slot_days, bookings, showcase))

    def acting(self, user, day: dt.date):
        """Whoever does the work that day: the user, or while they are away their B (AB角)."""
        if any(
            lv.user_id == user.pk and lv.start_date <= day <= lv.end_date for lv in self._leaves
        ):
            posts = staffing.windows_as_primary(user.pk)
            return posts[0].backup if posts else self.head
        return user

    def attempt(self, label: str, scenario) -> None:
        """One situation in its own savepoint: a date in a year whose holidays are not yet
        entered skips it (and says so) instead of failing the demo."""
        try:
            with transaction.atomic():
                scenario()
        except UnknownCalendarYear as exc:
            self.result.skipped[label] += 1
            self.result.skip_reason = str(exc)

    def coming_days(self, n: int) -> list[dt.date]:
        days, day = [], self.clock.today
        for _ in range(n):
            day = self.clock.cal.next_working_day(day)
            days.append(day)
        return days

    # --- windows, leave, lunch duty --------------------------------------------------------

    def windows(self) -> None:
        pairs = [("综合受理窗口", self.clerk, self.second)]
        if self.reviewer is not None:
            pairs.append(("优抚服务窗口", self.reviewer, self.clerk))
        # The windows were there before the cases the demo replays.
        opened = self.clock.ago(65)
        for name, primary, backup in pairs:
            self.clock.run(
                opened,
                "08:30",
                staffing.window_save,
                actor=self.head,
                station=self.station,
                name=name,
                primary=primary,
                backup=backup,
            )
            self.result.created["windows"] += 1

    def leave(self, user, start: dt.date, end: dt.date, reason: str, recorded: dt.date) -> None:
        leave = self.clock.run(
            recorded,
            "08:50",
            staffing.leave_record,
            actor=self.head,
            user=user,
            start=start,
            end=end,
            reason=reason,
        )
        self._leaves.append(leave)
        self.result.created["leave"] += 1

    def lunch_rota(self, past: int, coming: int) -> None:
        """12:00–13:30 on working days, in turn, skipping whoever is on leave that day."""
        people = [p for p in (self.clerk, self.reviewer, self.head) if p is not None]
        dates = [self.clock.ago(n) for n in range(past, 0, -1)] + [self.clock.anchor]
        dates += [d for d in self.coming_days(coming) if d > self.clock.anchor]
        for n, day in enumerate(dates):
            away = staffing.users_away([p.pk for p in people], day)
            on_duty = [p for p in people if p.pk not in away] or people
            staffing.lunch_duty_set(
                actor=self.head, station=self.station, day=day, user=on_duty[n % len(on_duty)]
            )
            self.result.created["lunch_duty"] += 1

    # --- appointments ---------------------------------------------------------------------

    def slots(self, days: int, bookings: int, showcase: bool) -> None:
        if showcase:
            hours = [("09:00", "10:00", 3), ("10:00", "11:00", 4), ("14:00", "15:00", 4)]
            hours.append(("15:30", "16:30", 3))
        else:
            hours = [("09:00", "11:00", 2), ("14:00", "16:30", 6)]
        made: list[AppointmentSlot] = []
        dates = self.coming_days(days)
        if self.clock.cal.is_working_day(self.clock.today):
            dates.insert(0, self.clock.today)  # today's slots that have not begun yet
        for day in dates:
            for start, end, capacity in hours:
                if self._ahead(day, start):
                    made.append(self._slot(day, start, end, SlotKind.WORKDAY, capacity))
        if showcase:
            day = next(d for d in dates if self._ahead(d, "16:30"))
            made.append(self._slot(day, "16:30", "17:00", SlotKind.VIDEO, 2))
        if showcase:
            saturday = dt.date.fromordinal(self.clock.today.toordinal() + 1)
            while saturday.weekday() != 5 or self.clock.cal.is_working_day(saturday):
                saturday = dt.date.fromordinal(saturday.toordinal() + 1)
            made.append(self._slot(saturday, "09:00", "11:30", SlotKind.NON_WORKDAY, 6))
        if not made or not bookings:
            return
        items = [
            self.items[c]
            for c in ("employment-register", "preferential-card", "honour-plaque")
            if c in self.items
        ]
        first, booked = made[0], []
        for i in range(bookings):
            # The first slot of the coming day fills up, as it often does.
            slot = first if i < first.capacity else made[1 + (i * 3) % (len(made) - 1)]
            person = self.people.walk_in()
            booked.append(
                services.appointment_book(
                    slot=slot,
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone,
                    item=items[i % len(items)] if items else None,
                    note="电话预约，由窗口代为登记" if i % 2 else "",
                    actor=self.clerk if i % 2 else None,  # by phone at the desk, or online
                )
            )
            self.result.created["appointments"] += 1
        if showcase and len(booked) > first.capacity + 1:
            services.appointment_cancel(appointment=booked[-1], actor=None)
            later = (
                AppointmentSlot.objects.filter(
                    station=self.station, kind=SlotKind.WORKDAY, booked=0
                )
                .order_by("-date", "-start")
                .first()
            )
            if later is not None:
                appointments_admin.appointment_move(
                    actor=self.clerk, appointment=booked[first.capacity], slot=later
                )

    @staticmethod
    def _ahead(day: dt.date, start: str) -> bool:
        begins = dt.datetime.combine(day, dt.time.fromisoformat(start))
        # A few minutes' margin, so a slot cannot begin while the demo is booking it.
        return timezone.make_aware(begins) > timezone.now() + dt.timedelta(minutes=10)

    def _slot(self, day, start: str, end: str, kind: str, capacity: int) -> AppointmentSlot:
        self.result.created["slots"] += 1
        return services.slot_create(
            actor=self.clerk,
            station=self.station,
            day=day,
            start=dt.time.fromisoformat(start),
            end=dt.time.fromisoformat(end),
            kind=kind,
            capacity=capacity,
        )

    # --- cases: the steps -------------------------------------------------------------------

    def materials(self, item, person: Person, problems: int = 0) -> dict:
        """Materials as checked at the window: all in order, or the first `problems` of the
        general ones wrong (one defective, the rest missing)."""
        categories = person.categories
        rows: dict[str, dict] = {}
        general = []
        for material in item.current_version.materials:
            wanted_for = set(material.get("categories") or [])
            if not wanted_for:
                general.append(material["name"])
                rows[material["name"]] = {"state": "ok"}
            elif categories is None:
                rows[material["name"]] = {"state": "not_needed"}  # the clerk marks 不适用
            elif wanted_for & set(categories):
                rows[material["name"]] = {"state": "ok"}
        for n, name in enumerate(general[:problems]):
            if n == 0:
                note = "非近期照片" if "照片" in name else "复印件不清晰"
                rows[name] = {"state": "defective", "note": note}
            else:
                rows[name] = {"state": "missing", "note": "未带"}
        return rows

    def open(self, day, at, item, person: Person, *, actor=None, problems=0, unchecked=False, **kw):
        case = self.clock.run(
            day,
            at,
            services.case_open,
            actor=self.acting(actor or self.clerk, day),
            item=item,
            channel=kw.pop("channel", Channel.WINDOW),
            recipient=person.recipient,
            applicant_name=person.name,
            applicant_phone=person.phone,
            applicant_id=person.id_number,
            received={} if unchecked else self.materials(item, person, problems),
            **kw,
        )
        self.result.created["cases"] += 1
        return case

    def call(self, day, at, service, case, **kw):
        """A service on this case; the owner acts unless `actor` says otherwise."""
        kw["actor"] = self.acting(kw.get("actor") or case.owner, day)
        return self.clock.run(day, at, service, case=case, **kw)

    def move(self, day, at, case, to, **kw):
        return self.call(day, at, services.case_move, case, to=to, **kw)

    def accept(self, day, at, case, **kw):
        return self.call(day, at, services.case_accept, case, **kw)

    def start(self, day, at, case, **kw):
        return self.move(day, at, case, CaseStatus.IN_PROGRESS, **kw)

    def incomplete_notice(self, day, at, case):
        """Marked incomplete at `at` and the one-time notice printed five minutes later."""
        case = self.call(day, at, services.case_mark_incomplete, case)
        return self.call(day, _later(at, 5), services.case_issue_notice, case)

    def complete(self, day, at, case, result: str = "", **kw):
        item = case.item_version.item
        text = result or RESULTS.get(item.code) or f"{item.name}已办理完毕，结果已告知申请人。"
        done = self.call(day, at, services.case_complete, case, result=text, **kw)
        # 延时服务 (000 §7) is judged by the hour the case was finished: the replayed hour.
        late = timezone.localtime(self.clock.when).time() > services.closing_time()
        if late != done.delay_service:
            Case.objects.filter(pk=done.pk).update(delay_service=late)
            done.delay_service = late
        return done

    def rate(self, day, at, case, score: int, comment: str = "", channel=RatingChannel.QR):
        # Paper forms and the window pad are entered by the clerk; QR and SMS by the person.
        by_staff = channel in (RatingChannel.PAPER, RatingChannel.WINDOW)
        evaluation = self.clock.run(
            day,
            at,
            services.evaluation_submit,
            case=case,
            score=score,
            comment=comment,
            channel=channel,
            entered_by=self.clerk if by_staff else None,
        )
        self.result.created["evaluations"] += 1
        return evaluation

    def advance_loop(self, evaluation, days: list[dt.date]) -> None:
        """Close one stage of the bad-review loop on each of `days`, with its record; the
        rectification is the first handler's, the other stages the head's."""
        loop = RectificationLoop.objects.get(evaluation=evaluation)
        case = evaluation.case
        order = list(LoopStage)
        for day in days:
            stage = LoopStage(loop.stage)
            following = order[order.index(stage) + 1]
            loop = self.clock.run(
                day,
                "16:10",
                services.loop_advance,
                actor=self.head,
                loop=loop,
                record=LOOP_RECORDS[stage],
                next_owner=case.owner if following == LoopStage.RECTIFY else self.head,
            )

    def record_callback(self, day, case, satisfaction: int, outcome: str, follow_up=False):
        callback = Callback.objects.filter(case=case, status=CallbackStatus.DUE).first()
        self.clock.run(
            day,
            "15:00",
            services.callback_record,
            actor=self.acting(case.owner, day),
            callback=callback,
            outcome=outcome,
            satisfaction=satisfaction,
            follow_up=follow_up,
        )

    def handover(self, day, at, case, direction, items: list[str]):
        self.result.created["handovers"] += 1
        return self.call(
            day,
            at,
            services.handover_record,
            case,
            direction=direction,
            items=items,
            counterpart=case.proxy_requester,
        )

    def finished_case(self, opened, done, item, person=None, *, actor=None, at="10:30"):
        """Opened and accepted on `opened`, completed on `done`."""
        case = self.open(opened, "09:20", item, person or self.people.anyone(), actor=actor)
        case = self.accept(opened, "09:40", case)
        if done > opened:
            case = self.start(self.clock.cal.next_working_day(opened), "09:10", case)
        return self.complete(done, at, case)

    def in_clock(self, item, due: dt.date, person=None, *, actor=None, started=True):
        """Accepted so that the item's promised limit ends on `due` (or today, when the limit is
        too short for that), and (if `started`) in progress from the next working day."""
        c = self.clock
        accepted = min(c.due_in(due, item.current_version.time_limit_days), c.anchor)
        case = self.open(accepted, "09:50", item, person or self.people.filed(), actor=actor)
        case = self.accept(accepted, "10:10", case)
        if started:
            begun = c.cal.next_working_day(accepted)
            if begun > c.anchor:
                case = self.start(accepted, "15:30", case)
            else:
                case = self.start(begun, "09:15", case)
        return case

    # --- the showcase: every situation a counter meets ------------------------------------

    def showcase(self, plan: Size) -> None:
        c = self.clock
        # A past leave of the clerk, during which the B (the partner at the window) stood in.
        self.attempt(
            "请假与 B 角顶岗",
            lambda: self.leave(self.clerk, c.ago(22), c.ago(21), "年休假", recorded=c.ago(27)),
        )
        for label, scenario in (
            ("咨询", self.consultations),
            ("接件与一次性告知", self.intake),
            ("补齐材料后受理", self.notice_then_back),
            ("限时办结", self.deadlines),
            ("上报审批", self.sent_up),
            ("延期", self.extensions),
            ("上门服务", self.doorstep),
            ("帮办代办", self.proxy),
            ("不予受理与撤回", self.closed),
            ("B 角顶岗", self.stand_in),
            ("跟踪回访", self.callbacks),
            ("差评整改", self.bad_reviews),
        ):
            self.attempt(label, scenario)
        for _ in range(plan.history_cases):
            self.attempt("历史办件", self.history_case)
        if self.level == Level.COUNTY and self.reviewer is not None:
            # Away today: the clerk (B on the reviewer's window) sees the reviewer's cases.
            self.attempt(
                "当前请假",
                lambda: self.leave(self.reviewer, c.anchor, c.ahead(2), "病假", recorded=c.ago(0)),
            )
        if self.level == Level.TOWNSHIP:
            self.attempt("计划请假", self.planned_leave)

    def planned_leave(self) -> None:
        first = self.coming_days(5)[-1]
        end = self.clock.cal.next_working_day(first)
        self.leave(self.clerk, first, end, "事假", recorded=self.clock.ago(1))

    def consultations(self) -> None:
        c, item = self.clock, self.item("policy-consultation")
        topic, answer = CONSULTATIONS[self.rng.randrange(len(CONSULTATIONS))]
        # On the telephone this morning, waiting for an answer from the county.
        self.open(
            c.ago(0), "10:05", item, self.people.walk_in(), channel=Channel.PHONE, consultation=True
        )
        # Answered on the spot, and rated at the window.
        case = self.open(c.ago(1), "09:15", item, self.people.filed(), consultation=True)
        case = self.complete(c.ago(1), "09:30", case, result=f"{topic}。{answer}")
        self.rate(c.ago(1), "09:32", case, 5, channel=RatingChannel.WINDOW)
        # Outside the hall's remit: told where to go (000 §7 首问负责).
        case = self.open(
            c.ago(4), "14:10", item, self.people.walk_in(), consultation=True, outside_remit=True
        )
        self.complete(c.ago(4), "14:20", case, result=f"{OUTSIDE_REMIT[0]}。{OUTSIDE_REMIT[1]}")

    def intake(self) -> None:
        c = self.clock
        card = self.item("preferential-card", "honour-plaque")
        # Received this morning with everything in order, to be accepted.
        self.open(c.ago(0), "09:30", card, self.people.filed())
        # Received with a photo that will not do and a missing paper: notice still to issue.
        case = self.open(c.ago(0), "11:10", card, self.people.filed(), problems=2)
        self.call(c.ago(0), "11:15", services.case_mark_incomplete, case)
        # One-time notice issued two days ago; the person has not come back yet.
        plaque = self.item("honour-plaque", "preferential-card")
        case = self.open(
            c.ago(2), "14:20", plaque, self.people.filed(), actor=self.second, problems=1
        )
        self.incomplete_notice(c.ago(2), "14:30", case)

    def notice_then_back(self) -> None:
        """Notice issued; the person came back to the other clerk (the case stays with its
        first handler, who is told); accepted and in progress."""
        c = self.clock
        item = self.item("pension-apply", "preferential-card")
        person = self.people.filed()
        case = self.open(c.ago(9), "10:00", item, person, problems=2)
        case = self.incomplete_notice(c.ago(9), "10:10", case)
        case = self.call(
            c.ago(6),
            "15:20",
            services.case_recheck,
            case,
            actor=self.second,
            received=self.materials(item, person),
        )
        case = self.accept(c.ago(5), "09:10", case)
        self.start(c.ago(4), "09:30", case)

    def deadlines(self) -> None:
        c = self.clock
        # Accepted yesterday, not started.
        case = self.open(c.ago(1), "15:00", self.item("employment-register"), self.people.filed())
        self.accept(c.ago(1), "15:10", case)
        # Due tomorrow, today, and three working days ago (overdue).
        self.in_clock(
            self.item("pension-apply", "preferential-card"), c.ahead(1), actor=self.second
        )
        self.in_clock(self.item("honour-plaque", "preferential-card-replace"), c.ahead(0))
        self.in_clock(self.item("pension-transfer", "hardship-assistance"), c.ago(3))
        # Due in two working days, accepted but not started.
        self.in_clock(
            self.item("preferential-card-replace", "honour-plaque"), c.ahead(2), started=False
        )

    def sent_up(self) -> None:
        c = self.clock
        upper = "市级服务中心" if self.level == Level.COUNTY else "县级服务中心"
        item = self.item("pension-apply", "preferential-card")
        case = self.open(c.ago(6), "10:20", item, self.people.filed())
        case = self.accept(c.ago(6), "10:40", case)
        case = self.start(c.ago(5), "09:00", case)
        self.move(c.ago(2), "16:00", case, CaseStatus.SENT_UP, remark=f"材料齐全，报{upper}审批。")
        # Sent up, returned for a missing paper, being worked on again.
        item = self.item("conscript-family-allowance", "honour-plaque")
        case = self.open(c.ago(12), "14:00", item, self.people.filed())
        case = self.accept(c.ago(12), "14:30", case)
        case = self.start(c.ago(11), "09:00", case)
        case = self.move(c.ago(8), "16:30", case, CaseStatus.SENT_UP, remark=f"报{upper}审批。")
        self.move(
            c.ago(5),
            "10:00",
            case,
            CaseStatus.IN_PROGRESS,
            remark=f"{upper}退回：缺少村（社区）公示结果，请补充后重新上报。",
        )

    def extensions(self) -> None:
        c = self.clock
        # Would have been due yesterday; five more working days approved by the head.
        item = self.item("hardship-assistance", "honour-plaque")
        case = self.in_clock(item, c.ago(1))
        extension = self.call(
            c.ago(3),
            "11:00",
            services.extension_request,
            case,
            days=5,
            reason=self.rng.choice(EXTENSION_REASONS),
        )
        self.clock.run(
            c.ago(2),
            "09:00",
            services.extension_decide,
            actor=self.head,
            extension=extension,
            approve=True,
        )
        self.result.created["extensions"] += 1
        # Due in two days; the request waits for the head.
        case = self.in_clock(self.item("preferential-card", "honour-plaque"), c.ahead(2))
        self.call(
            c.ago(0),
            "09:40",
            services.extension_request,
            case,
            days=3,
            reason=self.rng.choice(EXTENSION_REASONS[::-1]),
        )
        self.result.created["extensions"] += 1

    def doorstep(self) -> None:
        c = self.clock
        item = self.item("information-collection", "pension-annual-confirm")
        person = self.people.oldest()
        # Booked for tomorrow morning at the person's home; materials are checked there.
        self.open(
            c.ago(1),
            "16:00",
            item,
            person,
            channel=Channel.DOORSTEP,
            unchecked=True,
            doorstep={
                "condition": "年满80周岁、行动不便，本人无法到站办理",
                "at": c.moment(c.ahead(1), "09:30"),
                "place": person.address or f"{self.station.region.full_name}家中",
            },
        )
        # Visited a week ago, completed, rated on the paper form.
        confirm = self.item("pension-annual-confirm", "information-collection")
        person = self.people.filed()
        case = self.open(
            c.ago(8),
            "15:00",
            confirm,
            person,
            channel=Channel.DOORSTEP,
            unchecked=True,
            doorstep={
                "condition": "长期卧床，需现场核实身份",
                "at": c.moment(c.ago(7), "14:30"),
                "place": person.address or f"{self.station.region.full_name}家中",
            },
        )
        case = self.call(
            c.ago(7),
            "15:40",
            services.case_record_doorstep,
            case,
            outcome="已上门核验身份证件原件，本人签字确认，材料齐全。",
        )
        case = self.call(
            c.ago(7),
            "15:45",
            services.case_recheck,
            case,
            received=self.materials(confirm, person),
        )
        case = self.accept(c.ago(7), "15:50", case)
        case = self.complete(c.ago(3), "10:00", case)
        self.rate(c.ago(3), "10:30", case, 5, "不用出门就办好了。", RatingChannel.PAPER)

    def proxy(self) -> None:
        c = self.clock
        item = self.item("preferential-card", "honour-plaque")

        def requested():
            return {
                "requester": self.people.relative(),
                "relationship": self.rng.choice(("子女", "配偶", "孙子女")),
                "authorisation": "授权委托书（申请人签字按手印）及委托人身份证复印件",
            }

        def handed_in(case):
            return [f"{m['name']}（{m['count']}份）" for m in case.materials if m["state"] == "ok"]

        # Materials handed to the clerk four days ago; in progress.
        person = self.people.filed()
        case = self.open(c.ago(4), "10:30", item, person, channel=Channel.PROXY, proxy=requested())
        self.handover(c.ago(4), "10:40", case, HandoverDirection.IN, handed_in(case))
        case = self.accept(c.ago(4), "10:50", case)
        self.start(c.ago(3), "09:00", case)
        # Completed, and the result handed back to the family.
        person = self.people.filed()
        case = self.open(c.ago(14), "14:00", item, person, channel=Channel.PROXY, proxy=requested())
        self.handover(c.ago(14), "14:10", case, HandoverDirection.IN, handed_in(case))
        case = self.accept(c.ago(14), "14:20", case)
        case = self.complete(c.ago(6), "11:00", case)
        self.handover(
            c.ago(5), "09:30", case, HandoverDirection.OUT, ["优待证（1张）", "身份证件原件"]
        )
        self.rate(c.ago(5), "09:40", case, 4, "代办很省心。", RatingChannel.SMS)

    def closed(self) -> None:
        c = self.clock
        card = self.item("preferential-card", "honour-plaque")
        # Refused at the window: not a person the item is for.
        case = self.open(c.ago(3), "11:30", card, self.people.walk_in())
        self.call(c.ago(3), "11:50", services.case_refuse, case, reason=REFUSALS[0])
        # Refused when the notice ran out without the papers.
        case = self.open(c.ago(25), "10:00", card, self.people.filed(), problems=2)
        case = self.incomplete_notice(c.ago(25), "10:10", case)
        self.call(c.ago(5), "16:00", services.case_refuse, case, reason=REFUSALS[1])
        # Withdrawn after acceptance, and before it.
        case = self.open(c.ago(6), "09:40", self.item("honour-plaque"), self.people.filed())
        case = self.accept(c.ago(6), "10:00", case)
        self.move(c.ago(4), "14:00", case, CaseStatus.WITHDRAWN, remark=WITHDRAWALS[0])
        case = self.open(c.ago(2), "15:30", card, self.people.filed())
        self.move(c.ago(2), "15:50", case, CaseStatus.WITHDRAWN, remark=WITHDRAWALS[1])
        # Finished after closing time because it was ready: 延时服务.
        item = self.item("pension-annual-confirm", "training-enrol")
        case = self.open(c.ago(1), "16:40", item, self.people.filed())
        case = self.accept(c.ago(1), "16:50", case)
        case = self.complete(c.ago(1), "18:10", case)
        self.rate(c.ago(1), "18:12", case, 5, "下班后还在等我办完，非常感谢。")

    def stand_in(self) -> None:
        """The clerk's case moved on by the B while the clerk was on leave (AB角)."""
        c = self.clock
        case = self.open(c.ago(23), "10:00", self.item("honour-plaque"), self.people.filed())
        case = self.accept(c.ago(23), "10:20", case)
        case = self.start(c.ago(21), "09:30", case, actor=self.second)
        case = self.complete(c.ago(17), "15:00", case)
        self.rate(c.ago(16), "08:50", case, 5, channel=RatingChannel.SMS)

    def callbacks(self) -> None:
        c = self.clock
        work = self.item("employment-register", "unemployment-register")
        hardship = self.item("hardship-assistance", "social-assistance-referral")
        # Completed two days ago: callback due within ten working days.
        self.finished_case(c.ago(4), c.ago(2), work)
        # Completed thirteen days ago: the callback is three days late.
        self.finished_case(c.ago(16), c.ago(13), hardship)
        # Called back and satisfied.
        case = self.finished_case(c.ago(20), c.ago(18), work)
        self.record_callback(c.ago(9), case, 5, "已在本地企业上岗，对推荐服务满意。")
        # Called back, not satisfied: followed up until the money arrived.
        case = self.finished_case(c.ago(30), c.ago(20), hardship)
        self.record_callback(c.ago(10), case, 2, "帮扶资金尚未到账，本人不满意。", follow_up=True)
        self.record_callback(c.ago(3), case, 4, "资金已到账，表示感谢。")

    def bad_reviews(self) -> None:
        """Bad ratings with their closed loops at every stage (000 §9)."""
        c = self.clock
        stages = (
            (1, 0, []),  # received this morning: 差评发现
            (6, 5, [5]),  # 问题核实, past its due date
            (8, 7, [7, 2]),  # 反馈整改 by the first handler
            (12, 11, [11, 9, 2]),  # 问题回访
            (20, 19, [19, 17, 12, 9]),  # 改进提升, overdue
            (30, 29, [29, 27, 22, 19, 15]),  # 已闭环
        )
        for n, (done, rated, steps) in enumerate(stages):
            item = self.item(
                *self.rng.sample(
                    ["preferential-card", "honour-plaque", "employment-register", "pension-apply"],
                    4,
                )
            )
            case = self.finished_case(c.ago(done + 2), c.ago(done), item)
            score, comment = BAD[n % len(BAD)]
            evaluation = self.rate(c.ago(rated), "09:10", case, score, comment)
            self.advance_loop(evaluation, [c.ago(k) for k in steps])

    def history_case(self) -> None:
        """A case of the past three months, completed and mostly rated well."""
        c, rng = self.clock, self.rng
        item = rng.choice(self.everyday_items())
        opened = c.ago(rng.randint(6, 60))
        took = rng.randint(0, min(item.current_version.time_limit_days, 8))
        done = min(c.cal.add_working_days(opened, took), c.ago(2))
        case = self.finished_case(opened, done, item, at=rng.choice(("10:30", "14:40", "16:20")))
        self.called_back(case, done)
        if rng.random() < 0.8:
            score = rng.choices((5, 4, 3), weights=(60, 32, 8))[0]
            rated = min(c.cal.next_working_day(done), c.anchor)
            comment = rng.choice(GOOD_COMMENTS) if score > 3 else BAD[4][1]
            channel = rng.choice(list(RatingChannel))
            evaluation = self.rate(rated, "17:00", case, score, comment, channel)
            if score == 3:
                days = [c.cal.add_working_days(rated, k) for k in (1, 3, 5, 7, 9)]
                self.advance_loop(evaluation, [d for d in days if d <= c.anchor])

    def called_back(self, case, done: dt.date) -> None:
        """Employment and hardship cases are called back a few working days after completion
        (000 §7 跟踪服务), unless that day has not come yet."""
        if case.item_version.item.area not in CALLBACK_AREAS:
            return
        called = self.clock.cal.add_working_days(done, self.rng.randint(3, 9))
        if called < self.clock.anchor:
            satisfaction = self.rng.choice((4, 5))
            self.record_callback(called, case, satisfaction, "电话回访，对办理结果满意。")

    # --- other stations: routine work -------------------------------------------------

    def everyday_items(self) -> list:
        # Long limits (60 working days) are rare at a counter and reach far into next year.
        return [
            i
            for code, i in self.items.items()
            if code != "policy-consultation" and i.current_version.time_limit_days <= 20
        ]

    def routine(self, n: int) -> None:
        items = self.everyday_items()
        for k in range(n if items else 0):
            item = items[self.rng.randrange(len(items))]
            kind = ROUTINE[k % len(ROUTINE)]
            self.attempt("日常办件", lambda item=item, kind=kind: self._routine(kind, item))

    def _routine(self, kind: str, item) -> None:
        c, rng = self.clock, self.rng
        if kind == "completed":
            self._routine_done(item)
        elif kind == "in_progress":
            self.in_clock(item, c.ahead(rng.randint(1, 6)))
        elif kind == "accepted":
            self.in_clock(item, c.ahead(rng.randint(2, 8)), started=False)
        elif kind == "received":
            self.open(c.ago(0), "10:00", item, self.people.anyone())
        else:
            self._routine_notice(item)

    def _routine_done(self, item) -> None:
        c = self.clock
        opened = c.ago(self.rng.randint(3, 30))
        done = min(c.cal.add_working_days(opened, self.rng.randint(0, 5)), c.ago(1))
        case = self.finished_case(opened, done, item)
        self.called_back(case, done)
        self.rate(
            min(c.cal.next_working_day(done), c.anchor),
            "17:00",
            case,
            self.rng.choice((5, 5, 4)),
            self.rng.choice(GOOD_COMMENTS),
        )

    def _routine_notice(self, item) -> None:
        c = self.clock
        if not any(not m.get("categories") for m in item.current_version.materials):
            item = self.item("preferential-card", "honour-plaque")
        case = self.open(c.ago(1), "14:00", item, self.people.filed(), problems=1)
        self.incomplete_notice(c.ago(1), "14:10", case)


# --- the whole demo -------------------------------------------------------------------------


def _offline_sms():
    """Text messages of the demo go to a file unless a file backend is already set: the
    demo's mobile numbers are made up and must never reach a real gateway."""
    if getattr(settings, "JUNJIA_SMS_BACKEND", "") == "junjia.core.sms.FileBackend":
        return nullcontext()
    from django.test.utils import override_settings

    return override_settings(
        JUNJIA_SMS_BACKEND="junjia.core.sms.FileBackend",
        JUNJIA_SMS_FILE=settings.VAR_DIR / "demo-sms.jsonl",
    )


def _staffed_stations(city) -> list[tuple]:
    """(station, {role: user}) for the demo stations with a head and a clerk, by region key."""
    wanted = (Role.STATION_HEAD, Role.CLERK, Role.REVIEWER)
    rows = []
    for station, roles in station_staff(city.key, city.key_high, wanted):
        head, clerk = roles.get(Role.STATION_HEAD), roles.get(Role.CLERK)
        if head and clerk and head.pk != clerk.pk:
            rows.append((station, roles))
    return rows


def _plan(rows, size: Size) -> list[tuple]:
    """(station, staff, is_showcase): the first station of each showcase level (one with a
    reviewer when there is one), then the others in region order."""
    chosen, showcase = [], set()
    for level in SHOWCASE_LEVELS:
        at_level = [r for r in rows if r[0].region.level == level]
        best = next((r for r in at_level if Role.REVIEWER in r[1]), None) or next(
            iter(at_level), None
        )
        if best is not None:
            chosen.append((*best, True))
            showcase.add(best[0].pk)
    others = [(*r, False) for r in rows if r[0].pk not in showcase]
    if size.ordinary_stations is not None:
        others = others[: size.ordinary_stations]
    return chosen + others


def load_demo(*, size: str = "full", seed: int = 7, today: dt.date | None = None) -> Result:
    """Load the catalogue and set up every demo station that has no windows yet; stations
    already set up are left alone, so a second run adds nothing."""
    import time

    started = time.perf_counter()
    plan = SIZES[size]
    today = today or timezone.localdate()
    city = region_by_code(DEMO_CITY)
    if city is None or not region_has_station(city):
        raise DemoError("演示区划不存在，请先运行 manage.py load_demo。")
    try:
        clock = Clock(today)
    except UnknownCalendarYear as exc:
        raise DemoError(f"{exc}（可运行 manage.py load_holidays 载入。）") from exc
    result = Result()
    with _offline_sms(), transaction.atomic():
        result.catalogue_created = load_catalogue()
        for station, staff, is_showcase in _plan(_staffed_stations(city), plan):
            if staffing.station_has_windows(station):
                result.stations_skipped += 1
                continue
            desk = Desk(
                station, staff, clock, random.Random(f"{seed}-{station.region.code}"), result
            )
            desk.build(plan, showcase=is_showcase)
            result.stations_set_up += 1
        clock.settle()
        _count(result, city)
        if result.stations_set_up or result.catalogue_created:
            audit.record(
                actor=None,
                action=AuditAction.IMPORT,
                object_type="cases.demo",
                object_repr="政务服务演示数据",
                region_key=city.key,
                extra={
                    "size": size,
                    "seed": seed,
                    "today": today.isoformat(),
                    "catalogue_created": result.catalogue_created,
                    "stations": result.stations_set_up,
                    "created": dict(result.created),
                    "skipped": dict(result.skipped),
                },
            )
    result.seconds = time.perf_counter() - started
    return result


def _count(result: Result, city) -> None:
    """What the demo region holds now (after this run and any earlier one)."""
    inside = {"region_key__gte": city.key, "region_key__lte": city.key_high}
    of_cases = {"case__region_key__gte": city.key, "case__region_key__lte": city.key_high}

    def grouped(qs, column, labels) -> dict:
        rows = qs.values_list(column).annotate(n=Count("id")).order_by()
        return {str(labels.get(value, value)): n for value, n in rows}

    result.by_status = Counter(grouped(Case.objects.filter(**inside), "status", {}))
    result.totals = {
        **staffing.totals_between(city.key, city.key_high),
        "预约时段": AppointmentSlot.objects.filter(**inside).count(),
        "预约": Appointment.objects.filter(**inside).count(),
        "办件": Case.objects.filter(**inside).count(),
        "延期申请": Extension.objects.filter(**of_cases).count(),
        "材料交接": Handover.objects.filter(**of_cases).count(),
        "回访": Callback.objects.filter(**inside).count(),
        "评价": Evaluation.objects.filter(**inside).count(),
        "差评整改": RectificationLoop.objects.filter(**inside).count(),
    }
    result.loops_by_stage = grouped(
        RectificationLoop.objects.filter(**inside), "stage", dict(LoopStage.choices)
    )
    result.callbacks_by_status = grouped(
        Callback.objects.filter(**inside), "status", dict(CallbackStatus.choices)
    )

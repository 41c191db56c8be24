"""Cases at province scale on PostgreSQL: a clerk's work list, the daily deadline scan, and
appointment booking under 50 concurrent clients.

Run from the repository root:

    .venv/bin/python bench/cases.py [--recipients 1000000] [--cases 3000000] [--keep] [--reuse]
                                    [--clerks 200] [--clients 50] [--rounds 20]
                                    [--skip work scan booking] [--database-url URL]

Settings: junjia.settings.test with DATABASE_URL pointing at the bench database (default
junjia_bench_cases) and DATABASE_POOL=0 (fixed throw-away keys, nothing written under var/).
The database is dropped at the end unless --keep is given; --reuse measures a kept one again
(migrating it first, so a new index is tried on the same data), and finishes a kept build
whose cases were not written yet.

Data. The province (山东省: 136 counties × 13 townships × 30 villages) and the recipients are
built by bench/search.py's builder (`load_demo --scale province`, `load_registry_demo --scale
province`: PostgreSQL COPY, staff at every centre, township and first village station). Then
the working-day calendar and the real catalogue (25 items), and `--cases` cases written with
COPY: three years of daily flow spread over the province's clerks in the shares village
stations 50%, townships 38%, counties 11% (the catalogue's items are handled at these three
levels only, so the 1% of city and province centres goes to them); three in four for a
person on file in the station's jurisdiction, the rest walk-ins. Each case follows the life
cycle: 4% are consultations, 20% had incomplete materials and a one-time notice before
acceptance, 3% are refused and 2% withdrawn; the due date is the acceptance day plus the
item's working days (3% with an approved extension); the time taken is drawn around half the
limit, about 3% finish late and 0.5% get stuck for up to 120 working days. Cases whose work
is not finished by today are open in the status their progress says. Case history (steps),
evaluations and callbacks are not written: none of the measured paths reads them.

Measured, all through the app's own code:

1. A clerk's work list (selectors.my_work: my open cases and those of anyone I stand in for,
   due soonest first). Sampled clerks with open cases; each is called once to warm up and
   then timed. Modes: `page` (a full request of the cases work page /cases/work/ through
   Django's test client: middleware, session, page of 50, counts, template, audit row),
   `api` (a full request of GET /api/v1/cases/?owner=me: page of 50, serialised, audited),
   `selectors` (list(selectors.my_work(actor)): the queries and the model instances, no
   request). Target p95 ≤ 50 ms, each mode.
2. The daily deadline scan over the whole province as the periodic task runs it
   (core.deadlines.scan_watch for the case workflow, run hourly by
   core.tasks.scan_deadlines_task): every case due within 2 working days, overdue, or
   overdue long enough to escalate is told once per event (a DeadlineEvent row) to its
   owner, the station head, the head above. A second run the same day must tell nothing.
   Target ≤ 30 s.
3. Booking under load: `--clients` clients, each a forked process (as the web server's
   workers are; --booking-clients threads puts them in this one process) with its own
   database connection, opened before the first burst. They meet at a barrier and call
   services.appointment_book at the same moment on a few slots of small capacity (fewer
   places than clients), `--rounds` times. No slot may end over capacity and every place
   taken must be one appointment; every call is timed, the refused ones too. Target p95 ≤
   100 ms. The clients' CPU time per booking is printed with the floor it sets: clients ×
   CPU per booking ÷ cores is the least time a burst can take on this machine.
"""

import argparse
import bisect
import datetime as dt
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from regions import copy_rows, drop_database, prepare_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/junjia_bench_cases"
PROVINCE = "370000"
WORK_TARGET_MS = 50.0
SCAN_TARGET_S = 30.0
BOOK_TARGET_MS = 100.0
YEARS = 3
# Share of the case flow handled at each level (village, township, county, city + province).
LEVEL_SHARE = {5: 0.50, 4: 0.38, 3: 0.11, 2: 0.007, 1: 0.003}
WORK_PAGE_NAMES = ("cases:work", "cases:my_work", "cases:home", "cases:index", "cases:case_list")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=3_000_000)
    parser.add_argument("--clerks", type=int, default=200, help="clerks sampled for the work list")
    parser.add_argument("--rounds-per-clerk", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50, help="concurrent booking clients")
    parser.add_argument("--rounds", type=int, default=20, help="booking bursts")
    parser.add_argument("--slots", type=int, default=5, help="slots raced for in each burst")
    parser.add_argument("--capacity", type=int, default=4, help="places in each slot")
    parser.add_argument(
        "--booking-clients",
        choices=["processes", "threads"],
        default="processes",
        help="booking clients as forked processes (like the web server's workers) or threads",
    )
    parser.add_argument("--mode", choices=["auto", "page", "api", "selectors"], default="auto")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure data kept by --keep")
    parser.add_argument("--skip", nargs="*", default=[], choices=["work", "scan", "booking"])
    args = parser.parse_args(argv)
    if args.rounds * args.slots > 14 * 60:  # slots start at 08:00, one minute apart
        parser.error("--rounds × --slots must be at most 840 (slots from 08:00, one a minute)")
    return args


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def figures(values: list[float]) -> str:
    return (
        f"n {len(values):>5}  p50 {statistics.median(values):8.2f}  "
        f"p95 {percentile(values, 95):8.2f}  max {max(values):8.2f} ms"
    )


# --- build ---------------------------------------------------------------------------------


class Days:
    """Working days as ordinals from `first` to a year past `today`, for index arithmetic.
    Years the calendar does not know yet (next year, before the State Council publishes it)
    fall back to Monday–Friday: the app itself would refuse those dates."""

    def __init__(self, first: dt.date, today: dt.date):
        from junjia.core.workdays import WorkingDayCalendar

        calendar = WorkingDayCalendar()
        known = calendar.known_years()
        self.ordinals = []
        day = first
        while day <= today + dt.timedelta(days=400):
            working = calendar.is_working_day(day) if day.year in known else day.weekday() < 5
            if working:
                self.ordinals.append(day.toordinal())
            day += dt.timedelta(days=1)
        self.today = bisect.bisect_right(self.ordinals, today.toordinal()) - 1

    def date(self, index: int) -> dt.date:
        return dt.date.fromordinal(self.ordinals[min(index, len(self.ordinals) - 1)])


def _at(day: dt.date, rng: random.Random, tz, late: bool = False) -> dt.datetime:
    minutes = rng.randint(8 * 60 + 30, 17 * 60 + 25) if not late else rng.randint(1055, 1140)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz)


def _clerks() -> dict[int, list[tuple]]:
    """{level: [(user id, station id, region code, key, key_high)]} of every clerk."""
    from junjia.orgs.models import User

    by_level: dict[int, list[tuple]] = {}
    rows = (
        User.objects.filter(role_grants__role="clerk", station__isnull=False, is_active=True)
        .values_list(
            "id",
            "station_id",
            "station__region__level",
            "station__region__code",
            "station__region__key",
            "station__region__key_high",
        )
        .order_by("id")
    )
    for user_id, station_id, level, code, key, high in rows:
        by_level.setdefault(level, []).append((user_id, station_id, code, key, high))
    return by_level


def _recipients() -> tuple[list[int], list[int], list[str]]:
    """(region keys, ids, names) of approved files, sorted by region key."""
    from django.db import connection

    keys, ids, names = [], [], []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT region_key, id, name FROM registry_recipient "
            "WHERE status = 'approved' ORDER BY region_key, id"
        )
        while rows := cursor.fetchmany(50_000):
            for key, pk, name in rows:
                keys.append(key)
                ids.append(pk)
                names.append(name)
    return keys, ids, names


def _versions() -> dict[int, list[tuple]]:
    """{level: [(version id, item code, area, days, all-ok materials, incomplete materials)]}."""
    from junjia.cases.models import ServiceItem

    by_level: dict[int, list[tuple]] = {}
    for item in ServiceItem.objects.select_related("current_version").order_by("code"):
        version = item.current_version
        ok = [
            {
                "name": m["name"],
                "form": m.get("form", ""),
                "count": m.get("count", 1),
                "state": "not_needed" if m.get("categories") else "ok",
                "note": "",
            }
            for m in version.materials
        ]
        short = [dict(m, state="missing") if i == 0 else m for i, m in enumerate(ok)]
        row = (
            version.pk,
            item.code,
            item.area,
            version.time_limit_days,
            json.dumps(ok, ensure_ascii=False),
            json.dumps(short, ensure_ascii=False),
        )
        for level in item.handling_levels:
            by_level.setdefault(level, []).append(row)
    return by_level


WALK_IN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
WALK_IN_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志"
CASE_FIELDS = [
    "number",
    "item_version",
    "station",
    "region_key",
    "recipient",
    "applicant_name",
    "applicant_phone_enc",
    "applicant_phone_masked",
    "applicant_id_enc",
    "applicant_id_index",
    "applicant_id_masked",
    "channel",
    "status",
    "owner",
    "window",
    "materials",
    "outside_remit",
    "refusal_reason",
    "accepted_on",
    "due_on",
    "completed_at",
    "result",
    "delay_service",
    "extended_days",
    "doorstep_condition",
    "doorstep_at",
    "doorstep_place",
    "doorstep_outcome",
    "proxy_requester",
    "proxy_relationship",
    "proxy_authorisation",
    "created_at",
    "updated_at",
]


def case_rows(args, today: dt.date, counts: dict):
    """The COPY rows of `args.cases` cases (see the module docstring for the model), as a
    generator. Everything is read from the database here, before COPY starts: while COPY runs
    the connection takes nothing else, and a query from inside the generator would wait for
    ever."""
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    rng = random.Random(args.seed)
    days = Days(today - dt.timedelta(days=365 * YEARS + 30), today)
    first_day = bisect.bisect_left(
        days.ordinals, (today - dt.timedelta(days=365 * YEARS)).toordinal()
    )
    clerks = _clerks()
    keys, ids, names = _recipients()
    versions = _versions()
    # The catalogue's items are handled at county, township and village level only; a level
    # without clerks or without items gets no cases (its share goes to the others).
    levels = [lv for lv in LEVEL_SHARE if clerks.get(lv) and versions.get(lv)]
    weights = [LEVEL_SHARE[lv] for lv in levels]
    sequence: dict[tuple[int, int], int] = {}
    channels = ["window"] * 80 + ["phone"] * 8 + ["online"] * 6 + ["doorstep"] * 3 + ["proxy"] * 3

    def rows():
        for _ in range(args.cases):
            level = rng.choices(levels, weights)[0]
            owner, station, code, key, high = rng.choice(clerks[level])
            version_id, item_code, _area, limit, ok_json, short_json = rng.choice(versions[level])
            lo, hi = bisect.bisect_left(keys, key), bisect.bisect_right(keys, high)
            if hi > lo and rng.random() < 0.75:
                i = rng.randrange(lo, hi)
                recipient, name = ids[i], names[i]
            else:
                recipient = None
                name = rng.choice(WALK_IN_SURNAMES) + "".join(rng.choices(WALK_IN_GIVEN, k=2))
            start = rng.randrange(first_day, days.today + 1)
            opened = days.date(start)
            seq = sequence.get((station, start), 0) + 1
            sequence[(station, start)] = seq
            number = f"{code}-{opened:%Y%m%d}-{seq:04d}"
            created = _at(opened, rng, tz)
            accepted_on = due_on = completed_at = None
            materials, result, refusal, extended, delay = ok_json, "", "", 0, False
            channel = rng.choice(channels)
            if item_code == "policy-consultation" or rng.random() < 0.04:
                if start == days.today and rng.random() < 0.5:
                    status = "consulted"
                else:
                    status, completed_at, result = "completed", created, "当场答复"
            else:
                accept = start
                incomplete = rng.random() < 0.2
                if incomplete:
                    accept += rng.randint(1, 10)
                r = rng.random()
                if r < 0.03:
                    status, refusal = "refused", "不符合办理条件"
                    completed_at = created
                elif r < 0.05:
                    status = "withdrawn"
                elif accept > days.today:
                    status, materials = ("notice_issued" if incomplete else "received"), short_json
                else:
                    accepted_on = days.date(accept)
                    if rng.random() < 0.03:
                        extended = rng.randint(5, 15)
                    due_on = days.date(accept + limit + extended)
                    if rng.random() < 0.005:
                        lag = limit + extended + rng.randint(1, 120)
                    else:
                        lag = max(0, round((limit + extended) * rng.triangular(0.1, 1.15, 0.5)))
                    done = accept + lag
                    if done > days.today or (done == days.today and rng.random() < 0.5):
                        progress = (days.today - accept) / max(lag, 1)
                        if progress < 0.2:
                            status = "accepted"
                        elif level < 5 and rng.random() < 0.15:
                            status = "sent_up"
                        else:
                            status = "in_progress"
                    else:
                        status = "completed"
                        delay = rng.random() < 0.05
                        completed_at = _at(days.date(done), rng, tz, late=delay)
                        result = "已办结"
            counts[status] = counts.get(status, 0) + 1
            updated = completed_at or created
            yield (
                number,
                version_id,
                station,
                key,
                recipient,
                name,
                "",
                "",
                "",
                "",
                "",
                channel,
                status,
                owner,
                None,
                materials,
                False,
                refusal,
                accepted_on,
                due_on,
                completed_at,
                result,
                delay,
                extended,
                "上门核实" if channel == "doorstep" else "",
                None,
                "",
                "",
                "亲属" if channel == "proxy" else "",
                "子女" if channel == "proxy" else "",
                "授权委托书" if channel == "proxy" else "",
                created,
                updated,
            )

    return rows()


def build(args, recipients_done: bool = False) -> None:
    """The province and its recipients (skipped when `recipients_done`: a kept database whose
    case build did not finish), then the calendar, the catalogue and the cases."""
    from django.db import connection
    from django.utils import timezone
    from search import build as build_recipients

    from junjia.cases.catalogue import load_catalogue
    from junjia.cases.models import Case
    from junjia.core.workdays.services import calendar_seed_from_package

    started = time.perf_counter()
    if not recipients_done:
        build_recipients(
            SimpleNamespace(count=args.recipients, workers=args.workers, seed=args.seed)
        )
    step = time.perf_counter()
    calendar_seed_from_package()
    load_catalogue()
    print(f"  calendar + catalogue           {time.perf_counter() - step:7.1f} s")
    step = time.perf_counter()
    counts: dict[str, int] = {}
    n = copy_rows(Case, CASE_FIELDS, case_rows(args, timezone.localdate(), counts))
    seconds = time.perf_counter() - step
    print(f"  cases (COPY)                   {seconds:7.1f} s  ({n / seconds:,.0f} cases/s)")
    print("  by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    step = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute('VACUUM (ANALYZE) "cases_case"')
    print(f"  vacuum + analyze cases         {time.perf_counter() - step:7.1f} s")
    print(f"  build total                    {time.perf_counter() - started:7.1f} s")


def print_sizes(today: dt.date) -> None:
    from django.db import connection

    from junjia.cases.choices import CLOCK_STATUSES, OPEN_STATUSES
    from junjia.cases.models import Case
    from junjia.core.workdays import add_working_days
    from junjia.registry.models import Recipient

    soon = add_working_days(today, 2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('cases_case')), "
            "pg_size_pretty(pg_indexes_size('cases_case')), "
            "pg_size_pretty(pg_database_size(current_database()))"
        )
        table, indexes, database = cursor.fetchone()
    clock = Case.objects.filter(status__in=CLOCK_STATUSES)
    print(
        f"  recipients {Recipient.objects.count():,}; cases {Case.objects.count():,} "
        f"(cases_case {table}, indexes {indexes}; database {database})"
    )
    print(
        f"  open {Case.objects.filter(status__in=OPEN_STATUSES).count():,}; in the clock "
        f"{clock.count():,}; overdue {clock.filter(due_on__lt=today).count():,}; due within "
        f"2 working days {clock.filter(due_on__gte=today, due_on__lte=soon).count():,}"
    )


# --- 1. the work list ----------------------------------------------------------------------


def work_page_name() -> str | None:
    from django.urls import NoReverseMatch, reverse

    for name in WORK_PAGE_NAMES:
        try:
            reverse(name)
            return name
        except NoReverseMatch:
            continue
    return None


def sample_clerks(args, today: dt.date) -> list:
    from django.db.models import Count
    from django.utils import timezone

    from junjia.cases.choices import OPEN_STATUSES
    from junjia.cases.models import Case
    from junjia.orgs.models import User

    owners = list(
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by("owner_id")
        .values_list("owner_id", "n")
    )
    rng = random.Random(args.seed)
    picked = rng.sample(owners, min(args.clerks, len(owners)))
    sizes = sorted(n for _, n in owners)
    print(
        f"  clerks with open cases {len(owners):,}; open cases per clerk p50 "
        f"{statistics.median(sizes):.0f}, p95 {percentile(sizes, 95):.0f}, max {sizes[-1]}"
    )
    users = list(User.objects.filter(pk__in=[pk for pk, _ in picked]).order_by("pk"))
    now = timezone.now()
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        must_change_password=False, password_changed_at=now
    )
    for user in users:
        user.must_change_password, user.password_changed_at = False, now
    return users


class WorkList:
    def __init__(self, mode: str):
        self.mode = mode
        self.clients: dict[int, object] = {}
        if mode == "page":
            from django.urls import reverse

            self.url = reverse(work_page_name())
        elif mode == "api":
            self.url = "/api/v1/cases/"

    def client(self, actor):
        from django.test import Client

        from junjia.orgs.tests.helpers import login_as

        if actor.pk not in self.clients:
            client = Client(HTTP_HOST="localhost")
            login_as(client, actor)
            self.clients[actor.pk] = client
        return self.clients[actor.pk]

    def call(self, actor) -> None:
        if self.mode == "selectors":
            from junjia.cases import selectors

            list(selectors.my_work(actor))
            return
        params = {"owner": "me"} if self.mode == "api" else {}
        response = self.client(actor).get(self.url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} → HTTP {response.status_code}")


def measure_work(args, today: dt.date) -> bool:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from junjia.cases import selectors

    clerks = sample_clerks(args, today)
    if args.mode == "auto":
        modes = (["page"] if work_page_name() else []) + ["api", "selectors"]
    else:
        modes = [args.mode]
    ok = True
    for mode in modes:
        runner = WorkList(mode)
        for actor in clerks:  # warm-up: log in, fill caches
            runner.call(actor)
        timings, cpu = [], []
        for _ in range(args.rounds_per_clerk):
            for actor in clerks:
                started, thread = time.perf_counter(), time.thread_time()
                runner.call(actor)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - thread) * 1000)
        p95 = percentile(timings, 95)
        verdict = "PASS" if p95 <= WORK_TARGET_MS else "FAIL"
        label = {
            "page": f"page {getattr(runner, 'url', '')} (full request)",
            "api": "GET /api/v1/cases/?owner=me (full request)",
            "selectors": "list(selectors.my_work(actor))",
        }[mode]
        print(f"  [{mode:<9}] {figures(timings)}  {verdict}  {label}")
        # Python CPU of the request in this process (PostgreSQL's share not included): with
        # the wall time, it tells the app's own cost from waiting for a shared machine.
        print(f"  {'':11} Python CPU per call p50 {statistics.median(cpu):.1f} ms")
        ok &= p95 <= WORK_TARGET_MS
    busiest = max(clerks, key=lambda u: selectors.my_work(u).count())
    with CaptureQueriesContext(connection) as captured:
        rows = list(selectors.my_work(busiest))
    print(f"\n  EXPLAIN my_work for the busiest sampled clerk ({len(rows)} open cases):")
    for query in captured.captured_queries:
        if "cases_case" not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join("    " + row[0] for row in cursor.fetchall()))
    return ok


# --- 2. the daily scan ---------------------------------------------------------------------


def reset_scan() -> None:
    """With --reuse: undo an earlier run's events and notifications, so the scan is the
    day's first again."""
    from junjia.core.models import DeadlineEvent, Notification

    DeadlineEvent.objects.filter(workflow="case").delete()
    Notification.objects.filter(link__startswith="/cases/").delete()


def measure_scan(args, today: dt.date) -> bool:
    from django.db import connection

    from junjia.cases.workflow import CASE_WORKFLOW
    from junjia.core import deadlines
    from junjia.core.models import Notification

    # What the hourly task (core.tasks.scan_deadlines_task) runs for the cases' workflow.
    watch = deadlines._WATCHES[CASE_WORKFLOW.name]
    print(f"  {deadlines.scan_watch.__module__}.scan_watch({CASE_WORKFLOW.name!r})")

    reset_scan()
    with connection.cursor() as cursor:
        cursor.execute('VACUUM (ANALYZE) "cases_case"')
    before = Notification.objects.count()
    started = time.perf_counter()
    first = deadlines.scan_watch(watch, today)
    seconds = time.perf_counter() - started
    notes = Notification.objects.count() - before
    started = time.perf_counter()
    second = deadlines.scan_watch(watch, today)
    again = time.perf_counter() - started
    told_again = sum(second.values())
    verdict = "PASS" if seconds <= SCAN_TARGET_S and told_again == 0 else "FAIL"
    print(
        f"  first run  {seconds:7.2f} s  told {sum(first.values()):,} (soon {first['soon']:,}, "
        f"overdue {first['overdue']:,}, escalated {first['escalated']:,}), "
        f"notifications {notes:,}  {verdict} (≤ {SCAN_TARGET_S:.0f} s)"
    )
    print(f"  second run {again:7.2f} s  told {told_again:,} (must be 0)")
    return verdict == "PASS"


# --- 3. booking ----------------------------------------------------------------------------


def booking_station():
    from junjia.orgs.models import Station, User

    clerk = (
        User.objects.filter(role_grants__role="clerk", station__region__level=3)
        .select_related("station")
        .order_by("pk")
        .first()
    )
    return Station.objects.get(pk=clerk.station_id), clerk


def make_slots(station, clerk, first_minute: int, count: int, capacity: int) -> list:
    """`count` fresh slots of `capacity` places on the next working day, one minute apart."""
    from django.utils import timezone

    from junjia.cases import services
    from junjia.cases.choices import SlotKind
    from junjia.core.workdays import UnknownCalendarYear, next_working_day

    today = timezone.localdate()
    try:
        day, kind = next_working_day(today), SlotKind.WORKDAY
    except UnknownCalendarYear:
        day, kind = today + dt.timedelta(days=1), SlotKind.VIDEO
    slots = []
    for i in range(count):
        minutes = first_minute + i
        slots.append(
            services.slot_create(
                actor=clerk,
                station=station,
                day=day,
                start=dt.time(minutes // 60, minutes % 60),
                end=dt.time(minutes // 60 + 1, minutes % 60),
                kind=kind,
                capacity=capacity,
            )
        )
    return slots


def booking_client(n: int, args, clerk, warm_slot, bursts: list, barrier, report) -> None:
    """One client: its own database connection, opened (and one booking made on the warm-up
    slot) before the first burst, as a served request finds a warm worker and an open
    connection. Then, in each burst, wait at the barrier and book a place on one of the
    burst's slots. Reports [(burst, ms, cpu ms, outcome)] through `report`."""
    from django.db import connections

    from junjia.cases import errors, services
    from junjia.registry.tests.factories import make_id_number

    rng = random.Random(args.seed * 1000 + n)
    rows = []
    try:

        def book(slot, k: int) -> None:
            services.appointment_book(
                slot=slot,
                name="压测",
                id_number=make_id_number(dt.date(1950, 1, 1) + dt.timedelta(days=n * 97 + k)),
                phone=f"139{n:04d}{k:04d}",
                actor=clerk,
            )

        book(warm_slot, 0)
        for burst, slots in enumerate(bursts):
            slot = rng.choice(slots)
            barrier.wait(timeout=300)
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                book(slot, burst + 1)
                outcome = "booked"
            except errors.CaseError as exc:
                outcome = "full" if str(exc) == errors.SLOT_FULL else f"error: {exc}"
            except Exception as exc:  # a database error is a failure of the run, not a timing
                outcome = f"error: {exc!r}"
            rows.append(
                (
                    burst,
                    (time.perf_counter() - started) * 1000,
                    (time.thread_time() - cpu) * 1000,
                    outcome,
                )
            )
    except Exception as exc:
        rows.append((-1, 0.0, 0.0, f"error: {exc!r}"))
        barrier.abort()
    finally:
        connections.close_all()
        report(rows)


def measure_booking(args) -> bool:
    import multiprocessing

    from django.db import connections

    from junjia.cases.models import Appointment, AppointmentSlot

    station, clerk = booking_station()
    # An earlier run's slots (--reuse) would clash with this run's on (station, day, start).
    Appointment.objects.filter(slot__station=station).delete()
    AppointmentSlot.objects.filter(station=station).delete()
    (warm_slot,) = make_slots(station, clerk, 7 * 60, 1, args.clients)
    bursts = [
        make_slots(station, clerk, 8 * 60 + burst * args.slots, args.slots, args.capacity)
        for burst in range(args.rounds)
    ]
    rows: list[tuple] = []
    if args.booking_clients == "processes":
        # Forked after set-up: every client is a warm Python process of its own, as the web
        # server's workers are, so the clients' Python work runs on every core.
        connections.close_all()
        ctx = multiprocessing.get_context("fork")
        barrier, queue = ctx.Barrier(args.clients), ctx.Queue()
        workers = [
            ctx.Process(
                target=booking_client,
                args=(n, args, clerk, warm_slot, bursts, barrier, queue.put),
            )
            for n in range(args.clients)
        ]
        for w in workers:
            w.start()
        for _ in workers:
            rows += queue.get(timeout=900)
        for w in workers:
            w.join()
    else:
        # Threads of this one process: their Python work takes turns on one interpreter
        # lock, so the timings include that queue.
        lock = threading.Lock()
        barrier = threading.Barrier(args.clients)

        def report(part):
            with lock:
                rows.extend(part)

        threads = [
            threading.Thread(
                target=booking_client, args=(n, args, clerk, warm_slot, bursts, barrier, report)
            )
            for n in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    timings = [ms for _, ms, _, _ in rows]
    taken_ms = [ms for _, ms, _, outcome in rows if outcome == "booked"]
    cpu_ms = [cpu for _, _, cpu, outcome in rows if outcome == "booked"]
    booked = len(taken_ms)
    full = sum(1 for row in rows if row[3] == "full")
    errors_seen = [row[3] for row in rows if row[3].startswith("error")]
    for message in sorted(set(errors_seen))[:5]:
        print(f"  !! {message}")
    over = 0
    all_slots = [warm_slot] + [slot for slots in bursts for slot in slots]
    for slot in AppointmentSlot.objects.filter(pk__in=[s.pk for s in all_slots]):
        appointments = Appointment.objects.filter(slot=slot).count()
        if slot.booked > slot.capacity or appointments != slot.booked:
            over += 1
    places = args.rounds * args.slots * args.capacity
    expected = min(places, args.rounds * min(args.clients, args.slots * args.capacity))
    p95 = percentile(timings, 95) if timings else float("inf")
    ok = (
        over == 0
        and not errors_seen
        and len(timings) == args.rounds * args.clients
        and p95 <= BOOK_TARGET_MS
        and booked <= places
    )
    print(
        f"  {args.rounds} bursts × {args.clients} clients ({args.booking_clients}) on "
        f"{args.slots} slots × {args.capacity} places: booked {booked:,} of {places:,} places "
        f"(at most {expected:,} can be), refused as full {full:,}, errors {len(errors_seen)}"
    )
    print(f"  all calls    {figures(timings)}")
    if taken_ms:
        print(f"  successful   {figures(taken_ms)}")
        floor = args.clients * statistics.median(cpu_ms) / (os.cpu_count() or 1)
        print(
            f"  client CPU per booking p50 {statistics.median(cpu_ms):.2f} ms: a burst of "
            f"{args.clients} needs at least {floor:.0f} ms of this machine's "
            f"{os.cpu_count()} cores for the clients' Python work alone"
        )
    print(
        f"  slots over capacity or out of step with their appointments: {over}  "
        f"{'PASS' if ok else 'FAIL'} (no over-booking, p95 ≤ {BOOK_TARGET_MS:.0f} ms)"
    )
    return ok


def warn_unusable_indexes() -> None:
    """An index built on kept data while another transaction anywhere on the server is open
    (and the table has recently updated rows, as after a scan) is not used by the planner
    until that transaction ends (pg_index.indcheckxmin). Say so rather than time without it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid = 'cases_case'::regclass AND indcheckxmin"
        )
        names = [row[0] for row in cursor.fetchall()]
    if names:
        print(
            f"  !! not yet usable by the planner (pg_index.indcheckxmin): {', '.join(names)}; "
            "wait until the server's oldest open transaction ends"
        )


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    reused = prepare_database(args.database_url, args.reuse)
    setup_django(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from junjia.cases.models import Case
    from junjia.registry.models import Recipient

    verdicts = {}
    try:
        version = connection.cursor().connection.info.server_version
        print(
            f"database: {connection.settings_dict['NAME']} "
            f"(PostgreSQL {version // 10000}.{version % 10000}); {os.cpu_count()} CPUs"
        )
        if reused:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            warn_unusable_indexes()
        if reused and Case.objects.exists():
            print("reusing the kept data (--reuse)")
        elif reused and Recipient.objects.exists():
            print(f"reusing the kept recipients (--reuse); building {args.cases:,} cases")
            build(args, recipients_done=True)
        else:
            print(f"building: {args.recipients:,} recipients, {args.cases:,} cases")
            build(args)
        today = timezone.localdate()
        print_sizes(today)
        if "work" not in args.skip:
            print(f"\n1. a clerk's work list (p95 ≤ {WORK_TARGET_MS:.0f} ms)")
            verdicts["work list"] = measure_work(args, today)
        if "scan" not in args.skip:
            print(f"\n2. the daily deadline scan over the province (≤ {SCAN_TARGET_S:.0f} s)")
            verdicts["deadline scan"] = measure_scan(args, today)
        if "booking" not in args.skip:
            print(f"\n3. booking under {args.clients} concurrent clients (p95 ≤ 100 ms)")
            verdicts["booking"] = measure_booking(args)
        print("\n" + ", ".join(f"{k}: {'PASS' if v else 'FAIL'}" for k, v in verdicts.items()))
        return 0 if all(verdicts.values()) else 1
    finally:
        if args.keep:
            print(f"kept database {args.database_url}")
        else:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

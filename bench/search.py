"""Recipient search at province scale on PostgreSQL: full requests within a county, deep pages.

Run from the repository root:

    .venv/bin/python bench/search.py [--count 1000000] [--database-url URL] [--keep] [--reuse]
                                     [--build-only] [--samples 100] [--counties 20]
                                     [--mode auto|api|page|selectors] [--workers N]

Settings: junjia.settings.test with DATABASE_URL pointing at the bench database and
DATABASE_POOL=0 (fixed throw-away keys, nothing written under var/).

The bench database (default junjia_bench_search, or junjia_bench_search_<count> for other
counts) is created fresh and migrated, then filled by the project's own commands:
`load_demo --scale province` (山东省: 136 counties × 13 townships × 30 villages) and
`load_registry_demo --scale province --count N` (PostgreSQL COPY, generation in worker
processes), then vacuumed and analysed. It is dropped at the end unless --keep is given
(--build-only builds, keeps and stops). --reuse measures a kept database, applying any
migration it lacks first (new indexes) and analysing.

Each measurement is a full request through Django's test Client (every middleware, session,
jurisdiction, serialisation or template rendering, and the list-view audit row), logged in as
a county clerk of a sampled county: GET /api/v1/recipients/ (api:recipient-list) and the
search page (registry:recipient_list). With --mode selectors only selectors.search is timed
(no request, no rendering). Targets: p95 ≤ 50 ms at 1,000,000 recipients, ≤ 200 ms at
5,000,000; the 1,000th page (keyset cursor) no slower than twice the first; counts capped at
10,000 (never an exact count above that).

Next to the wall-clock figures (judged against the targets) each table gives the CPU time of
the same requests — this thread plus its PostgreSQL backend, from /proc/<pid>/schedstat —
which is about what a request takes on an idle machine. On a machine shared with other work
the difference is time spent waiting for a CPU; the load average is printed with each table.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from regions import drop_database, prepare_database, setup_django  # noqa: E402

PROVINCE = "370000"
DEEP_PAGE = 1000
DEEP_ROWS = DEEP_PAGE * 50
QUERY_KINDS = (
    ("id_exact", "exact identity number"),
    ("id_tail4", "identity-number tail (4)"),
    ("id_tail6", "identity-number tail (6)"),
    ("name_1", "name fragment, 1 character"),
    ("name_2", "name fragment, 2 characters"),
    ("pinyin_full", "full pinyin"),
    ("pinyin_initials", "pinyin initials"),
    ("first_page", "list, first page (no filter)"),
)


def default_url(count: int) -> str:
    name = "junjia_bench_search" if count == 1_000_000 else f"junjia_bench_search_{count}"
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--samples", type=int, default=100, help="timed requests per query type")
    parser.add_argument("--counties", type=int, default=20, help="counties sampled")
    parser.add_argument("--mode", choices=["auto", "api", "page", "selectors"], default="auto")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--target-ms", type=float, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="measure data kept by --keep")
    parser.add_argument(
        "--build-only", action="store_true", help="build and keep the database, measure nothing"
    )
    args = parser.parse_args(argv)
    args.database_url = args.database_url or default_url(args.count)
    if args.build_only:
        args.keep = True
    if args.target_ms is None:
        args.target_ms = 50.0 if args.count <= 1_000_000 else 200.0
    return args


# --- build ---------------------------------------------------------------------------------


def build(args) -> None:
    """The province tree and the recipients, through the project's own commands."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrate                        {time.perf_counter() - started:7.1f} s")
    step = time.perf_counter()
    call_command("load_demo", scale="province", province=PROVINCE)
    print(f"  load_demo --scale province     {time.perf_counter() - step:7.1f} s")
    step = time.perf_counter()
    call_command(
        "load_registry_demo",
        scale="province",
        province=PROVINCE,
        count=args.count,
        workers=args.workers,
        seed=args.seed,
    )
    seconds = time.perf_counter() - step
    print(
        f"  load_registry_demo             {seconds:7.1f} s  "
        f"({args.count / seconds:,.0f} recipients/s including staff, ANALYZE and counts)"
    )
    step = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map (as autovacuum would on a live database).
        for table in (
            "registry_recipient",
            "registry_categorymembership",
            "registry_reviewstep",
            "registry_familymember",
            "registry_honour",
            "registry_changerequest",
        ):
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    print(f"  vacuum + analyze               {time.perf_counter() - step:7.1f} s")
    print(f"  build total                    {time.perf_counter() - started:7.1f} s")


def ensure_registry(args, reused: bool) -> None:
    """Reuse the kept registry (brought up to the migrations) or build it."""
    from junjia.registry.models import Recipient

    if reused and Recipient.objects.exists():
        print("reusing the kept data (--reuse)")
        migrate_kept()
    else:
        print(f"building {args.count:,} recipients over 山东省")
        build(args)


def migrate_kept() -> None:
    """Bring a kept database up to the code's migrations (new indexes), then analyse."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute('VACUUM (ANALYZE) "registry_recipient"')
    names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending)
    print(f"  applied {names} and analysed: {time.perf_counter() - started:.1f} s")


def reuse_or_build(args, reused: bool) -> None:
    """The kept data brought up to the code's migrations (--reuse), else built; then sizes."""
    from django.db import connection

    from junjia.registry.models import Recipient

    print(
        f"database: {connection.settings_dict['NAME']}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    if reused and Recipient.objects.exists():
        print("reusing the kept data (--reuse)")
        migrate_kept()
    else:
        print(f"building {args.count:,} recipients over 山东省")
        build(args)
    print_sizes()


def print_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "pg_size_pretty(pg_total_relation_size('registry_recipient')), "
            "pg_size_pretty(pg_indexes_size('registry_recipient')), "
            "(SELECT count(*) FROM registry_recipient)"
        )
        db, table, indexes, rows = cursor.fetchone()
    print(f"  recipients {rows:,}; registry_recipient {table} (indexes {indexes}); database {db}")


# --- actors and samples --------------------------------------------------------------------


def clerk_of(region):
    """The clerk of a region's centre (load_registry_demo --scale province creates one)."""
    from django.utils import timezone

    from junjia.orgs.models import User

    user = (
        User.objects.filter(station__region=region, role_grants__role="clerk")
        .order_by("id")
        .first()
    )
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    return user


def sample_counties(args):
    from junjia.orgs.choices import Level
    from junjia.orgs.models import Region
    from junjia.registry.models import Recipient

    province = Region.objects.get(code=PROVINCE)
    counties = [
        c
        for c in Region.objects.filter(
            level=Level.COUNTY, key__gte=province.key, key__lte=province.key_high
        ).order_by("key")
        if Recipient.objects.filter(region_key__gte=c.key, region_key__lte=c.key_high).exists()
    ]
    rng = random.Random(args.seed)
    return rng.sample(counties, min(args.counties, len(counties)))


def query_values(county, rng: random.Random, n: int) -> list[dict]:
    """Search-box values taken from real files of the county (numbers decrypted here, untimed)."""
    from junjia.registry.models import RECIPIENT_ID, Recipient

    ids = list(
        Recipient.objects.filter(
            region_key__gte=county.key, region_key__lte=county.key_high, status="approved"
        ).values_list("id", flat=True)
    )
    values = []
    for pk in rng.sample(ids, min(n, len(ids))):
        r = Recipient.objects.get(pk=pk)
        number = RECIPIENT_ID.open(r)
        values.append(
            {
                "pk": r.pk,
                "id_exact": number,
                "id_tail4": number[-4:],
                "id_tail6": number[-6:],
                "name_1": r.name[0],
                "name_2": r.name[:2],
                "pinyin_full": r.name_pinyin,
                "pinyin_initials": r.name_initials,
                "first_page": "",
            }
        )
    return values


# --- the request under test ----------------------------------------------------------------


def available_modes(mode: str) -> list[str]:
    from django.urls import NoReverseMatch, reverse

    if mode != "auto":
        return [mode]
    found = []
    for name, url_name in (("api", "api:recipient-list"), ("page", "registry:recipient_list")):
        try:
            reverse(url_name)
            found.append(name)
        except NoReverseMatch:
            pass
    return found or ["selectors"]


class Requester:
    """One logged-in client per actor; `get(params)` performs one full request."""

    def __init__(self, mode: str):
        self.mode = mode
        self.clients = {}
        if mode != "selectors":
            from django.urls import reverse

            self.url = reverse("api:recipient-list" if mode == "api" else "registry:recipient_list")

    def client(self, actor):
        from django.test import Client

        from junjia.orgs.tests.helpers import login_as

        if actor.pk not in self.clients:
            client = Client(HTTP_HOST="localhost")
            login_as(client, actor)
            self.clients[actor.pk] = client
        return self.clients[actor.pk]

    def get(self, actor, params: dict):
        """Returns (result ids or None, next cursor, count text) for checking."""
        if self.mode == "selectors":
            from junjia.registry import selectors

            page = selectors.search(actor, selectors.SearchParams.from_query(params))
            return [r.pk for r in page.rows], page.next_cursor, page.count_text
        response = self.client(actor).get(self.url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} {params} → HTTP {response.status_code}")
        if self.mode == "api":
            data = response.json()
            count = f"{data['count']:,}" + ("+" if data["count_capped"] else "")
            return [row["id"] for row in data["results"]], data["next"] or "", count
        html = response.content.decode()
        cursor = re.search(r"after=([A-Za-z0-9_\-=%]+)", html)
        return None, cursor.group(1) if cursor else "", ""


LAST_CPU_MS = [0.0]


def _cpu_ns() -> int:
    """CPU time used so far by this thread and by its PostgreSQL backend (same machine):
    /proc/<pid>/schedstat counts nanoseconds on a CPU, not time waiting for one."""
    from django.db import connection

    used = time.thread_time_ns()
    if connection.connection is not None:
        try:
            pid = connection.connection.info.backend_pid
            with open(f"/proc/{pid}/schedstat") as handle:
                used += int(handle.read().split()[0])
        except (OSError, ValueError):
            pass
    return used


def timed(call) -> float:
    """Wall-clock milliseconds of call(); its CPU milliseconds (this thread + the database
    backend) are left in LAST_CPU_MS[0]. On a machine shared with other work the wall time
    includes waiting for a CPU; the CPU time is what the request costs, i.e. about its wall
    time on an idle machine (one request at a time, parallel query workers not counted)."""
    cpu = _cpu_ns()
    start = time.perf_counter()
    call()
    wall = (time.perf_counter() - start) * 1000
    LAST_CPU_MS[0] = (_cpu_ns() - cpu) / 1e6
    return wall


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# --- measurements --------------------------------------------------------------------------


def measure_queries(requester: Requester, plan, samples: int) -> tuple[dict, dict, dict]:
    """plan: [(actor, values)] per county. Query types are interleaved (each sampled file is
    searched every way in turn), so a burst of load elsewhere hits them all alike. Returns
    wall and CPU timings and result sizes per query type."""
    timings: dict[str, list[float]] = {kind: [] for kind, _ in QUERY_KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind, _ in QUERY_KINDS}
    sizes: dict[str, list[int]] = {kind: [] for kind, _ in QUERY_KINDS}
    misses: Counter = Counter()
    per_county = max(1, samples // len(plan))
    for actor, values in plan:  # warm-up: log in, fill caches
        for kind, _ in QUERY_KINDS:
            requester.get(actor, {"q": values[0][kind]})
    for actor, values in plan:
        for v in values[:per_county]:
            for kind, _ in QUERY_KINDS:
                params = {"q": v[kind]} if v[kind] else {}
                result = {}

                def call(actor=actor, params=params, result=result):
                    result["ids"], _, _ = requester.get(actor, params)

                timings[kind].append(timed(call))
                cpu[kind].append(LAST_CPU_MS[0])
                if result["ids"] is not None:
                    sizes[kind].append(len(result["ids"]))
                    if kind in ("id_exact", "id_tail6"):
                        misses[kind] += v["pk"] not in result["ids"]
    for kind, n in misses.items():
        if n:
            print(f"  !! {kind}: the sampled file was missing from {n} result pages")
    return timings, cpu, sizes


_CURSORS: dict[tuple, str] = {}


def deep_cursor(actor, sort: str = "name", follow: bool = True) -> str:
    """The cursor of page 1,000 (50 rows a page), built from the 49,950th row in the sort
    order; with `follow`, also found by following `after` 999 times through selectors
    (untimed), and the two must agree."""
    from junjia.registry import selectors

    if (actor.pk, sort) in _CURSORS:
        return _CURSORS[(actor.pk, sort)]
    order = selectors.SORTS[sort]
    key = order[0].lstrip("-")
    row = (
        selectors.filtered(actor, selectors.SearchParams())
        .order_by(*order)
        .values_list(key, "id")[(DEEP_PAGE - 1) * selectors.PAGE_SIZE - 1]
    )
    cursor = selectors._encode(list(row))
    if follow:
        params = selectors.SearchParams(sort=sort)
        followed = ""
        for _ in range(DEEP_PAGE - 1):
            params.after = followed
            followed = selectors.search(actor, params, with_count=False).next_cursor
        assert followed == cursor, "following cursors and building one directly disagree"
    _CURSORS[(actor.pk, sort)] = cursor
    return cursor


def other_sorts(actor, samples: int = 5) -> list[str]:
    """Information: page 1 and page 1,000 of the province list in the other sort orders
    (selectors.search only; cursors built directly)."""
    from junjia.registry import selectors

    lines = []
    for sort in ("birth", "-updated"):
        cursor = deep_cursor(actor, sort, follow=False)
        first = [
            timed(lambda sort=sort: selectors.search(actor, selectors.SearchParams(sort=sort)))
            for _ in range(samples)
        ]
        deep = [
            timed(
                lambda sort=sort, cursor=cursor: selectors.search(
                    actor, selectors.SearchParams(sort=sort, after=cursor)
                )
            )
            for _ in range(samples)
        ]
        lines.append(
            f"  sort={sort:<9} page 1 p50 {statistics.median(first):8.2f} ms; "
            f"page {DEEP_PAGE:,} p50 {statistics.median(deep):8.2f} ms  (information)"
        )
    return lines


def deep_pages(requester: Requester, actor, samples: int) -> tuple[list, list, list, list]:
    """Page 1 and page 1,000 of a big jurisdiction's list, each timed `samples` times, in
    turn: wall and CPU milliseconds of each."""
    cursor = deep_cursor(actor)
    first, deep, first_cpu, deep_cpu = [], [], [], []
    requester.get(actor, {})
    requester.get(actor, {"after": cursor})
    for _ in range(samples):
        first.append(timed(lambda: requester.get(actor, {})))
        first_cpu.append(LAST_CPU_MS[0])
        deep.append(timed(lambda: requester.get(actor, {"after": cursor})))
        deep_cpu.append(LAST_CPU_MS[0])
    return first, deep, first_cpu, deep_cpu


def check_count_cap(actor_county, actor_province) -> list[str]:
    """The count is exact up to 10,000 and '10,000+' beyond; the SQL limits the count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from junjia.registry import selectors

    lines = []
    ok = True
    for label, actor in (("county", actor_county), ("province", actor_province)):
        with CaptureQueriesContext(connection) as captured:
            page = selectors.search(actor, selectors.SearchParams())
        counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        limited = all(f"LIMIT {selectors.COUNT_CAP + 1}" in sql for sql in counts)
        total = selectors.filtered(actor, selectors.SearchParams()).count()  # untimed truth
        expected = f"{selectors.COUNT_CAP:,}+" if total > selectors.COUNT_CAP else f"{total:,}"
        good = limited and page.count_text == expected and len(counts) == 1
        ok &= good
        lines.append(
            f'  {label:<9} files {total:>9,}  shown "{page.count_text}"  '
            f"count queries {len(counts)} capped in SQL: {limited}  {'PASS' if good else 'FAIL'}"
        )
    return ["count cap: " + ("PASS" if ok else "FAIL"), *lines]


def explain(title: str, call, table: str = "registry_recipient") -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    for i, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"]
        if table not in sql:
            continue
        print(f"\n--- EXPLAIN {title} [{i}/{len(captured)}]\n{sql}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join("  " + row[0] for row in cursor.fetchall()))


def report(mode: str, timings: dict, cpu: dict, sizes: dict, target: float) -> bool:
    """Wall-clock p50/p95/max (judged against the target) and, for reading the figures on a
    shared machine, the CPU p50/p95 of the same requests with its own verdict."""
    print(
        f"\n[{mode}] {'query':<32} {'n':>4} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8}  target        {'cpu p50':>8} {'cpu p95':>8}  "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    ok = True
    for kind, label in QUERY_KINDS:
        values = timings[kind]
        p50, p95 = statistics.median(values), percentile(values, 95)
        c50, c95 = statistics.median(cpu[kind]), percentile(cpu[kind], 95)
        rows = f"{statistics.mean(sizes[kind]):5.1f}" if sizes[kind] else "    -"
        passed = p95 <= target
        ok &= passed
        print(
            f"[{mode}] {label:<32} {len(values):>4} {rows} {p50:>8.2f} {p95:>8.2f} "
            f"{max(values):>8.2f}  ≤ {target:.0f}  {'PASS' if passed else 'FAIL'}  "
            f"{c50:>8.2f} {c95:>8.2f}  {'PASS' if c95 <= target else 'FAIL'}"
        )
    return ok


def main(argv=None) -> int:
    args = parse_args(argv)
    reused = prepare_database(args.database_url, args.reuse)
    setup_django(args.database_url)
    from django.db import connection

    from junjia.orgs.models import Region
    from junjia.registry import selectors
    from junjia.registry.models import Recipient

    try:
        print(
            f"database: {connection.settings_dict['NAME']} "
            f"(PostgreSQL {connection.cursor().connection.info.server_version}), "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work on this "
            "machine shows up in the timings)"
        )
        ensure_registry(args, reused)
        print_sizes()
        if args.build_only:
            return 0
        rng = random.Random(args.seed)
        counties = sample_counties(args)
        per_county = max(1, args.samples // len(counties))
        plan = [(clerk_of(c), query_values(c, rng, per_county)) for c in counties]
        province = Region.objects.get(code=PROVINCE)
        city = max(
            Region.objects.filter(level=2, key__gte=province.key, key__lte=province.key_high),
            key=lambda c: Recipient.objects.filter(
                region_key__gte=c.key, region_key__lte=c.key_high
            ).count(),
        )
        modes = available_modes(args.mode)
        print(
            f"measuring {', '.join(modes)}: {len(counties)} counties, "
            f"{per_county * len(counties)} requests per query type, target p95 ≤ "
            f"{args.target_ms:.0f} ms"
        )
        if modes == ["selectors"]:
            print("  (no recipient list view or API found: timing selectors.search, no rendering)")
        all_ok = True
        deep_results = []
        for mode in modes:
            requester = Requester(mode)
            timings, cpu, sizes = measure_queries(requester, plan, args.samples)
            all_ok &= report(mode, timings, cpu, sizes, args.target_ms)
            for label, region in (("city", city), ("province", province)):
                actor = clerk_of(region)
                if selectors.filtered(actor, selectors.SearchParams()).count() < DEEP_ROWS:
                    deep_results.append(f"[{mode}] {label} {region.name}: fewer than "
                                        f"{DEEP_ROWS:,} files, no page {DEEP_PAGE:,}")  # fmt: skip
                    continue
                first, deep, first_cpu, deep_cpu = deep_pages(
                    requester, actor, max(20, args.samples // 5)
                )
                ratio = percentile(deep, 95) / percentile(first, 95)
                cpu_ratio = percentile(deep_cpu, 95) / percentile(first_cpu, 95)
                passed = ratio <= 2.0
                all_ok &= passed
                deep_results.append(
                    f"[{mode}] {label} {region.name}: page 1 p50 {statistics.median(first):.2f} "
                    f"p95 {percentile(first, 95):.2f} ms; page {DEEP_PAGE:,} p50 "
                    f"{statistics.median(deep):.2f} p95 {percentile(deep, 95):.2f} ms; "
                    f"ratio {ratio:.2f} (≤ 2)  {'PASS' if passed else 'FAIL'};  CPU p95 "
                    f"{percentile(first_cpu, 95):.2f} → {percentile(deep_cpu, 95):.2f} ms, "
                    f"ratio {cpu_ratio:.2f}"
                )
        print("\ndeep pages (keyset cursor, sort by name):")
        print("\n".join(deep_results))
        print(f"other sort orders, {province.name} (selectors.search):")
        print("\n".join(other_sorts(clerk_of(province))))
        lines = check_count_cap(plan[0][0], clerk_of(province))
        all_ok &= lines[0].endswith("PASS")
        print("\n" + "\n".join(lines))
        actor, values = plan[0]
        print(f"\nEXPLAIN sample county: {counties[0].code} {counties[0].full_name}")
        for kind, label in QUERY_KINDS:
            params = selectors.SearchParams.from_query({"q": values[0][kind]})
            explain(label, lambda params=params: selectors.search(actor, params))
        province_actor = clerk_of(province)
        cursor = deep_cursor(province_actor)
        explain(
            f"province page {DEEP_PAGE}",
            lambda: selectors.search(province_actor, selectors.SearchParams(after=cursor)),
        )
        for sort in ("birth", "-updated"):
            params = selectors.SearchParams(sort=sort, after=deep_cursor(province_actor, sort))
            explain(
                f"province page {DEEP_PAGE} sort={sort}",
                lambda params=params: selectors.search(province_actor, params),
            )
        print(f"\nall targets: {'PASS' if all_ok else 'FAIL'}")
        return 0 if all_ok else 1
    finally:
        if args.keep:
            print(f"kept database {args.database_url}")
        else:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

"""Builds a national-size region tree on PostgreSQL and times subtree counts and list pages.

Run from the repository root:

    .venv/bin/python bench/regions.py [--database-url URL] [--townships-per-county N]
                                      [--villages-per-township M] [--keep] [--reuse]

Settings: junjia.settings.test with DATABASE_URL pointing at the bench database. That mode
reads DATABASE_URL, carries fixed throw-away keys and writes nothing under var/ (embedded
mode would create var/secrets.json; production mode demands real secrets). The connection
pool is switched off (DATABASE_POOL=0) so each query is timed on one plain connection.

The bench database (default junjia_bench) is created fresh, migrated, filled with the real
catalogue plus synthetic townships, villages and one station per region (PostgreSQL COPY),
vacuumed and analysed, measured, and dropped at the end unless --keep is given.

Every measurement calls the app's own code: orgs.selectors, the jurisdiction kernel through
a station head of the region being measured, the REST region list's queryset, and
core.pages.paginate (Django's Paginator: one COUNT plus one LIMIT/OFFSET query per page).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/junjia_bench"
TARGET_MS = 20.0
PAGE_SIZE = 50
DEEP_PAGE = 100

_HEADS = "东西南北中新安和平兴华永宁福康泰丰庆德明光胜利长青文昌瑞金"
_TOWN_TAILS = ("街道", "镇", "镇", "乡")
_VILLAGE_TAILS = ("村", "村", "村", "社区")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--townships-per-county",
        type=float,
        default=14,
        metavar="N",
        help="mean townships per county, each drawn evenly from about N/2..3N/2 (default 14)",
    )
    parser.add_argument(
        "--villages-per-township",
        type=float,
        default=17.5,
        metavar="M",
        help="mean villages per township, drawn the same way (default 17.5)",
    )
    parser.add_argument("--counties", type=int, default=200, help="counties sampled")
    parser.add_argument("--cities", type=int, default=50, help="cities sampled")
    parser.add_argument("--provinces", type=int, default=10, help="provinces sampled")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls per sampled region")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a tree kept by an earlier --keep run"
    )
    return parser.parse_args()


# --- database ------------------------------------------------------------------------------


def prepare_database(url: str, reuse: bool) -> bool:
    """Create the bench database (dropping an old one unless reusing). True if reused."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return True
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return False


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parts.path.lstrip("/"))
            )
        )


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "junjia.settings.test"
    os.environ["DATABASE_URL"] = url
    os.environ["DATABASE_POOL"] = "0"
    import django

    django.setup()


# --- build ---------------------------------------------------------------------------------


def copy_rows(model, fields: list[str], rows) -> int:
    """Stream rows into the model's table with COPY; returns the number written."""
    from django.db import connection
    from psycopg import sql

    columns = [model._meta.get_field(f).column for f in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    n = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _spread(rng: random.Random, mean: float) -> int:
    """A count drawn evenly around `mean` (exactly when 2 * mean is whole), never below 1."""
    low = max(1, round(mean / 2))
    return rng.randint(low, max(low, round(2 * mean) - low))


def _name(rng: random.Random, tails) -> str:
    return rng.choice(_HEADS) + rng.choice(_HEADS) + rng.choice(tails)


def build(townships: float, villages: float, seed: int) -> None:
    from django.db import connection

    from junjia.orgs.catalog import load_catalog
    from junjia.orgs.choices import Level, RegionSource
    from junjia.orgs.codes import key_of, subtree_range
    from junjia.orgs.models import Region, Station

    rng = random.Random(seed)
    started = time.perf_counter()
    load_catalog()
    print(f"  catalogue loaded               {time.perf_counter() - started:7.1f} s")

    # The same rows demo.build_tree creates, written with COPY instead of bulk_create.
    fields = [
        "code",
        "name",
        "level",
        "parent",
        "key",
        "key_high",
        "full_name",
        "source",
        "is_active",
    ]
    # Rows to copy from are read first: the connection is busy while COPY runs.
    counties = list(
        Region.objects.filter(level=Level.COUNTY)
        .order_by("key")
        .values_list("id", "code", "full_name")
    )

    def town_rows():
        for county_id, county_code, county_full in counties:
            for t in range(1, _spread(rng, townships) + 1):
                code = f"{county_code}{t:03d}000"
                name = _name(rng, _TOWN_TAILS)
                yield (
                    code,
                    name,
                    Level.TOWNSHIP,
                    county_id,
                    key_of(code),
                    subtree_range(code)[1],
                    county_full + name,
                    RegionSource.IMPORT,
                    True,
                )

    step = time.perf_counter()
    n_towns = copy_rows(Region, fields, town_rows())
    print(f"  townships copied ({n_towns:>7,})    {time.perf_counter() - step:7.1f} s")

    towns = list(
        Region.objects.filter(level=Level.TOWNSHIP)
        .order_by("key")
        .values_list("id", "code", "full_name")
    )

    def village_rows():
        for town_id, town_code, town_full in towns:
            for v in range(1, _spread(rng, villages) + 1):
                code = f"{town_code[:9]}{v:03d}"
                name = _name(rng, _VILLAGE_TAILS)
                key = key_of(code)
                yield (
                    code,
                    name,
                    Level.VILLAGE,
                    town_id,
                    key,
                    key,
                    town_full + name,
                    RegionSource.IMPORT,
                    True,
                )

    step = time.perf_counter()
    n_villages = copy_rows(Region, fields, village_rows())
    print(f"  villages copied ({n_villages:>7,})    {time.perf_counter() - step:7.1f} s")

    step = time.perf_counter()
    n_stations = build_stations(rng)
    print(f"  stations copied ({n_stations:>7,})    {time.perf_counter() - step:7.1f} s")

    step = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as well as ANALYZE: it sets the visibility map, which autovacuum keeps set on
        # a live database, so counts may run as index-only scans as they would in production.
        for model in (Region, Station):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
    print(f"  vacuum + analyze               {time.perf_counter() - step:7.1f} s")
    print(f"  build total                    {time.perf_counter() - started:7.1f} s")


def build_stations(rng: random.Random) -> int:
    """One station per region (every level), as demo.create_stations fills them."""
    from django.utils import timezone

    from junjia.orgs.choices import Level
    from junjia.orgs.models import Region, Station
    from junjia.orgs.services import default_station_name

    now = timezone.now()
    regions = list(Region.objects.values_list("id", "key", "level", "name", "full_name"))
    posts = {Level.CITY: 20, Level.COUNTY: 12, Level.TOWNSHIP: 5, Level.VILLAGE: 2}

    def rows():
        for region_id, key, level, name, full_name in regions:
            authorised = posts.get(level, 30)
            filled = authorised if rng.random() > 0.15 else max(0, authorised - rng.randint(1, 2))
            yield (
                region_id,
                key,
                default_station_name(SimpleNamespace(name=name, level=level)),
                f"{full_name}{rng.randint(1, 300)}号",
                f"0532-{rng.randint(80000000, 89999999)}",
                "12345" if level <= Level.COUNTY else "",
                "工作日 8:30–12:00，13:30–17:30",
                authorised,
                filled,
                level <= Level.TOWNSHIP or rng.random() > 0.3,
                now,
                now,
            )

    fields = [
        "region",
        "region_key",
        "name",
        "address",
        "phone",
        "hotline",
        "office_hours",
        "authorised_posts",
        "filled_posts",
        "funding_in_budget",
        "created_at",
        "updated_at",
    ]
    return copy_rows(Station, fields, rows())


def print_counts() -> None:
    from django.db.models import Count

    from junjia.orgs.choices import Level
    from junjia.orgs.models import Region, Station

    by_level = dict(Region.objects.values_list("level").annotate(n=Count("id")))
    print("  rows: " + ", ".join(f"{Level(lv).label} {n:,}" for lv, n in sorted(by_level.items())))
    print(f"        regions {sum(by_level.values()):,}, stations {Station.objects.count():,}")


# --- actors --------------------------------------------------------------------------------


def sample_scopes(args) -> dict[str, list]:
    """Random regions per level, each with a station head to act as (real rows, real roles)."""
    from junjia.orgs.choices import Level, Role
    from junjia.orgs.models import Region, RoleGrant, User
    from junjia.orgs.permissions import jurisdiction_of

    rng = random.Random(args.seed + 1)
    wanted = {
        "county": (Level.COUNTY, args.counties),
        "city": (Level.CITY, args.cities),
        "province": (Level.PROVINCE, args.provinces),
    }
    chosen: dict[str, list[Region]] = {}
    for scope, (level, n) in wanted.items():
        candidates = [
            r
            for r in Region.objects.filter(level=level).select_related("station").order_by("key")
            # Skip nodes with nothing below them (e.g. 台湾省, 香港 in the catalogue).
            if Region.objects.filter(key__gt=r.key, key__lte=r.key_high).exists()
        ]
        chosen[scope] = rng.sample(candidates, min(n, len(candidates)))
    regions = [r for rs in chosen.values() for r in rs]
    User.objects.bulk_create(
        [
            User(
                username=f"bench_{r.code}",
                station=r.station,
                region_key=r.key,
                password="!",
                must_change_password=False,
            )
            for r in regions
        ],
        ignore_conflicts=True,
    )
    users = {u.username: u for u in User.objects.filter(username__startswith="bench_")}
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=users[f"bench_{r.code}"], role=Role.STATION_HEAD) for r in regions],
        ignore_conflicts=True,
    )
    scopes = {}
    for scope, rs in chosen.items():
        pairs = []
        for region in rs:
            actor = User.objects.get(username=f"bench_{region.code}")
            # The first check of a request loads roles and jurisdiction (three small lookups,
            # not timed here); every later check in that request reuses them.
            actor.role_codes  # noqa: B018
            jurisdiction_of(actor)
            pairs.append((region, actor))
        scopes[scope] = pairs
    return scopes


# --- measurements --------------------------------------------------------------------------


def _page_request(number: int):
    from django.test import RequestFactory

    return RequestFactory().get("/", {"page": number})


def _rest_region_queryset(actor):
    """The queryset GET /api/v1/regions/ pages through (RegionList.get_queryset, no filters)."""
    from junjia.orgs.rest import RegionList

    view = RegionList()
    view.request = SimpleNamespace(user=actor, query_params={})
    return view.get_queryset()


def measurements():
    """(name, targeted?, call(region, actor)) — each call does what one page or API call does."""
    from junjia.core.pages import paginate
    from junjia.orgs import selectors

    first, deep = _page_request(1), _page_request(DEEP_PAGE)

    def rows(page):
        out = list(page.object_list)
        return page.paginator.count, len(out)

    return [
        (
            "region count (range)",
            True,
            lambda region, actor: selectors.region_queryset(actor).count(),
        ),
        ("subtree_counts by level", True, lambda region, actor: selectors.subtree_counts(region)),
        (
            "region list p1 (API)",
            True,
            lambda region, actor: rows(paginate(first, _rest_region_queryset(actor), PAGE_SIZE)),
        ),
        (
            "region list p100 (API)",
            False,
            lambda region, actor: rows(paginate(deep, _rest_region_queryset(actor), PAGE_SIZE)),
        ),
        (
            "children p1 (detail page)",
            True,
            lambda region, actor: rows(
                paginate(first, selectors.region_children(actor, region), PAGE_SIZE)
            ),
        ),
        (
            "station list p1",
            True,
            lambda region, actor: rows(paginate(first, selectors.station_list(actor), PAGE_SIZE)),
        ),
        (
            "station list p100",
            False,
            lambda region, actor: rows(paginate(deep, selectors.station_list(actor), PAGE_SIZE)),
        ),
        ("dashboard_summary", False, lambda region, actor: selectors.dashboard_summary(actor)),
    ]


def _percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def run_measurements(scopes: dict[str, list], rounds: int) -> list[tuple]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for scope, pairs in scopes.items():
        for name, targeted, call in measurements():
            # Warm-up pass: fills caches and counts the queries each call issues.
            with CaptureQueriesContext(connection) as captured:
                for region, actor in pairs:
                    call(region, actor)
            queries = len(captured) / len(pairs)
            timings = []
            for _ in range(rounds):
                for region, actor in pairs:
                    start = time.perf_counter()
                    call(region, actor)
                    timings.append((time.perf_counter() - start) * 1000)
            results.append((scope, name, targeted, len(pairs), queries, timings))
    return results


def print_results(results: list[tuple], rounds: int) -> dict[str, bool]:
    """The table; returns, per scope, whether every targeted measurement met the target."""
    print(
        f"\nn regions per scope, each called once to warm up, then timed {rounds} times; "
        "q/call = SQL queries per call; a page = COUNT + one LIMIT/OFFSET query."
    )
    print(
        f"{'scope':<9} {'measurement':<26} {'n':>4} {'q/call':>6} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'max ms':>8}  vs {TARGET_MS:.0f} ms p95"
    )
    passed: dict[str, bool] = {}
    for scope, name, targeted, n, queries, timings in results:
        p50, p95, worst = statistics.median(timings), _percentile(timings, 95), max(timings)
        verdict = ("PASS" if p95 < TARGET_MS else "FAIL") if targeted else "(info)"
        if targeted:
            passed[scope] = passed.get(scope, True) and p95 < TARGET_MS
        print(
            f"{scope:<9} {name:<26} {n:>4} {queries:>6.1f} {p50:>8.2f} {p95:>8.2f} "
            f"{worst:>8.2f}  {verdict}"
        )
    return passed


def explain(title: str, call) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) every query the call issues, exactly as Django sent it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    for i, query in enumerate(captured.captured_queries, 1):
        print(f"\n--- EXPLAIN {title} [{i}/{len(captured)}]\n{query['sql']}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join("  " + row[0] for row in cursor.fetchall()))


def print_explains(scopes: dict[str, list]) -> None:
    from junjia.core.pages import paginate
    from junjia.orgs import selectors

    county, county_actor = scopes["county"][0]
    print(f"\nEXPLAIN sample county: {county.code} {county.full_name}")
    explain("county subtree_counts", lambda: selectors.subtree_counts(county))
    explain(
        "county station list p1",
        lambda: list(paginate(_page_request(1), selectors.station_list(county_actor), PAGE_SIZE)),
    )
    province, province_actor = max(
        scopes["province"], key=lambda pair: selectors.region_queryset(pair[1]).count()
    )
    print(f"\nEXPLAIN largest sampled province: {province.code} {province.name}")
    explain("province subtree_counts", lambda: selectors.subtree_counts(province))
    explain(
        "province station list p100",
        lambda: list(
            paginate(_page_request(DEEP_PAGE), selectors.station_list(province_actor), PAGE_SIZE)
        ),
    )


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    reused = prepare_database(args.database_url, args.reuse)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from junjia.orgs.choices import Level
    from junjia.orgs.models import Region

    try:
        version = connection.cursor().connection.info.server_version
        print(
            f"database: {connection.settings_dict['NAME']} "
            f"(PostgreSQL {version // 10000}.{version % 10000})"
        )
        if reused and Region.objects.filter(level=Level.VILLAGE).exists():
            print("reusing the kept tree (--reuse)")
        else:
            call_command("migrate", verbosity=0)
            print(
                f"building: ~{args.townships_per_county:g} townships per county, "
                f"~{args.villages_per_township:g} villages per township"
            )
            build(args.townships_per_county, args.villages_per_township, args.seed)
        print_counts()
        scopes = sample_scopes(args)
        results = run_measurements(scopes, args.rounds)
        passed = print_results(results, args.rounds)
        print_explains(scopes)
        verdicts = ", ".join(f"{s} {'PASS' if ok else 'FAIL'}" for s, ok in passed.items())
        print(f"\ncounts and first pages, p95 < {TARGET_MS:.0f} ms: {verdicts}")
        return 0 if all(passed.values()) else 1
    finally:
        if args.keep:
            print(f"kept database {args.database_url}")
        else:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

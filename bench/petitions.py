"""The repeat check at registration over a province's 500,000 petitions (issue 15 "Speed").

Run from the repository root (PostgreSQL; the database is created and dropped unless --keep):

    .venv/bin/python bench/petitions.py [--count 500000] [--lookups 2000] [--keep]

Builds a province of 100 township stations with a clerk and a head each, writes `count`
petitions over them with COPY (100,000 petitioners, ten matter types; the blind index of a sample of petitioners is the real one, the rest random
of the same shape), then times `petitions.services.repeat_of` — the look-up registration makes
— for sampled petitioners; the handler's work list as full requests (every middleware, the
to-do count, the audit row); and the daily deadline scan (first run: every due and overdue
petition told; second: nothing new). Prints p50/p95, rates and peak memory; targets p95 ≤
50 ms and the scan ≤ 30 s.
"""

import argparse
import datetime as dt
import random
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from regions import copy_rows, drop_database, prepare_database, setup_django  # noqa: E402

TARGET_MS = 50.0
SCAN_TARGET_S = 30.0
# Open petitions: two years of a province's petitions, most concluded (a handler has about
# a hundred open at a township; the cases bench has 7 at p50 for a clerk).
OPEN_SHARE = 0.02
PEOPLE = 100_000
SAMPLED = 1_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/junjia_bench_petitions"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    return parser.parse_args()


def build(count: int, rng: random.Random, day: dt.date) -> tuple[list[str], list]:
    """A province of 10 counties of 10 townships, each township station with a clerk (its
    petitions' first handler) and a head; `count` petitions spread over the townships, a
    share of them (OPEN_SHARE) open with a deadline from 30 days past to 60 days ahead, the rest
    concluded. Returns the sampled petitioners' numbers and the township clerks."""
    from django.db import connection
    from django.utils import timezone

    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_region, make_staff, make_station
    from junjia.petitions.choices import MatterType, PetitionStatus
    from junjia.petitions.models import PETITIONER_ID, Petition
    from junjia.registry.tests.factories import make_id_number

    province = make_region("370000", "山东省")
    city = make_region("370100", "济南市", province)
    make_station(province)
    clerks, stations = [], []
    for c in range(1, 11):
        county = make_region(f"3701{c:02d}", f"第{c}区", city)
        make_station(county)
        for t in range(1, 11):
            town = make_region(f"3701{c:02d}{t:03d}000", f"第{c}区第{t}街道", county)
            station = make_station(town)
            stations.append(station)
            clerks.append(make_staff(station, Role.CLERK, username=f"bench_pet_{c}_{t}"))
            make_staff(station, Role.STATION_HEAD, username=f"bench_pet_head_{c}_{t}")
    sampled = [
        make_id_number(dt.date(1950, 1, 1) + dt.timedelta(days=n), seq=n) for n in range(SAMPLED)
    ]
    indexes = [PETITIONER_ID.seal(n)["petitioner_id_index"] for n in sampled]
    indexes += [secrets.token_hex(32) for _ in range(PEOPLE - SAMPLED)]
    sealed = PETITIONER_ID.seal(sampled[0])
    types = MatterType.values
    now = timezone.now()

    def rows():
        for n in range(count):
            at = n % len(stations)
            station, clerk = stations[at], clerks[at]
            running = rng.random() < OPEN_SHARE
            status = (
                (PetitionStatus.ACCEPTED if rng.random() < 0.7 else PetitionStatus.IN_PROGRESS)
                if running
                else PetitionStatus.CONCLUDED
            )
            due = day + dt.timedelta(days=rng.randint(-30, 60))
            received = day - dt.timedelta(days=rng.randint(0, 720))
            yield (
                f"XF-BENCH-{n:07d}",
                "ABCDEFGH",
                "visit",
                received,
                station.pk,
                station.region_key,
                station.pk,
                clerk.pk,
                clerk.pk,
                "王某",
                sealed["petitioner_id_enc"],
                sealed["petitioner_id_masked"],
                indexes[rng.randrange(PEOPLE)],
                "",
                "",
                "",
                types[rng.randrange(len(types))],
                "事项",
                "诉求",
                False,
                1,
                "",
                False,
                status,
                due,
                0,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                0,
                now,
                now,
            )

    fields = [
        "number", "query_code", "channel", "received_on", "station_id", "region_key",
        "handling_station_id", "registered_by_id", "owner_id", "petitioner_name",
        "petitioner_id_enc", "petitioner_id_masked", "petitioner_id_index",
        "petitioner_phone_enc", "petitioner_phone_masked", "petitioner_address", "matter_type",
        "matter", "demands", "is_group", "people_count", "representatives", "skips_level",
        "status", "due_on", "extension_days", "extension_reason", "transfer_department",
        "transfer_receipt", "reply", "satisfaction", "review_opinion", "recheck_opinion",
        "repeat_count", "created_at", "updated_at",
    ]  # fmt: skip
    start = time.perf_counter()
    written = copy_rows(Petition, fields, rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE petitions_petition")
    print(
        f"wrote {written:,} petitions over {len(stations)} townships in "
        f"{time.perf_counter() - start:.1f} s"
    )
    return sampled, clerks


def kept(rng: random.Random) -> tuple[list[str], list]:
    """The sampled numbers and the clerks of a database kept by an earlier --keep run."""
    from django.contrib.auth import get_user_model

    from junjia.registry.tests.factories import make_id_number

    sampled = [
        make_id_number(dt.date(1950, 1, 1) + dt.timedelta(days=n), seq=n) for n in range(SAMPLED)
    ]
    clerks = list(get_user_model().objects.filter(username__startswith="bench_pet_1_"))
    print(f"reusing the kept data: {len(clerks)} clerks")
    return sampled, clerks


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def work_list(clerks: list, requests: int, rng: random.Random, path: str) -> tuple:
    """Full requests of the handler's work list (/petitions/?mine=on) and the station's list
    (/petitions/), through the test client with every middleware, as random township clerks."""
    from django.test import Client

    from junjia.orgs.tests.helpers import login_as

    clients = []
    for clerk in clerks[:10]:
        client = Client(HTTP_HOST="localhost")
        login_as(client, clerk)
        clients.append(client)
    times, cpu = [], []
    for _ in range(requests):
        client = clients[rng.randrange(len(clients))]
        start, used = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return (*percentiles(times), statistics.median(cpu))


def deadline_scan(day: dt.date) -> None:
    """The daily scan over the petitions' watch: the first run tells every due and overdue
    petition (the worst day); the second finds them told."""
    from junjia.core import deadlines
    from junjia.core.workdays.services import calendar_seed_from_package

    calendar_seed_from_package()
    watch = next(w for w in deadlines.watches() if w.workflow.name == "petition")
    for run in ("first", "second"):
        start = time.perf_counter()
        counts = deadlines.scan_watch(watch, day)
        took = time.perf_counter() - start
        verdict = "PASS" if took <= SCAN_TARGET_S else "FAIL"
        print(
            f"deadline scan ({run} run): {took:.1f} s, told {counts} — target ≤ "
            f"{SCAN_TARGET_S:.0f} s: {verdict}"
        )


def measure(sampled: list[str], lookups: int, rng: random.Random) -> list[float]:
    from junjia.petitions.choices import MatterType
    from junjia.petitions.services import repeat_of

    times, hits = [], 0
    for _ in range(lookups):
        number = sampled[rng.randrange(len(sampled))]
        kind = MatterType.values[rng.randrange(len(MatterType.values))]
        start = time.perf_counter()
        found = repeat_of(number, kind)
        times.append((time.perf_counter() - start) * 1000)
        hits += found is not None
    print(f"{lookups:,} look-ups, {hits:,} found a first petition")
    return times


def main() -> int:
    args = parse_args()
    reused = prepare_database(args.database_url, reuse=args.reuse)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    try:
        day = dt.date(2026, 6, 1)
        sampled, clerks = kept(rng) if reused else build(args.count, rng, day)
        measure(sampled, 100, rng)  # warm the index and the key cache
        times = measure(sampled, args.lookups, rng)
        p50, p95 = percentiles(times)
        rate = len(times) / (sum(times) / 1000)
        ok = p95 <= TARGET_MS
        print(
            f"repeat check: p50 {p50:.2f} ms, p95 {p95:.2f} ms, {rate:,.0f} look-ups/s — "
            f"target p95 ≤ {TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'}"
        )
        from junjia.core.clock import as_of

        with as_of(day):  # the services' today; the timers keep the real clock
            listed = True
            for what, path in (
                ("handler's work list", "/petitions/?mine=on"),
                ("station's list", "/petitions/"),
            ):
                work_list(clerks, 20, rng, path)  # warm
                p50, p95, cpu = work_list(clerks, args.requests, rng, path)
                listed = listed and p95 <= TARGET_MS
                print(
                    f"{what} {path} (full request): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                    f"Python CPU p50 {cpu:.1f} ms — "
                    f"target p95 ≤ {TARGET_MS:.0f} ms: {'PASS' if p95 <= TARGET_MS else 'FAIL'}"
                )
            deadline_scan(day)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB")
        return 0 if ok and listed else 1
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

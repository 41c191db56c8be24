"""The repeat check at registration over a province's 500,000 petitions (issue 15 "Speed").

Run from the repository root (PostgreSQL; the database is created and dropped unless --keep):

    .venv/bin/python bench/petitions.py [--count 500000] [--lookups 2000] [--keep]

Builds one station and its clerk, writes `count` petitions with COPY (100,000 petitioners,
ten matter types; the blind index of a sample of petitioners is the real one, the rest random
of the same shape), then times `petitions.services.repeat_of` — the look-up registration makes
— for sampled petitioners, half with a petition on the matter and half without. Prints
p50/p95, look-ups per second and peak memory; target p95 ≤ 50 ms. The work list and the daily
deadline scan are a later slice's bench.
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
PEOPLE = 100_000
SAMPLED = 1_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/junjia_bench_petitions"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def build(count: int, rng: random.Random) -> list[str]:
    from django.utils import timezone

    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_region, make_staff, make_station
    from junjia.petitions.choices import MatterType
    from junjia.petitions.models import PETITIONER_ID, Petition
    from junjia.registry.tests.factories import make_id_number

    province = make_region("370000", "山东省")
    station = make_station(province)
    clerk = make_staff(station, Role.CLERK, username="bench_petitions")
    sampled = [
        make_id_number(dt.date(1950, 1, 1) + dt.timedelta(days=n), seq=n) for n in range(SAMPLED)
    ]
    indexes = [PETITIONER_ID.seal(n)["petitioner_id_index"] for n in sampled]
    indexes += [secrets.token_hex(32) for _ in range(PEOPLE - SAMPLED)]
    sealed = PETITIONER_ID.seal(sampled[0])
    types = MatterType.values
    now = timezone.now()
    day = dt.date(2026, 1, 1)

    def rows():
        for n in range(count):
            yield (
                f"XF-BENCH-{n:07d}",
                "ABCDEFGH",
                "visit",
                day,
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
                "accepted",
                day + dt.timedelta(days=60),
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
        "number",
        "query_code",
        "channel",
        "received_on",
        "station",
        "region_key",
        "handling_station",
        "registered_by",
        "owner",
        "petitioner_name",
        "petitioner_id_enc",
        "petitioner_id_masked",
        "petitioner_id_index",
        "petitioner_phone_enc",
        "petitioner_phone_masked",
        "petitioner_address",
        "matter_type",
        "matter",
        "demands",
        "is_group",
        "people_count",
        "representatives",
        "skips_level",
        "status",
        "due_on",
        "extension_days",
        "extension_reason",
        "transfer_department",
        "transfer_receipt",
        "reply",
        "satisfaction",
        "review_opinion",
        "recheck_opinion",
        "repeat_count",
        "created_at",
        "updated_at",
    ]
    fields = [
        f + "_id" if f in ("station", "handling_station", "registered_by", "owner") else f
        for f in fields
    ]
    start = time.perf_counter()
    from django.db import connection

    written = copy_rows(Petition, fields, rows())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE petitions_petition")
    print(f"wrote {written:,} petitions in {time.perf_counter() - start:.1f} s")
    return sampled


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
    prepare_database(args.database_url, reuse=False)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    try:
        sampled = build(args.count, rng)
        measure(sampled, 100, rng)  # warm the index and the key cache
        times = sorted(measure(sampled, args.lookups, rng))
        p50 = statistics.median(times)
        p95 = times[int(len(times) * 0.95) - 1]
        rate = len(times) / (sum(times) / 1000)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"repeat check: p50 {p50:.2f} ms, p95 {p95:.2f} ms, {rate:,.0f} look-ups/s, peak memory {peak:.0f} MB"
        )
        ok = p95 <= TARGET_MS
        print(f"target p95 ≤ {TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")
        return 0 if ok else 1
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

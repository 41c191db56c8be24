"""Syncing 200 visits recorded offline on a phone, in one go, as the phone sends them.

Run from the repository root (builds the registry as bench/search.py does, or reuses it):

    .venv/bin/python bench/visits_sync.py --keep                  # 1M files, 5M past visits
    .venv/bin/python bench/visits_sync.py --count 50000 --visits 250000
    .venv/bin/python bench/visits_sync.py --reuse [--keep] [--database-url …]

Measured (issue 13 "Speed": syncing 200 visits recorded offline, in one go, ≤ 5 s): a
village clerk's 200 records sent one after another (static visits/offline.js sends one at
a time) through the whole request — session, CSRF header, multipart parsing, the photo
(~100 KB JPEG) and the signature checked and written to disk, visits.recording.visit_record
and its audit row — with the Django test client in this process, against PostgreSQL holding
the registry and the past visits. Then the same 200 sent again (answers lost on the way):
each returns the first visit and writes nothing.
"""

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import search  # noqa: E402
from regions import drop_database, prepare_database, setup_django  # noqa: E402

TARGET_S = 5.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="recipients")
    parser.add_argument("--visits", type=int, default=5_000_000, help="past visits")
    parser.add_argument("--sync", type=int, default=200, help="visits sent in one go")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    name = "junjia_bench_visits_sync"
    if (args.count, args.visits) != (1_000_000, 5_000_000):
        name += f"_{args.count}_{args.visits}"
    args.database_url = args.database_url or f"postgres://postgres@127.0.0.1:5432/{name}"
    return args


def photo_bytes() -> bytes:
    """A phone's photo after shrinking: 1280×960 JPEG of about 100 KB (smooth noise, so it
    does not compress to nothing)."""
    from PIL import Image

    noise = Image.effect_noise((40, 30), 64).resize((1280, 960), Image.BICUBIC)
    image = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(Image.FLIP_LEFT_RIGHT)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def signature_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (700, 360), "white")
    ImageDraw.Draw(image).line([(40, 200), (200, 80), (360, 260), (560, 90)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def past_visits(n: int) -> None:
    """n visits over the registry's people, written in one statement (half with a phone's
    client key, as records sent from phones have)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM registry_recipient")
        low, high = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM orgs_user")
        user = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO visits_visit (
                created_at, updated_at, recipient_id, region_key, station_key, visited_at,
                volunteer_visitors, how, met, service_situation, family_situation,
                health_situation, income_situation, employment_situation, thoughts_situation,
                needs_situation, needs_found, money_fen, budget_line, goods, counted,
                recorded_by_id, client_key, signature, signed_form_photo
            )
            SELECT now(), now(), r.id, r.region_key, r.region_key,
                   now() - (g %% 1500) * interval '1 day', '志愿者', 'home', '本人',
                   '', '', '', '', '', '', '', '', (g %% 3) * 20000, '春节慰问经费', '', true,
                   %s, CASE WHEN g %% 2 = 0 THEN 'past-' || g ELSE '' END, '', ''
            FROM generate_series(1, %s) AS g
            JOIN registry_recipient r ON r.id = %s + (g::bigint * 7919) %% (%s - %s + 1)
            """,
            [user, n, low, high, low],
        )
        cursor.execute("VACUUM (ANALYZE) visits_visit")


def village_clerk():
    """A clerk of the village station with the most people, and those people."""
    from django.db.models import Count
    from django.utils import timezone

    from junjia.orgs.choices import Level, Role
    from junjia.orgs.models import Station
    from junjia.orgs.tests.factories import make_staff
    from junjia.registry.models import Recipient

    villages = (
        Recipient.objects.filter(household_region__level=Level.VILLAGE)
        .values("household_region_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:200]
    )
    for row in villages:
        station = Station.objects.filter(region_id=row["household_region_id"]).first()
        if station is not None:
            break
    else:
        raise SystemExit("no village with a station holds people: build a larger registry")
    clerk = make_staff(station, Role.CLERK, username=f"bench_sync_{time.time_ns()}")
    clerk.must_change_password = False
    clerk.password_changed_at = timezone.now()
    clerk.save(update_fields=["must_change_password", "password_changed_at"])
    people = Recipient.objects.filter(household_region_id=station.region_id)
    return clerk, station.region, list(people.values_list("id", flat=True)[:200])


def send(client, body: dict, photo: bytes, signature: bytes, key: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = body | {
        "photos": [SimpleUploadedFile("photo-1.jpg", photo, "image/jpeg")],
        "signature": SimpleUploadedFile("signature.png", signature, "image/png"),
    }
    token = client.cookies["csrftoken"].value
    return client.post("/api/v1/visits/", data, HTTP_X_CSRFTOKEN=token, HTTP_IDEMPOTENCY_KEY=key)


def timed_round(client, bodies, keys, photo, signature, expect: int) -> tuple[list, float]:
    """Wall time of each request, and this process's CPU seconds for all of them (the web
    side; PostgreSQL's share is not in it)."""
    times = []
    cpu = time.process_time()
    for body, key in zip(bodies, keys, strict=True):
        started = time.perf_counter()
        answer = send(client, body, photo, signature, key)
        times.append(time.perf_counter() - started)
        assert answer.status_code == expect, (answer.status_code, answer.content[:300])
    return times, time.process_time() - cpu


def report(label: str, measured: tuple[list, float]) -> float:
    times, cpu = measured
    total = sum(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"{label}: {len(times)} requests in {total:5.2f} s — p50 "
        f"{statistics.median(times) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, "
        f"{len(times) / total:5.1f} visits/s; web process CPU {cpu / len(times) * 1000:.1f} "
        f"ms/request (load average {os.getloadavg()[0]:.1f})"
    )
    return total


def main() -> int:
    args = parse_args()
    reused = prepare_database(args.database_url, args.reuse)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from junjia.registry.models import Recipient
    from junjia.visits.models import Visit

    media = tempfile.TemporaryDirectory(prefix="junjia-bench-media-")
    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media.name},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    try:
        print(
            f"database: {connection.settings_dict['NAME']}, {os.cpu_count()} CPUs, load "
            f"average {os.getloadavg()[0]:.1f}"
        )
        search.ensure_registry(args, reused)
        have = Visit.objects.count()
        if have < args.visits:
            started = time.perf_counter()
            past_visits(args.visits - have)
            print(f"  past visits {args.visits - have:,}: {time.perf_counter() - started:.1f} s")
        print(f"recipients {Recipient.objects.count():,}, past visits {Visit.objects.count():,}")
        clerk, village, people = village_clerk()
        print(f"village clerk of {village.name}: {len(people)} people")
        photo, signature = photo_bytes(), signature_bytes()
        print(f"photo {len(photo) / 1024:.0f} KB, signature {len(signature) / 1024:.0f} KB")
        now = timezone.localtime().replace(second=0, microsecond=0)
        bodies = [
            {
                "recipient": people[i % len(people)],
                "visited_at": now.strftime("%Y-%m-%dT%H:%M"),
                "how": "home",
                "met": "本人",
                "visitors": [clerk.pk],
                "health_situation": "身体尚可",
                "money_fen": "50000",
                "budget_line": "春节慰问经费",
            }
            for i in range(args.sync)
        ]
        keys = [uuid.uuid4().hex for _ in bodies]
        with override_settings(STORAGES=storages, ALLOWED_HOSTS=["testserver"]):
            client = Client(enforce_csrf_checks=True)
            client.force_login(clerk)
            client.get("/visits/offline/")  # the page the phone had open: the CSRF cookie
            before = Visit.objects.count()
            first = report("first sync", timed_round(client, bodies, keys, photo, signature, 201))
            again = report(
                "same records again", timed_round(client, bodies, keys, photo, signature, 200)
            )
            assert Visit.objects.count() == before + args.sync
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB; uptime load {os.getloadavg()}")
        verdict = "PASS" if first <= TARGET_S else "FAIL"
        print(
            f"sync of {args.sync}: {first:.2f} s — {verdict} (≤ {TARGET_S:.0f} s); "
            f"resent {again:.2f} s, nothing added"
        )
        return 0 if first <= TARGET_S else 1
    finally:
        media.cleanup()
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

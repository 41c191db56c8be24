"""Fault drill: kill a web server and the task worker in the middle of an import, under load.

Run by hand from the repository root (never by `make test`):

    .venv/bin/python bench/fault_drill.py [--database-url URL] [--redis-url URL] [--keep]
                                          [--reuse] [--people 20000] [--kill-at 0.5]

What runs: the production stack on this machine, as real processes in production mode
(`junjia.settings.production`, throw-away secrets, PostgreSQL and RQ on Redis): two gunicorn
servers on two ports (2 workers × 4 threads each, as bin/serve), one task worker
(`manage.py rqworker default`) and the scheduler. Requests carry `X-Forwarded-Proto: https`
and a `Host`, as the reverse proxy sends them; public visitors each have their own
`X-Forwarded-For` address (TRUST_X_FORWARDED_FOR, as deploy/nginx.conf sets it).

Data: its own database (default junjia_drill; dropped and made again, dropped at the end
unless --keep; --reuse keeps a kept one), built by the project's commands: load_regions,
load_holidays, load_demo (3 townships × 3 villages per district), load_catalogue,
load_registry_demo (2,000 files), load_cases_demo --size small. Redis: its own database
number (default 12; the test suite uses 14), flushed at the start and at the end; nothing
else is touched.

Load, over HTTP from client threads, bounded in time (until the import's outcome is known and
--after seconds have passed since the restart): staff threads logged in through the log-in
page, each in turn searching files (API) and cases (API), opening a case (POST
/api/v1/cases/, its applicant name unique to the request) and accepting it; public threads
booking through the public booking page (identity and phone numbers unique to the booking)
on a few slots, more bookings than places; one clerk uploading a --people file through the
import page and confirming it (all or nothing), which queues the import job.

The fault: when the job's progress row shows --kill-at of the file's sheet rows checked, one
web server (gunicorn's master and workers) and the task worker (the worker, its work horse
and the import's processes) are killed with SIGKILL; after --down seconds they are started
again. Meanwhile a client whose server does not answer the connection counts a failed request
and sends it to the other port, as a load balancer would; a request that was sent and got no
answer is counted failed and not sent again (nginx does not retry a POST).

Figures: requests sent and failed per kind; writes acknowledged, refused, failed; lost (an
acknowledged write missing) and duplicated (any write present more than once); slots over
capacity; the import's outcome: finished whole (every person of the file on record once, one
review step and one audit row per new file, job succeeded), refused with nothing written (no
person, step or audit row of the job, job failed) or HALF-WRITTEN / STUCK; the audit chain
(sealed, then verified). Target: 0 lost, 0 duplicated, 0 half-written, chain intact. Exit 1
on a miss.
"""

import argparse
import base64
import contextlib
import datetime as dt
import importlib
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from regions import drop_database, prepare_database  # noqa: E402

HOST = "junjia.drill"
PY = str(ROOT.parent / ".venv" / "bin" / "python")
GUNICORN = str(ROOT.parent / ".venv" / "bin" / "gunicorn")
COUNTY = "370202"  # 市南区: the importing clerk's county
STAFF = ("snq_clerk", "sbq_clerk", "hdq_clerk", "hzz001000_clerk")
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/junjia_drill")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--ports", type=int, nargs=2, default=(8101, 8102))
    parser.add_argument("--people", type=int, default=20_000, help="people in the import file")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="share of the file's sheet rows checked"
    )
    parser.add_argument("--down", type=float, default=3.0, help="seconds before the restart")
    parser.add_argument("--after", type=float, default=15.0, help="load after the restart, s")
    parser.add_argument("--public-threads", type=int, default=3)
    parser.add_argument("--bookings", type=int, default=60, help="booking attempts in all")
    parser.add_argument("--settle", type=float, default=180.0, help="wait for the job, s")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the drill database")
    parser.add_argument(
        "--reuse", action="store_true", help="run again on a kept database, without building"
    )
    return parser.parse_args(argv)


def stack_env(args) -> dict:
    """Production mode with throw-away secrets (the same for every process of the drill)."""
    rng = random.Random(args.seed)
    key = base64.b64encode(rng.randbytes(16)).decode()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "junjia.settings.production",
        "SECRET_KEY": "drill-" + secrets.token_urlsafe(60),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "JUNJIA_ENCRYPTION_KEYS": f"k1:{key}",
        "JUNJIA_ENCRYPTION_CURRENT_KEY": "k1",
        "JUNJIA_MAC_KEY": base64.b64encode(rng.randbytes(32)).decode(),
        "JUNJIA_VAR_DIR": args.var_dir,
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
        "TRUST_X_FORWARDED_FOR": "true",
        "LOG_LEVEL": "WARNING",
    }


# --- processes -----------------------------------------------------------------------------------


class Stack:
    """The child processes, each in a session of its own; killed as whole trees."""

    def __init__(self, args, env: dict):
        self.args, self.env = args, env
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = Path(args.var_dir) / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str) -> None:
        port = dict(zip(("web-a", "web-b"), self.args.ports, strict=True)).get(name)
        if port:
            cmd = [GUNICORN, "junjia.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            cmd += ["--workers", "2", "--threads", "4", "--worker-class", "gthread"]
            cmd += ["--timeout", "120", "--access-logfile", "-"]
        elif name == "worker":
            cmd = [PY, "manage.py", "rqworker", "default", "--name", f"drill-{time.time():.0f}"]
        else:
            cmd = [PY, "manage.py", "scheduler"]
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        self.procs[name] = subprocess.Popen(
            cmd,
            cwd=ROOT.parent,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        for port in self.args.ports:
            while True:
                try:
                    r = requests.get(f"http://127.0.0.1:{port}/healthz", headers=HEADERS, timeout=5)
                    if r.status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"port {port} did not come up (see {self.logs})")
                time.sleep(0.3)

    def kill(self, name: str) -> int:
        """SIGKILL the process and every descendant (RQ's work horse has a process group of
        its own; the import's checking processes are the horse's children)."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return 0
        pids = _tree(proc.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        return len(pids)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


# --- HTTP clients ---------------------------------------------------------------------------------

HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "Referer": f"https://{HOST}/"}


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent: Counter = Counter()
        self.failed: Counter = Counter()

    def count(self, kind: str, ok: bool) -> None:
        with self.lock:
            self.sent[kind] += 1
            self.failed[kind] += not ok


class Client:
    """One browser (cookies, CSRF) in front of two servers: a refused connection is a failed
    request, sent again to the other port; no answer after sending is a failed request."""

    def __init__(self, ports, tally: Tally, prefer: int = 0, address: str | None = None):
        import requests

        self.session = requests.Session()
        self.ports = [ports[prefer % 2], ports[(prefer + 1) % 2]]
        self.tally = tally
        self.headers = dict(HEADERS)
        if address:
            self.headers["X-Forwarded-For"] = address

    def request(self, kind: str, method: str, path: str, **kw):
        """The response, or None when no server answered it."""
        import requests
        import urllib3

        headers = {**self.headers, **kw.pop("headers", {})}
        if method == "POST":
            headers["X-CSRFToken"] = self.session.cookies.get("csrftoken", "")
        for port in self.ports:
            try:
                response = self.session.request(
                    method,
                    f"http://127.0.0.1:{port}{path}",
                    headers=headers,
                    allow_redirects=False,
                    timeout=120,
                    **kw,
                )
            except requests.ConnectionError as exc:
                self.tally.count(kind, False)
                reason = getattr(exc.args[0], "reason", None) if exc.args else None
                if isinstance(reason, urllib3.exceptions.NewConnectionError):
                    continue  # never reached a server: the balancer tries the other one
                return None
            # The cookies are Secure (behind the proxy the site is https): keep sending them.
            for cookie in self.session.cookies:
                cookie.secure = False
            self.tally.count(kind, response.status_code < 500)
            return response if response.status_code < 500 else None
        return None

    def login(self, username: str, password: str) -> None:
        self.request("login", "GET", "/accounts/login/")
        r = self.request(
            "login",
            "POST",
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", ""),
            },
        )
        if r is None or r.status_code != 302:
            raise RuntimeError(f"log-in of {username} refused: {r and r.status_code}")


# --- the world --------------------------------------------------------------------------------------


def build(env: dict) -> None:
    steps = [
        ["migrate", "-v", "0"],
        ["collectstatic", "--noinput", "-v", "0"],
        ["load_regions"],
        ["load_holidays"],
        ["load_demo", "--townships", "3", "--villages", "3"],
        ["load_catalogue"],
        ["load_registry_demo", "--count", "2000"],
        ["load_cases_demo", "--size", "small"],
    ]
    for step in steps:
        started = time.perf_counter()
        subprocess.run(
            [PY, "manage.py", *step],
            cwd=ROOT.parent,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  {' '.join(step):<40} {time.perf_counter() - started:6.1f} s")


def prepare_world(args) -> dict:
    """Passwords for the drill's staff, their service items, the booking slots, the file."""
    from django.utils import timezone

    from junjia.cases import selectors as case_selectors
    from junjia.cases.models import AppointmentSlot
    from junjia.core import clock
    from junjia.orgs.models import Region, User

    password = "Drill-" + secrets.token_urlsafe(12)
    staff = {}
    for username in STAFF:
        user = User.objects.select_related("station__region").get(username=username)
        user.set_password(password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        item = case_selectors.catalogue(user.station.region.level)[0]
        received = {m["name"]: {"state": "ok"} for m in item.current_version.materials}
        staff[username] = {"item": item.code, "received": received}
    county = Region.objects.get(code=COUNTY)
    station = User.objects.get(username="snq_clerk").station
    slots = list(
        AppointmentSlot.objects.filter(station=station, date__gt=clock.today()).order_by(
            "date", "start"
        )[:3]
    )
    villages = list(
        Region.objects.filter(key__gte=county.key, key__lte=county.key_high, level=5)
        .order_by("key")
        .values_list("code", flat=True)
    )
    path = Path(args.var_dir) / "drill-import.xlsx"
    bench_import = importlib.import_module("import")  # bench/import.py's file writer
    bench_import.write_file(path, args.people, villages, args.seed)
    numbers = [p["number"] for p in bench_import.people(args.people, villages, args.seed)]
    return {
        "tag": random.SystemRandom().randrange(100, 1000),  # this run's writes, if --reuse
        "password": password,
        "staff": staff,
        "station": station.pk,
        "slots": [s.pk for s in slots],
        "places": sum(s.capacity - s.booked for s in slots),
        "file": path,
        "numbers": numbers,
    }


def _id_number(i: int, tag: int) -> str:
    """A booker's identity number, unique to the booking and to the run (tag)."""
    from junjia.core.personal import check_character

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i)
    first17 = f"370203{birth:%Y%m%d}{tag:03d}"
    return first17 + check_character(first17)


# --- load ---------------------------------------------------------------------------------------------


class Ledger:
    """What each client saw of its writes: key → acknowledged / refused / failed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cases: dict[str, str] = {}
        self.accepts: dict[int, str] = {}
        self.bookings: dict[str, str] = {}

    def note(self, book: dict, key, outcome: str) -> None:
        with self.lock:
            book[key] = outcome


def _outcome(response, ok_status) -> str:
    if response is None:
        return "failed"
    return "acknowledged" if response.status_code in ok_status else "refused"


def staff_load(args, world, username, index, tally, ledger, stop) -> None:
    rng = random.Random(args.seed * 100 + index)
    client = Client(args.ports, tally, prefer=index)
    client.login(username, world["password"])
    mine = world["staff"][username]
    n = 0
    while not stop.is_set():
        n += 1
        client.request("search", "GET", "/api/v1/recipients/", params={"q": rng.choice(NAMES)})
        client.request("search", "GET", "/api/v1/cases/", params={"q": "演练"})
        name = f"演练{world['tag']}-{index}号{n}"
        r = client.request(
            "case",
            "POST",
            "/api/v1/cases/",
            json={
                "item": mine["item"],
                "channel": "window",
                "applicant_name": name,
                "received": mine["received"],
            },
        )
        ledger.note(ledger.cases, name, _outcome(r, (201,)))
        if r is not None and r.status_code == 201:
            pk = r.json()["id"]
            r = client.request("case action", "POST", f"/api/v1/cases/{pk}/accept/", json={})
            ledger.note(ledger.accepts, pk, _outcome(r, (200,)))
        stop.wait(0.3)


def public_load(args, world, index, tally, ledger, stop, quota: int) -> None:
    rng = random.Random(args.seed * 1000 + index)
    path = f"/public/book/{world['station']}/"
    for k in range(quota):
        if stop.is_set():
            return
        i = index * 1000 + k
        address = f"10.{77 + index}.{k // 250}.{k % 250 + 1}"
        client = Client(args.ports, tally, prefer=index, address=address)
        if client.request("booking", "GET", path) is None:
            continue
        number = _id_number(i, world["tag"])
        r = client.request(
            "booking",
            "POST",
            path,
            data={
                "slot": rng.choice(world["slots"]),
                "item": "",
                "name": rng.choice(NAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number": number,
                "phone": f"139{world['tag']:03d}{i:05d}",
                "csrfmiddlewaretoken": client.session.cookies.get("csrftoken", ""),
            },
        )
        done = r is not None and r.status_code == 302 and "/book/done/" in r.headers["Location"]
        ledger.note(ledger.bookings, number, "acknowledged" if done else _outcome(r, ()))
        stop.wait(0.5)


def upload_import(args, world, tally) -> str:
    """The import page, then its confirmation (all or nothing): the job's id."""
    client = Client(args.ports, tally)
    client.login("snq_clerk", world["password"])
    client.request("import", "GET", "/registry/excel/import/")
    with open(world["file"], "rb") as handle:
        r = client.request(
            "import",
            "POST",
            "/registry/excel/import/",
            data={"csrfmiddlewaretoken": client.session.cookies.get("csrftoken", "")},
            files={"file": ("drill.xlsx", handle)},
        )
    found = re.search(r'name="token" value="([^"]+)"', r.text if r is not None else "")
    if not found:
        raise RuntimeError(f"the import page did not take the file: {r and r.status_code}")
    r = client.request(
        "import",
        "POST",
        "/registry/excel/import/confirm/",
        data={
            "token": found.group(1),
            "mode": "all_or_nothing",
            "csrfmiddlewaretoken": client.session.cookies.get("csrftoken", ""),
        },
    )
    if r is None or r.status_code != 302 or "/jobs/" not in r.headers["Location"]:
        raise RuntimeError(f"the import was not queued: {r and r.status_code}")
    return r.headers["Location"].rstrip("/").rsplit("/", 1)[1]


# --- the checks --------------------------------------------------------------------------------------


def check_writes(ledger: Ledger) -> dict:
    """lost: acknowledged and missing; duplicated: present more than once (any outcome)."""
    from django.db.models import Count

    from junjia.cases.choices import AppointmentStatus
    from junjia.cases.models import Appointment, AppointmentSlot, Case, CaseStep
    from junjia.core.personal.sealing import ID, get_provider

    figures = {}
    present = Counter(
        dict(
            Case.objects.filter(applicant_name__startswith="演练")
            .values_list("applicant_name")
            .annotate(n=Count("id"))
        )
    )
    figures["case"] = _judge(ledger.cases, present)
    steps = Counter(
        dict(
            CaseStep.objects.filter(case_id__in=list(ledger.accepts), to_status="accepted")
            .values_list("case_id")
            .annotate(n=Count("id"))
        )
    )
    figures["case action"] = _judge(ledger.accepts, steps)
    provider = get_provider()
    index = {provider.blind_index(n, purpose=ID.purpose): n for n in ledger.bookings}
    booked = Counter(
        index[i]
        for i in Appointment.objects.filter(id_index__in=list(index)).values_list(
            "id_index", flat=True
        )
    )
    figures["booking"] = _judge(ledger.bookings, booked)
    over = 0
    for slot in AppointmentSlot.objects.all():
        live = slot.appointments.exclude(status=AppointmentStatus.CANCELLED).count()
        over += slot.booked > slot.capacity or slot.booked != live
    figures["slots over capacity or miscounted"] = over
    return figures


def _judge(seen: dict, present: Counter) -> dict:
    out = Counter()
    for key, outcome in seen.items():
        n = present.get(key, 0)
        out[outcome] += 1
        if outcome == "acknowledged" and n == 0:
            out["lost"] += 1
        if n > 1:
            out["duplicated"] += 1
        if outcome == "failed" and n == 1:
            out["failed but written"] += 1
        if outcome == "refused" and n:
            out["refused but written"] += 1
    return out


def import_outcome(job_id: str, numbers: list[str], baseline: int) -> tuple[str, list[str]]:
    from django.db.models import Count

    from junjia.core.models import AuditEntry, Job
    from junjia.core.personal.sealing import ID, get_provider
    from junjia.registry.models import Recipient, ReviewStep

    job = Job.objects.get(pk=job_id)
    provider = get_provider()
    indexes = [provider.blind_index(n, purpose=ID.purpose) for n in numbers]
    per_person = (
        Recipient.objects.filter(id_index__in=indexes)
        .values("id_index")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    on_record, twice = len(per_person), sum(1 for n in per_person if n > 1)
    steps = ReviewStep.objects.filter(remark=f"导入任务 {job.pk}").count()
    audits = AuditEntry.objects.filter(extra__job=str(job.pk)).count()
    created = (job.result or {}).get("新建档案（草稿）", 0)
    lines = [
        f"job {job.status} ({job.done:,}/{job.total:,}): {job.message[:70]}",
        f"people of the file on record {on_record:,} of {len(numbers):,} (before: {baseline:,}),"
        f" twice or more {twice}; review steps {steps:,}; audit rows {audits:,};"
        f" result {job.result}",
    ]
    if job.status == "running" or job.status == "queued":
        return "STUCK (job still " + job.status + ")", lines
    # Every person once; one review step and at least one audit row per new file.
    whole = on_record == len(numbers) and not twice and steps == created <= audits
    if job.status == "succeeded" and whole and created == len(numbers) - baseline:
        return "finished whole", lines
    if job.status == "failed" and on_record == baseline and steps == audits == 0:
        return "refused with nothing written", lines
    return "HALF-WRITTEN or inconsistent", lines


def audit_chain_ok() -> tuple[bool, str]:
    from junjia.core import audit

    sealed = audit.seal_pending()
    report = audit.verify_chain()
    return report.ok, f"{report.checked:,} rows checked, {sealed:,} sealed now; {report.reason}"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


# --- the drill ------------------------------------------------------------------------------------------


def watch_and_kill(args, stack: Stack, job_id: str, numbers: int) -> dict:
    """Kill web-a and the worker once the job has checked --kill-at of the sheet rows."""
    from junjia.core.models import Job

    target = int(3 * numbers * args.kill_at)
    started = time.monotonic()
    while True:
        job = Job.objects.filter(pk=job_id).values("status", "done").first()
        if job["status"] in ("succeeded", "failed"):
            return {"killed": False, "note": f"job {job['status']} before the kill"}
        if job["status"] == "running" and job["done"] >= target:
            break
        if time.monotonic() - started > 600:
            raise RuntimeError("the import did not reach the kill point in 10 minutes")
        time.sleep(0.1)
    killed = stack.kill("web-a") + stack.kill("worker")
    print(
        f"  {time.strftime('%H:%M:%S')} SIGKILL web-a and the worker ({killed} processes) at "
        f"{job['done']:,} of {3 * numbers:,} sheet rows checked, "
        f"{time.monotonic() - started:.1f} s into the job"
    )
    time.sleep(args.down)
    stack.start("web-a")
    stack.start("worker")
    stack.wait_ready()
    print(f"  {time.strftime('%H:%M:%S')} web-a and the worker started again")
    return {"killed": True, "at": job["done"]}


def main(argv=None) -> int:
    args = parse_args(argv)
    args.var_dir = tempfile.mkdtemp(prefix="junjia-drill-")
    env = stack_env(args)
    reused = prepare_database(args.database_url, args.reuse)
    os.environ.update({**env, "DATABASE_POOL": "0"})
    import django
    import redis

    django.setup()
    from junjia.core.models import Job

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    redis_db = redis.Redis.from_url(args.redis_url)
    redis_db.flushdb()
    stack = Stack(args, env)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        print(f"load average {loadavg()}; files in {args.var_dir}")
        if reused:
            print("reusing the kept database")
        else:
            print("building the demo region")
            build(env)
        world = prepare_world(args)
        from junjia.core.personal.sealing import ID, get_provider
        from junjia.registry.models import Recipient

        provider = get_provider()
        baseline = Recipient.objects.filter(
            id_index__in=[provider.blind_index(n, purpose=ID.purpose) for n in world["numbers"]]
        ).count()
        for name in ("web-a", "web-b", "worker", "scheduler"):
            stack.start(name)
        stack.wait_ready()
        print(
            f"stack up: web on {args.ports[0]} and {args.ports[1]}, rqworker, scheduler; "
            f"{args.people:,} people in the file; {len(world['slots'])} slots with "
            f"{world['places']} places for {args.bookings} bookings"
        )
        tally, ledger = Tally(), Ledger()
        for i, username in enumerate(STAFF):
            threads.append(
                threading.Thread(
                    target=staff_load, args=(args, world, username, i, tally, ledger, stop)
                )
            )
        quota = -(-args.bookings // args.public_threads)
        for i in range(args.public_threads):
            threads.append(
                threading.Thread(
                    target=public_load, args=(args, world, i, tally, ledger, stop, quota)
                )
            )
        for thread in threads:
            thread.start()
        job_id = upload_import(args, world, tally)
        print(f"  {time.strftime('%H:%M:%S')} import queued as job {job_id}")
        kill = watch_and_kill(args, stack, job_id, args.people)
        restarted = time.monotonic()
        deadline = restarted + args.settle
        while time.monotonic() < deadline:
            status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
            if status in ("succeeded", "failed") and time.monotonic() - restarted > args.after:
                break
            time.sleep(0.5)
        settled = time.monotonic() - restarted
        print(f"  {time.strftime('%H:%M:%S')} job {status} {settled:.0f} s after the restart")
        stop.set()
        for thread in threads:
            thread.join()
        return report(args, tally, ledger, job_id, world, baseline, kill)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        stack.stop_all()
        redis_db.flushdb()
        if args.keep:
            print(f"kept database {args.database_url}; logs in {stack.logs}")
        else:
            drop_database(args.database_url)


def report(args, tally, ledger, job_id, world, baseline, kill) -> int:
    print(f"\nload average {loadavg()}")
    print(f"{'requests':<14} {'sent':>6} {'failed':>6}")
    for kind in sorted(tally.sent):
        print(f"{kind:<14} {tally.sent[kind]:>6} {tally.failed[kind]:>6}")
    figures = check_writes(ledger)
    lost = dup = 0
    print(
        f"\n{'writes':<14} {'ack':>6} {'refused':>7} {'failed':>6} {'lost':>5} {'dup':>4} "
        f"{'failed but written':>19}"
    )
    for kind in ("case", "case action", "booking"):
        f = figures[kind]
        lost += f["lost"]
        dup += f["duplicated"]
        print(
            f"{kind:<14} {f['acknowledged']:>6} {f['refused']:>7} {f['failed']:>6} "
            f"{f['lost']:>5} {f['duplicated']:>4} {f['failed but written']:>19}"
            + (
                f"  refused but written {f['refused but written']}"
                if f["refused but written"]
                else ""
            )
        )
    over = figures["slots over capacity or miscounted"]
    outcome, lines = import_outcome(job_id, world["numbers"], baseline)
    chain_ok, chain = audit_chain_ok()
    print(f"\nimport: {outcome}")
    print("\n".join("  " + line for line in lines))
    print(f"audit chain: {'OK' if chain_ok else 'BROKEN'} ({chain})")
    checks = [
        ("killed mid-import", kill["killed"]),
        ("0 lost", lost == 0),
        ("0 duplicated", dup == 0),
        ("0 half-written", outcome in ("finished whole", "refused with nothing written")),
        ("0 slots over capacity", over == 0),
        ("audit chain intact", chain_ok),
    ]
    print()
    for label, ok in checks:
        print(f"{label:<24} {'PASS' if ok else 'FAIL'}")
    passed = all(ok for _, ok in checks)
    print(f"\nfault drill: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())

"""Production mode: refusing default secrets, embedded key generation, and a multi-process
smoke test (gunicorn workers on PostgreSQL with pooling, tasks on Redis through RQ)."""

import base64
import concurrent.futures
import http.client
import json
import os
import re
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SETUP = "import django; django.setup()"


# --- environments ------------------------------------------------------------------------


def clean_env(**values: str) -> dict[str, str]:
    """Only what a process needs to run, plus `values`: nothing leaks in from the caller's
    environment (the suite itself may run with DATABASE_URL or REDIS_URL set)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "LOG_LEVEL": "WARNING",
    }
    env.update(values)
    return env


def production_env(database_url: str = "postgres://postgres@127.0.0.1:5432/junjia") -> dict:
    """Every variable production requires, freshly generated; HTTPS settings at defaults."""
    return clean_env(
        DJANGO_SETTINGS_MODULE="junjia.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        DATABASE_URL=database_url,
        JUNJIA_ENCRYPTION_KEYS="k1:" + base64.b64encode(os.urandom(16)).decode(),
        JUNJIA_ENCRYPTION_CURRENT_KEY="k1",
        JUNJIA_MAC_KEY=base64.b64encode(os.urandom(32)).decode(),
        REDIS_URL="redis://127.0.0.1:6379/14",
    )


def run_python(env: dict, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(
    env: dict, *args: str, timeout: float = 60, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run manage.py in production mode and insist that it succeeds."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=REPO,
        env={**env, **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result


# --- 1. production refuses to start with a missing or default secret ---------------------

REFUSED = "生产模式拒绝启动"


def test_production_starts_when_every_secret_is_set():
    result = run_python(production_env(), SETUP + "; print('started')")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", None, "请设置环境变量 SECRET_KEY"),
        ("SECRET_KEY", "", "请设置环境变量 SECRET_KEY"),
        ("SECRET_KEY", "change-me", "请设置环境变量 SECRET_KEY"),
        ("SECRET_KEY", "django-insecure-" + "k7Qz" * 15, "请设置环境变量 SECRET_KEY"),
        ("SECRET_KEY", "Short-But-Random-9f3Kq", "SECRET_KEY 至少需要 50 个字符"),
        ("SECRET_KEY", "ab" * 40, "SECRET_KEY 至少需要 5 种不同的字符"),
        ("DATABASE_URL", None, "请设置环境变量 DATABASE_URL"),
        ("DATABASE_URL", "", "请设置环境变量 DATABASE_URL"),
        ("JUNJIA_ENCRYPTION_KEYS", None, "请设置环境变量 JUNJIA_ENCRYPTION_KEYS"),
        ("JUNJIA_ENCRYPTION_CURRENT_KEY", None, "请设置环境变量 JUNJIA_ENCRYPTION_CURRENT_KEY"),
        (
            "JUNJIA_ENCRYPTION_CURRENT_KEY",
            "changeme",
            "请设置环境变量 JUNJIA_ENCRYPTION_CURRENT_KEY",
        ),
        ("JUNJIA_MAC_KEY", None, "请设置环境变量 JUNJIA_MAC_KEY"),
        ("JUNJIA_MAC_KEY", "change-me", "请设置环境变量 JUNJIA_MAC_KEY"),
    ],
)
def test_production_refuses_to_start_and_names_the_variable(name, value, message):
    # given a complete production environment with one variable missing or a default
    env = production_env()
    if value is None:
        del env[name]
    else:
        env[name] = value

    # when the app starts
    result = run_python(env, SETUP + "; print('started')")

    # then it stops before serving, saying which variable to set
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert REFUSED in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("JUNJIA_MAC_KEY", base64.b64encode(b"too-short").decode(), "JUNJIA_CRYPTO.MAC_KEY"),
        ("JUNJIA_ENCRYPTION_KEYS", "k1:not base64!", "JUNJIA_CRYPTO.KEYS['k1']"),
        ("JUNJIA_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"x" * 9).decode(), "KEYS['k1']"),
        ("JUNJIA_ENCRYPTION_KEYS", "k1", "JUNJIA_ENCRYPTION_KEYS 的格式应为"),
        ("JUNJIA_ENCRYPTION_CURRENT_KEY", "k9", "CURRENT_KEY 'k9' 不在"),
    ],
)
def test_production_refuses_malformed_keys_at_start(name, value, message):
    # given keys that are present but unusable
    env = production_env()
    env[name] = value

    # when the app starts (the crypto provider self-tests in AppConfig.ready)
    result = run_python(env, SETUP + "; print('started')")

    # then it stops and names the key
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert message in result.stderr


# --- 2. embedded mode generates its keys once ----------------------------------------------

PRINT_SECRETS = (
    SETUP + "; import json; from django.conf import settings; "
    "print(json.dumps({'SECRET_KEY': settings.SECRET_KEY, 'CRYPTO': settings.JUNJIA_CRYPTO}))"
)


def embedded_start(var_dir: Path) -> dict:
    env = clean_env(DJANGO_SETTINGS_MODULE="junjia.settings.embedded", JUNJIA_VAR_DIR=str(var_dir))
    result = run_python(env, PRINT_SECRETS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_mode_generates_secrets_once_readable_only_by_owner(tmp_path):
    # given an empty var directory
    var_dir = tmp_path / "var"
    secrets_file = var_dir / "secrets.json"

    # when the app starts for the first time
    first = embedded_start(var_dir)

    # then it wrote var/secrets.json, mode 0600, and uses those keys
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = json.loads(secrets_file.read_text(encoding="utf-8"))
    assert sorted(stored) == ["ENCRYPTION_CURRENT_KEY", "ENCRYPTION_KEYS", "MAC_KEY", "SECRET_KEY"]
    assert first["SECRET_KEY"] == stored["SECRET_KEY"]
    assert len(stored["SECRET_KEY"]) >= 50
    assert first["CRYPTO"]["KEYS"] == stored["ENCRYPTION_KEYS"]
    assert first["CRYPTO"]["CURRENT_KEY"] == stored["ENCRYPTION_CURRENT_KEY"] == "k1"
    assert first["CRYPTO"]["MAC_KEY"] == stored["MAC_KEY"]
    assert len(base64.b64decode(stored["ENCRYPTION_KEYS"]["k1"])) == 16
    assert len(base64.b64decode(stored["MAC_KEY"])) == 32
    content = secrets_file.read_bytes()

    # when it starts again
    second = embedded_start(var_dir)

    # then it reuses the same keys and leaves the file as it was
    assert second == first
    assert secrets_file.read_bytes() == content
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600


def test_embedded_installations_get_different_keys(tmp_path):
    one = embedded_start(tmp_path / "one")
    two = embedded_start(tmp_path / "two")

    assert one["SECRET_KEY"] != two["SECRET_KEY"]
    assert one["CRYPTO"]["MAC_KEY"] != two["CRYPTO"]["MAC_KEY"]
    assert one["CRYPTO"]["KEYS"] != two["CRYPTO"]["KEYS"]


# --- 4. the deploy check -----------------------------------------------------------------


@pytest.mark.slow
def test_check_deploy_is_clean_under_production_settings():
    # HTTPS settings at their secure defaults: nothing about SECURE_* is set here.
    result = manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")

    assert "System check identified no issues" in result.stdout


# --- 3. several processes, one database ---------------------------------------------------


def require_services() -> None:
    """Skip (or fail, when JUNJIA_SERVICES_REQUIRED=1) without PostgreSQL and Redis."""
    problems = []
    for name, host, port in (("PostgreSQL", PG_HOST, PG_PORT), ("Redis", REDIS_HOST, REDIS_PORT)):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError as exc:
            problems.append(f"{name} at {host}:{port} is unreachable ({exc})")
    if not problems:
        try:
            import psycopg

            psycopg.connect(
                f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres", connect_timeout=5
            ).close()
        except Exception as exc:
            problems.append(f"PostgreSQL refuses user postgres without password ({exc})")
    if not problems:
        return
    reason = "; ".join(problems)
    if os.environ.get("JUNJIA_SERVICES_REQUIRED") == "1":
        pytest.fail(f"{reason} (JUNJIA_SERVICES_REQUIRED=1)")
    pytest.skip(f"{reason}; set JUNJIA_SERVICES_REQUIRED=1 to make this a failure")


@pytest.fixture
def fresh_database():
    """A new, empty PostgreSQL database for this test only, dropped afterwards."""
    require_services()
    import psycopg

    name = f"junjia_prodsmoke_{secrets.token_hex(4)}"
    admin_url = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    def __init__(self, status: int, headers, body: str):
        self.status = status
        self.headers = headers
        self.body = body

    def morsels(self) -> SimpleCookie:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar

    def cookies(self) -> dict[str, str]:
        return {name: morsel.value for name, morsel in self.morsels().items()}


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a new connection, as nginx would forward it (X-Forwarded-Proto)."""
    all_headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        from urllib.parse import urlencode

        body = urlencode(form)
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=all_headers)
        raw = conn.getresponse()
        return Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def wait_until_serving(port: int, proc: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if request(port, "GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz in time:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def pids_for(access_log: str, request_line: str, status: int) -> list[str]:
    pattern = re.compile(r"^<(\d+)> \"" + re.escape(request_line) + r"\" " + str(status) + "$")
    return [m.group(1) for line in access_log.splitlines() if (m := pattern.match(line.strip()))]


CLIENT_IP = "203.0.113.7"  # what nginx puts in X-Forwarded-For ($remote_addr)

CREATE_CLERK = """
import os
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_region, make_staff, make_station
province = make_region("370000", "山东省")
city = make_region("370200", "青岛市", province)
county = make_region("370202", "市南区", city)
clerk = make_staff(make_station(county), Role.CLERK, username="smoke_clerk", full_name="烟测经办人")
clerk.set_password(os.environ["SMOKE_PASSWORD"])
clerk.save(update_fields=["password"])
"""

ENQUEUE_SEAL = """
import django_rq
from junjia.core.models import AuditAction, AuditEntry, AuditSeal
from junjia.core.tasks import seal_audit_log
django_rq.get_queue("default").empty()  # Redis db 14 is this test's; drop leftovers
login_ip = AuditEntry.objects.get(action=AuditAction.LOGIN).ip
print(AuditEntry.objects.count(), AuditSeal.objects.count(), login_ip, seal_audit_log.enqueue().id)
"""

SEAL_RESULT = """
import os
from junjia.core.audit import verify_chain
from junjia.core.models import AuditEntry, AuditSeal
from junjia.core.tasks import seal_audit_log
result = seal_audit_log.get_result(os.environ["SMOKE_TASK_ID"])
print(result.status, result.return_value, AuditEntry.objects.count(), AuditSeal.objects.count(),
      verify_chain().ok)
"""


@pytest.mark.slow
def test_gunicorn_workers_share_one_postgresql_database_and_redis_tasks(fresh_database, tmp_path):
    # Typically 15–35 s. Every wait is bounded; together they stay within this budget.
    deadline = time.monotonic() + 150

    def left() -> float:
        return max(5.0, deadline - time.monotonic())

    env = production_env(fresh_database)
    env.update(SECURE_SSL_REDIRECT="false", ALLOWED_HOSTS="127.0.0.1", TRUST_X_FORWARDED_FOR="true")
    password = "Sm0ke-" + secrets.token_urlsafe(12)

    # given a migrated database, collected static files and a clerk with a fresh password
    # (collectstatic writes STATIC_ROOT, the git-ignored staticfiles/, exactly as `make run`)
    collect = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        manage(env, "migrate", "--noinput", "-v", "0", timeout=left())
        manage(
            env, "shell", "-c", CREATE_CLERK, timeout=left(), extra_env={"SMOKE_PASSWORD": password}
        )
        _, collect_err = collect.communicate(timeout=left())
        assert collect.returncode == 0, f"collectstatic failed:\n{collect_err[-3000:]}"
    finally:
        if collect.poll() is None:
            collect.kill()
            collect.wait(timeout=5)

    # when gunicorn serves it with three worker processes
    port = free_port()
    access_log = tmp_path / "access.log"
    error_log = tmp_path / "error.log"
    gunicorn = subprocess.Popen(
        [
            GUNICORN,
            "junjia.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            '%(p)s "%(r)s" %(s)s',
            "--error-logfile",
            str(error_log),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(port, gunicorn, error_log, time.monotonic() + min(30, left()))

        # then the health check sees PostgreSQL and the RQ backend
        health = request(port, "GET", "/healthz")
        assert health.status == 200
        checks = json.loads(health.body)
        assert checks["status"] == "ok"
        assert checks["database"]["ok"] is True
        assert checks["database"]["vendor"] == "postgresql"
        assert checks["tasks"] == {"ok": True, "backend": "rq"}

        # and many concurrent requests, spread over the workers, all succeed
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: request(port, "GET", "/healthz").status, range(60)))
        assert statuses == [200] * 60

        # when the clerk logs in through the login form (CSRF cookie, then POST)
        origin = {"Origin": f"https://127.0.0.1:{port}"}
        login_page = request(port, "GET", "/accounts/login/")
        assert login_page.status == 200
        cookies = login_page.cookies()
        assert "csrftoken" in cookies
        logged_in = request(
            port,
            "POST",
            "/accounts/login/",
            cookies=cookies,
            headers={**origin, "X-Forwarded-For": CLIENT_IP},
            form={
                "username": "smoke_clerk",
                "password": password,
                "csrfmiddlewaretoken": cookies["csrftoken"],
            },
        )
        assert logged_in.status == 302, logged_in.body[-2000:]
        assert logged_in.headers["Location"] == "/"
        cookies.update(logged_in.cookies())
        session_cookie = logged_in.morsels()["sessionid"]
        assert (session_cookie["secure"], session_cookie["httponly"]) == (True, True)

        # then the home page renders for that session on every worker, many times
        def home(_):
            page = request(port, "GET", "/", cookies=cookies)
            return page.status, "<h1>工作台</h1>" in page.body and "烟测经办人" in page.body

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            pages = list(pool.map(home, range(60)))
        assert pages == [(200, True)] * 60

        # and a request without the session cookie is sent to log in from a staff page,
        # while the public pages (which the site's root shows visitors) link to the log-in
        anonymous = request(port, "GET", "/stations/")
        assert anonymous.status == 302
        assert anonymous.headers["Location"].startswith("/accounts/login/")
        public = request(port, "GET", "/public/")
        assert public.status == 200 and "工作人员登录" in public.body
    finally:
        stop(gunicorn)

    log = access_log.read_text()
    login_pids = pids_for(log, "POST /accounts/login/ HTTP/1.1", 302)
    home_pids = pids_for(log, "GET / HTTP/1.1", 200)
    booted = re.findall(r"Booting worker with pid: (\d+)", error_log.read_text())
    assert len(login_pids) == 1
    assert len(home_pids) == 60
    assert len(set(booted)) == 3
    assert set(home_pids) <= set(booted)
    # the session made by one worker was honoured by the others
    assert set(home_pids) - set(login_pids), f"every page came from worker {login_pids}"

    # when the scheduler's sealing task is queued on Redis and an RQ worker runs it
    queued = manage(env, "shell", "-c", ENQUEUE_SEAL, timeout=left())
    entries_before, seals_before, login_ip, task_id = queued.stdout.strip().split()[-4:]
    assert int(entries_before) >= 1  # the log-in wrote an audit row
    assert login_ip == CLIENT_IP  # the person's address as nginx forwarded it, not nginx's
    assert seals_before == "0"
    manage(env, "rqworker", "default", "--burst", timeout=left())

    # then the audit rows are sealed into the chain, and the chain verifies
    done = manage(
        env, "shell", "-c", SEAL_RESULT, timeout=left(), extra_env={"SMOKE_TASK_ID": task_id}
    )
    status, sealed, entries, seals, chain_ok = done.stdout.strip().splitlines()[-1].split()
    assert status == "SUCCESSFUL"
    assert int(sealed) == int(entries) == int(seals) == int(entries_before)
    assert chain_ok == "True"


def test_production_refuses_sqlite():
    """Production is PostgreSQL; the embedded mode is the place for SQLite."""
    import os
    import subprocess
    import sys

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "JUNJIA_", "SECRET"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="junjia.settings.production",
        SECRET_KEY="x7#Qm2!pL9@vR4$tY8%uI1^oP6&aS3*dF5(gH0)jK" * 2,
        DATABASE_URL="sqlite:////tmp/prod.sqlite3",
        JUNJIA_ENCRYPTION_KEYS="k1:MDEyMzQ1Njc4OWFiY2RlZg==",
        JUNJIA_ENCRYPTION_CURRENT_KEY="k1",
        JUNJIA_MAC_KEY="bW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW0=",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DATABASE_URL 须指向 PostgreSQL" in result.stderr

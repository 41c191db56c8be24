"""Suite-wide fixtures: a small region tree with stations and the persona matrix."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_region, make_staff, make_station


@pytest.fixture
def tree(db):
    """山东省 › 青岛市 › 市南区 › 甲街道 › 村A, 村B; 甲街道 › …; 市南区 › 乙街道 › 村C;
    and a second county 市北区 › 丙街道 › 村D, outside 市南区's jurisdiction."""
    province = make_region("370000", "山东省")
    city = make_region("370200", "青岛市", province)
    county = make_region("370202", "市南区", city)
    county2 = make_region("370203", "市北区", city)
    town1 = make_region("370202001000", "甲街道", county)
    town2 = make_region("370202002000", "乙街道", county)
    town3 = make_region("370203001000", "丙街道", county2)
    village_a = make_region("370202001001", "村A", town1)
    village_b = make_region("370202001002", "村B", town1)
    village_c = make_region("370202002001", "村C", town2)
    village_d = make_region("370203001001", "村D", town3)
    regions = SimpleNamespace(
        province=province,
        city=city,
        county=county,
        county2=county2,
        town1=town1,
        town2=town2,
        town3=town3,
        village_a=village_a,
        village_b=village_b,
        village_c=village_c,
        village_d=village_d,
    )
    stations = SimpleNamespace(
        **{name: make_station(region) for name, region in vars(regions).items()}
    )
    return SimpleNamespace(regions=regions, stations=stations)


@pytest.fixture
def personas(tree):
    """The persona matrix of the house style: village clerks A and B, township reviewer,
    county head, county leader, and the three administrators at city level."""
    s = tree.stations
    return SimpleNamespace(
        clerk_a=make_staff(s.village_a, Role.CLERK, username="clerk_a"),
        clerk_b=make_staff(s.village_b, Role.CLERK, username="clerk_b"),
        head_a=make_staff(s.village_a, Role.STATION_HEAD, username="head_a"),
        reviewer_town=make_staff(s.town1, Role.REVIEWER, username="reviewer_town"),
        head_county=make_staff(s.county, Role.STATION_HEAD, username="head_county"),
        leader_county=make_staff(s.county, Role.LEADER, username="leader_county"),
        sysadmin=make_staff(s.city, Role.SYSTEM_ADMIN, username="sysadmin"),
        secadmin=make_staff(s.city, Role.SECURITY_ADMIN, username="secadmin"),
        auditor=make_staff(s.city, Role.AUDIT_ADMIN, username="auditor"),
        head_county2=make_staff(s.county2, Role.STATION_HEAD, username="head_county2"),
    )


@pytest.fixture(autouse=True)
def _audit_guard(request):
    """Keep the audit tables append-only during every test; lift the guard only after a
    transactional test, so Django can empty the tables between tests."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )
    if not (transactional or marker is not None or "db" in names):
        yield
        return
    from django.db import connection

    from junjia.core import db_guard

    request.getfixturevalue("transactional_db" if transactional else "db")
    db_guard.set_enforced(connection, True)
    yield
    if transactional:
        db_guard.set_enforced(connection, False)


# --- browser tests ----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def _chromium():
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("JUNJIA_BROWSER_REQUIRED") == "1":
            pytest.fail("浏览器测试需要 Debian chromium（/usr/bin/chromium），但未安装。")
        pytest.skip("chromium not installed: browser tests skipped (make test installs it as root)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, asserts) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium, live_server, request):
    """A fresh browser context against the live server; screenshots kept as artefacts."""
    context = _chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 860}
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )

    def shot(name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    pg.shot = shot
    pg.js_errors = errors
    yield pg
    context.close()

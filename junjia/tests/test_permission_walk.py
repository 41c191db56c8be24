"""The permission walk: every URL and API route, against village B's objects, as staff of
village A holding every capability — each answer must be 403/404, and every list must leave
village B out. A new route fails this test until it is classified below."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from junjia.core import jobs
from junjia.core.models import CalendarYear
from junjia.orgs.choices import Role
from junjia.orgs.models import StationPhoto
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    kind: str  # "public" | "self" | "list" | "object" | "global"
    kwargs: Callable | None = None  # world -> kwargs pointing at village B's object
    lists_village_b: bool = True  # list routes: would show B's marker to a wider scope


def _b(world, attr):
    return getattr(world, attr)


ROUTES: dict[str, Route] = {
    # public and own-account routes
    "healthz": Route("public"),
    "login": Route("public"),
    "logout": Route("self"),
    "password_change": Route("self"),
    "otp_setup": Route("self"),
    "otp_verify": Route("self"),
    "api:schema": Route("self"),
    "api:docs": Route("self"),
    "api:me": Route("self"),
    "orgs:home": Route("self"),
    # lists
    "orgs:region_tree": Route("list"),
    "orgs:station_list": Route("list"),
    "orgs:staff_list": Route("list"),
    "orgs:audit_log": Route("list"),
    "api:region-list": Route("list"),
    "api:station-list": Route("list"),
    "security:index": Route("list", lists_village_b=False),
    "security:policy": Route("global"),
    "security:lockouts": Route("list", lists_village_b=False),
    "security:second_factor": Route("list"),
    "orgs:region_import": Route("global"),
    "orgs:region_import_template": Route("global"),
    "orgs:region_import_confirm": Route("global"),
    "orgs:staff_create": Route("list"),
    # objects of village B
    "orgs:region_detail": Route("object", lambda w: {"code": w.region_b.code}),
    "orgs:region_children": Route("object", lambda w: {"code": w.region_b.code}),
    "orgs:region_create": Route("object", lambda w: {"code": w.region_b.code}),
    "orgs:region_rename": Route("object", lambda w: {"code": w.region_b.code}),
    "orgs:station_create": Route("object", lambda w: {"code": w.region_b.code}),
    "orgs:station_detail": Route("object", lambda w: {"pk": w.station_b.pk}),
    "orgs:station_edit": Route("object", lambda w: {"pk": w.station_b.pk}),
    "orgs:station_publications": Route("object", lambda w: {"pk": w.station_b.pk}),
    "orgs:station_photos": Route("object", lambda w: {"pk": w.station_b.pk}),
    "orgs:station_photo_file": Route(
        "object", lambda w: {"pk": w.station_b.pk, "photo_pk": w.photo_b.pk}
    ),
    "orgs:station_photo_delete": Route(
        "object", lambda w: {"pk": w.station_b.pk, "photo_pk": w.photo_b.pk}
    ),
    "orgs:staff_detail": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "orgs:staff_edit": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "orgs:staff_set_active": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "orgs:staff_reset_password": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "orgs:audit_verify": Route("global"),
    "orgs:job_detail": Route("object", lambda w: {"pk": w.job_b.pk}),
    "orgs:job_file": Route("object", lambda w: {"pk": w.job_b.pk}),
    "security:lockout_release": Route("global"),
    "security:second_factor_reset": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "api:region-detail": Route("object", lambda w: {"code": w.region_b.code}),
    "api:station-detail": Route("object", lambda w: {"pk": w.station_b.pk}),
    # the working-day calendar is national data, gated by capability, not jurisdiction
    "workdays:year_list": Route("global"),
    "workdays:year_create": Route("global"),
    "workdays:year_detail": Route("global", lambda w: {"year": 2026}),
    "workdays:year_edit": Route("global", lambda w: {"year": 2026}),
}

# Third-party routes we mount but do not own (none yet).
IGNORED_PREFIXES = ()


def _app_routes() -> dict[str, Route]:
    """Apps classify their own routes in junjia/<app>/tests/walk_*.py (ROUTES dicts)."""

    found: dict[str, Route] = {}
    for module in _walk_modules():
        for name, spec in module.ROUTES.items():
            found[name] = Route(*spec) if isinstance(spec, tuple) else spec
    return found


def _walk_modules() -> list:
    """junjia/<app>/tests/walk_*.py: each has ROUTES, and may have extend_world(world, tree,
    personas) adding that app's village-B objects to the shared world."""
    import importlib
    import pkgutil
    from pathlib import Path

    import junjia

    modules = []
    root = Path(junjia.__file__).parent
    for tests_dir in sorted(root.glob("*/tests")):
        package = f"junjia.{tests_dir.parent.name}.tests"
        for info in pkgutil.iter_modules([str(tests_dir)]):
            if info.name.startswith("walk_"):
                modules.append(importlib.import_module(f"{package}.{info.name}"))
    return modules


ROUTES.update(_app_routes())


def all_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}{entry.namespace}:"
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return {n for n in names if not n.startswith(IGNORED_PREFIXES)}


def test_every_route_is_classified():
    assert all_route_names() - set(ROUTES) == set(), "classify new routes in ROUTES"
    assert set(ROUTES) - all_route_names() == set(), "remove routes that no longer exist"


@pytest.fixture
def world(tree, personas, django_capture_on_commit_callbacks):
    """Village A's staff holding every capability, and objects that belong to village B."""
    from django.core.files.base import ContentFile

    s = tree.stations
    photo = StationPhoto(station=s.village_b, caption="B")
    photo.image.save("b.png", ContentFile(b"\x89PNG\r\n"), save=True)
    job_b = jobs.job_start(
        actor=personas.clerk_b,
        kind="core.audit_verify",
        title="B",
        region_key=s.village_b.region_key,
        params={},
    )
    CalendarYear.objects.get_or_create(year=2026, defaults={"source": "package"})
    # Something of village B's in the audit log and in the second-factor list.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from junjia.core import audit

    audit.record(actor=personas.clerk_b, action="view", obj=s.village_b)
    TOTPDevice.objects.create(user=personas.clerk_b, name="B", confirmed=True)
    # Three accounts at village A that together hold every capability of every role.
    mighty = [
        make_staff(
            s.village_a,
            Role.STATION_HEAD,
            Role.CLERK,
            Role.REVIEWER,
            Role.LEADER,
            Role.SYSTEM_ADMIN,
            username="a_sys",
        ),
        make_staff(s.village_a, Role.STATION_HEAD, Role.SECURITY_ADMIN, username="a_sec"),
        make_staff(s.village_a, Role.STATION_HEAD, Role.AUDIT_ADMIN, username="a_audit"),
    ]
    wide = [
        make_staff(
            s.town1,
            Role.STATION_HEAD,
            Role.CLERK,
            Role.REVIEWER,
            Role.LEADER,
            Role.SYSTEM_ADMIN,
            username="t_sys",
        ),
        make_staff(s.town1, Role.STATION_HEAD, Role.SECURITY_ADMIN, username="t_sec"),
        make_staff(s.town1, Role.STATION_HEAD, Role.AUDIT_ADMIN, username="t_audit"),
    ]
    from types import SimpleNamespace

    # Registry objects of village B: an approved file, a transfer out of B, a ledger.
    from junjia.registry.models import Ledger, TransferRequest
    from junjia.registry.tests.factories import make_recipient

    recipient_b = make_recipient(tree.regions.village_b, created_by=personas.clerk_b, name="乙某某")
    moving = make_recipient(tree.regions.village_b, created_by=personas.clerk_b, name="丙迁出")
    transfer_b = TransferRequest.objects.create(
        recipient=moving,
        from_region=tree.regions.village_b,
        to_region=tree.regions.village_c,
        from_key=moving.region_key,
        to_key=tree.regions.village_c.key,
        reason="迁往村C",
        requested_by=personas.clerk_b,
    )
    ledger_b = Ledger.objects.create(
        owner=personas.clerk_b, region_key=tree.regions.village_b.key, name="B 台账", params={}
    )
    world = SimpleNamespace(
        region_b=tree.regions.village_b,
        station_b=s.village_b,
        staff_b=personas.clerk_b,
        photo_b=photo,
        job_b=job_b,
        mighty=mighty,
        wide=wide,
        clerk_a=personas.clerk_a,
        recipient_b=recipient_b,
        transfer_b=transfer_b,
        ledger_b=ledger_b,
    )
    for module in _walk_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(world, tree, personas)
    return world


def _api(name: str) -> bool:
    return name.startswith("api:")


def _request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.kind == "object"))
def test_objects_of_village_b_are_out_of_reach(client, world, name):
    url = reverse(name, kwargs=ROUTES[name].kwargs(world))
    for user in [world.clerk_a, *world.mighty]:
        client.logout()
        login_as(client, user)
        for method in ("GET", "POST"):
            if _api(name) and method == "POST":
                method = "PATCH"
                response = client.patch(url, {}, content_type="application/json")
            else:
                response = _request(client, method, url)
            assert response.status_code in (403, 404, 405), (
                name,
                user.username,
                method,
                response.status_code,
            )
        if _api(name):
            token, _ = Token.objects.get_or_create(user=user)
            response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
            assert response.status_code in (403, 404), (name, "token", user.username)


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.kind == "list"))
def test_lists_leave_village_b_out(client, world, name):
    url = reverse(name)
    markers = ("370202001002", "clerk_b", "村B退役军人服务站", "乙某某")
    for user in [world.clerk_a, *world.mighty]:
        client.logout()
        login_as(client, user)
        response = client.get(url, {"q": ""}, follow=True)
        assert response.status_code in (200, 403), (name, user.username)
        body = response.content.decode()
        for marker in markers:
            assert marker not in body, (name, user.username, marker)
    if ROUTES[name].lists_village_b:
        # The same list one level up does show village B: the check above is not vacuous.
        seen = False
        for user in world.wide:
            client.logout()
            login_as(client, user)
            body = client.get(url, follow=True).content.decode()
            seen = seen or any(marker in body for marker in markers)
        assert seen, f"{name}: no persona at township level sees village B either"


@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.kind == "global"))
def test_capability_gated_routes_refuse_a_village_clerk(client, world, name):
    kwargs = ROUTES[name].kwargs(world) if ROUTES[name].kwargs else {}
    url = reverse(name, kwargs=kwargs)
    login_as(client, world.clerk_a)
    for method in ("GET", "POST"):
        response = _request(client, method, url)
        assert response.status_code in (403, 404, 405), (name, method, response.status_code)


@pytest.mark.parametrize(
    "name", sorted(n for n, r in ROUTES.items() if r.kind in ("self", "list", "global", "object"))
)
def test_anonymous_gets_nothing(client, world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world) if route.kwargs else {})
    response = client.get(url, follow=True)
    if response.redirect_chain:
        assert response.redirect_chain[-1][0].startswith("/accounts/login/"), (
            name,
            response.redirect_chain,
        )
        return
    # 405: a POST-only action answers GET with nothing.
    assert response.status_code in (401, 403, 404, 405), (name, response.status_code)

"""The permission walk: every URL and API route, against village B's objects, as staff of
village A holding every capability — each answer must be 403/404, every write (sent with the
valid body village B's own user gets through with) must leave the database unchanged, and
every list must leave village B out. The other writes (creation forms, capability-gated
pages, one's own account, public pages) are sent with a valid body too, by everyone who may
not write them — village A's staff where the body names village B's objects, village B's
staff of each role without the capability, a visitor — and then by their writer. A new
route fails this test until it is classified below, and a new write route until it has a
body."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from junjia.core import jobs
from junjia.core.models import CalendarYear
from junjia.orgs.choices import Publication, Role
from junjia.orgs.models import SecurityPolicy, StationPhoto
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.tests.walk_fingerprint import changes, fingerprint
from junjia.tests.walk_support import png

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    kind: str  # "public" | "self" | "list" | "object" | "global"
    kwargs: Callable | None = None  # world -> kwargs pointing at village B's object
    lists_village_b: bool = True  # list routes: would show B's marker to a wider scope
    # Write routes: world -> the data a legitimate user of village B sends so that the write
    # succeeds (form data, files included; JSON for api: routes). Sent by village A's staff,
    # then by village B's own user, who must get through with it.
    body: Callable | None = None
    # world -> village B's user who may do this write (default: world.b_all, who holds every
    # role at village B).
    actor: Callable | None = None
    # world -> None: bring village B's object into the state the write needs (a file
    # submitted before it is approved); runs before both the valid and the refused writes.
    prepare: Callable | None = None
    # False where the write records only an audit entry (a reveal), which the fingerprint
    # leaves out.
    changes_db: bool = True
    # Where the world's state refuses the write even to village B's own user (a village
    # has no child regions): the refusal B's user gets, asserted exactly, with nothing
    # written. The refused write by village A's staff must then be refused before it.
    b_refusal: str | None = None
    # Writes not on one of village B's objects (junjia/tests/walk_writes.py): the
    # capability the write needs, refused to village B's staff of each role without it;
    capability: str | None = None
    # world -> village A's staff refused because the body names village B's objects
    # (default: A's clerk and A's staff holding every capability for list routes, nobody
    # for the others);
    outsiders: Callable | None = None
    # the words of a refusal that answers neither 403/404 nor a form error (a page that
    # does nothing and says so);
    refusal: str | None = None
    # client, writer, world -> None: how the writer's client comes to the write when not
    # simply logged in (a password-only session; a visitor who looked the booking up);
    enter: Callable | None = None
    # what the writer's answer must show (in its page or messages, or as the address it
    # sends to) where a stored row alone does not prove the body valid: a preview, a
    # look-up.
    shows: tuple[str, ...] = ()


def _station_fields(world) -> dict:
    """Village B's station as its edit form shows it, with a new office-hours line."""
    from django.forms.models import model_to_dict

    from junjia.orgs.forms import StationProfileForm

    fields = StationProfileForm._meta.fields
    data = {k: v for k, v in model_to_dict(world.station_b, fields=fields).items() if v is not None}
    data["office_hours"] = "周一至周五 8:30-17:30"
    return data


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
    "api_tokens": Route("self"),
    "api:me-tokens": Route("self"),
    # one's own API token: village B's clerk's, revoked only by that clerk
    "api_token_revoke": Route(
        "object", lambda w: {"pk": w.token_b.pk}, body=lambda w: {}, actor=lambda w: w.staff_b
    ),
    "api:me-token-revoke": Route(
        "object", lambda w: {"pk": w.token_b.pk}, body=lambda w: {}, actor=lambda w: w.staff_b
    ),
    # The site's root ("/", which orgs:home reverses to as well): the public home to a
    # visitor, the workbench only to signed-in staff (junjia/tests/test_site_root.py).
    "orgs:home": Route("public"),
    "site_root": Route("public"),
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
    # A village has no child regions (no code lies inside a village's): even village B's own
    # administrator is refused; the body is a well-formed village code and a name.
    "orgs:region_create": Route(
        "object",
        lambda w: {"code": w.region_b.code},
        body=lambda w: {"code": "370202001099", "name": "村B分区"},
        b_refusal="区划代码 370202001099 不在上级区划 370202001002 的代码范围内",
    ),
    "orgs:region_rename": Route(
        "object", lambda w: {"code": w.region_b.code}, body=lambda w: {"name": "村B（新名）"}
    ),
    # Village B has its station already, so B's own user is refused too; the route takes
    # no data.
    "orgs:station_create": Route(
        "object",
        lambda w: {"code": w.region_b.code},
        body=lambda w: {},
        b_refusal="已有服务中心（站）：村B退役军人服务站。每个行政区划只设一个。",
    ),
    "orgs:station_detail": Route("object", lambda w: {"pk": w.station_b.pk}),
    "orgs:station_edit": Route(
        "object", lambda w: {"pk": w.station_b.pk}, body=lambda w: _station_fields(w)
    ),
    "orgs:station_publications": Route(
        "object",
        lambda w: {"pk": w.station_b.pk},
        body=lambda w: {kind: f"村B公示：{label}" for kind, label in Publication.choices},
    ),
    "orgs:station_photos": Route(
        "object",
        lambda w: {"pk": w.station_b.pk},
        body=lambda w: {"image": png("b2.png"), "caption": "村B 门牌"},
    ),
    "orgs:station_photo_file": Route(
        "object", lambda w: {"pk": w.station_b.pk, "photo_pk": w.photo_b.pk}
    ),
    "orgs:station_photo_delete": Route(
        "object", lambda w: {"pk": w.station_b.pk, "photo_pk": w.photo_b.pk}, body=lambda w: {}
    ),
    "orgs:staff_detail": Route("object", lambda w: {"pk": w.staff_b.pk}),
    "orgs:staff_edit": Route(
        "object",
        lambda w: {"pk": w.staff_b.pk},
        body=lambda w: {
            "username": w.staff_b.username,
            "full_name": "乙办事员（改）",
            "office_phone": "0532-88880000",
            "station": w.station_b.pk,
            "roles": sorted(w.staff_b.role_codes),
        },
    ),
    # 三员分立: roles are granted by the security administrator (B's own, b_sec).
    "orgs:staff_roles": Route(
        "object",
        lambda w: {"pk": w.staff_b.pk},
        body=lambda w: {"roles": ["reviewer"]},
        actor=lambda w: w.b_sec,
    ),
    "orgs:staff_set_active": Route(
        "object", lambda w: {"pk": w.staff_b.pk}, body=lambda w: {"active": "0"}
    ),
    "orgs:staff_reset_password": Route("object", lambda w: {"pk": w.staff_b.pk}, body=lambda w: {}),
    "orgs:audit_verify": Route("global"),
    "orgs:job_detail": Route("object", lambda w: {"pk": w.job_b.pk}),
    "orgs:job_file": Route("object", lambda w: {"pk": w.job_b.pk}),
    "security:lockout_release": Route("global"),
    "security:second_factor_reset": Route(
        "object", lambda w: {"pk": w.staff_b.pk}, body=lambda w: {}, actor=lambda w: w.b_sec
    ),
    "api:staff-roles": Route(
        "object",
        lambda w: {"pk": w.staff_b.pk},
        body=lambda w: {"roles": ["reviewer"]},
        actor=lambda w: w.b_sec,
    ),
    "api:region-detail": Route("object", lambda w: {"code": w.region_b.code}),
    "api:station-detail": Route(
        "object",
        lambda w: {"pk": w.station_b.pk},
        body=lambda w: {"hotline": "0532-12345678", "office_hours": "周一至周五 9:00-17:00"},
    ),
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
            found[name] = _route(spec)
    return found


def _route(spec) -> Route:
    """(kind, kwargs, lists_village_b[, body | {body, actor, prepare, changes_db}])."""
    if not isinstance(spec, tuple):
        return spec
    if len(spec) == 4:
        head, extra = spec[:3], spec[3]
        return Route(*head, **(extra if isinstance(extra, dict) else {"body": extra}))
    return Route(*spec)


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


def _with_writes(routes: dict[str, Route]) -> None:
    """Give the routes their bodies from junjia/tests/walk_writes.py: one place per route."""
    from dataclasses import replace

    from junjia.tests.walk_writes import WRITES

    for name, spec in WRITES.items():
        assert name in routes, f"walk_writes.py names no route {name}"
        assert routes[name].body is None, f"{name} has a body in its app's walk module too"
        routes[name] = replace(routes[name], **spec)


_with_writes(ROUTES)


def _callbacks() -> dict:
    found = {}

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                found[f"{namespace}{entry.name}"] = entry.callback

    walk(get_resolver().url_patterns, "")
    return found


def all_route_names() -> set[str]:
    return {n for n in _callbacks() if not n.startswith(IGNORED_PREFIXES)}


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
    # The security policy's row, made by the first page anyone opens (a visitor's too).
    SecurityPolicy.current()
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
        token_b=_token_of(personas.clerk_b),
        photo_b=photo,
        job_b=job_b,
        mighty=mighty,
        wide=wide,
        clerk_a=personas.clerk_a,
        recipient_b=recipient_b,
        transfer_b=transfer_b,
        ledger_b=ledger_b,
        personas=personas,
        tree=tree,
        # Village B's own staff, the legitimate users of B's write routes: one holding every
        # role but the two other administrators' (三员分立), and B's security administrator.
        b_all=make_staff(
            s.village_b,
            Role.STATION_HEAD,
            Role.CLERK,
            Role.REVIEWER,
            Role.LEADER,
            Role.SYSTEM_ADMIN,
            username="b_all",
        ),
        b_sec=make_staff(s.village_b, Role.STATION_HEAD, Role.SECURITY_ADMIN, username="b_sec"),
    )
    for module in _walk_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(world, tree, personas)
    return world


def _api(name: str) -> bool:
    return name.startswith("api:")


def _request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, {})


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def write_methods(name: str) -> tuple[str, ...]:
    """The write methods a route's view accepts, read off the view: a DRF view's handlers; a
    page's require_http_methods/require_POST list; failing both, a page whose source reads
    request.POST, request.FILES or request.method is taken to write on POST."""
    view = _callbacks()[name]
    cls = getattr(view, "cls", None)
    if cls is not None:
        return tuple(m for m in WRITE_METHODS if hasattr(cls, m.lower()))
    func = view
    while func is not None:
        for cell in func.__closure__ or ():
            value = cell.cell_contents
            if (
                isinstance(value, list)
                and value
                and all(m in ("GET", "HEAD", *WRITE_METHODS) for m in value)
            ):
                return tuple(m for m in WRITE_METHODS if m in value)
        inner = getattr(func, "__wrapped__", None)
        if inner is None:
            return ("POST",) if _reads_the_request(func, set()) else ()
        func = inner
    return ()


def _reads_the_request(func, seen: set) -> bool:
    """Whether the view's source, or that of a function of its own module it calls (a page
    shared by a new and an edit view), reads request.POST, request.FILES or request.method."""
    import inspect
    import types

    seen.add(func)
    source = inspect.getsource(func)
    if any(r in source for r in ("request.POST", "request.FILES", "request.method")):
        return True
    for name in func.__code__.co_names:
        called = func.__globals__.get(name)
        if (
            isinstance(called, types.FunctionType)
            and called.__module__ == func.__module__
            and called not in seen
            and _reads_the_request(called, seen)
        ):
            return True
    return False


def _send(client, name, method, url, body, **extra):
    """One request: JSON for api: routes unless the body carries a file, form data else."""
    if method == "GET":
        return client.get(url, **extra)
    has_file = any(hasattr(v, "read") for v in body.values())
    if _api(name) and not has_file:
        return getattr(client, method.lower())(url, body, content_type="application/json", **extra)
    assert method == "POST", (name, method, "form data is posted")
    return client.post(url, body, **extra)


OBJECT_ROUTES = sorted(n for n, r in ROUTES.items() if r.kind == "object")
WRITE_ROUTES = sorted(n for n in ROUTES if write_methods(n))
# Writes not on one of village B's objects: creation forms and lists taking a POST,
# capability-gated pages, one's own account, public pages (junjia/tests/walk_writes.py).
OTHER_WRITES = sorted(n for n in WRITE_ROUTES if ROUTES[n].kind != "object")


def test_every_write_route_has_a_body():
    """From a module's first write route on: a body that succeeds for its writer, so the
    refusals below are refusals of a valid write, not of an empty form."""
    missing = {n for n in WRITE_ROUTES if ROUTES[n].body is None}
    assert missing == set(), (
        "give every write route a valid body: Route.body in the app's walk_*.py for a "
        "write on one of village B's objects, else junjia/tests/walk_writes.py"
    )
    assert {n for n in ROUTES if ROUTES[n].body and not write_methods(n)} == set(), (
        "a body on a route that accepts no write"
    )


def _write_method(name: str) -> str:
    methods = write_methods(name)
    assert len(methods) == 1, (name, methods)
    return methods[0]


def _prepared(world, route) -> Callable[[], dict]:
    """Bring B's object into the state the write needs; then a fresh body for each request
    (an uploaded file is read once)."""
    if route.prepare:
        route.prepare(world)
    return lambda: route.body(world) if route.body else {}


def _writer(world, route):
    """The writer's client: village B's user (b_all unless the route names another), or a
    visitor on a public page, come to the write as the route says."""
    from django.test import Client

    client = Client()
    actor = route.actor(world) if route.actor else world.b_all
    if route.enter:
        route.enter(client, actor, world)
    elif actor is not None:
        login_as(client, actor)
    return client


def _said(response) -> list[str]:
    """What an answer says, for a failure's message: its form errors, or its start."""
    import re

    text = response.content.decode(errors="replace")
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', text, re.S)
    return [re.sub(r"<[^>]+>", " ", e).strip() for e in errors] or [text[:600]]


def _accepted_from_the_writer(world, name, route, url, body) -> None:
    """The body the refused writes carried is one its writer (village B's own user; on a
    public page, a visitor) gets through with, in the same state: a view that checked the
    form before the permission could not pass, and a body gone stale fails here."""
    from django.contrib.messages import ERROR, get_messages

    client = _writer(world, route)
    before = fingerprint()
    response = _send(client, name, _write_method(name), url, body())
    if route.b_refusal:
        said = [m.message for m in get_messages(response.wsgi_request)]
        said.append(response.content.decode())
        assert any(route.b_refusal in text for text in said), (name, response.status_code)
        assert changes(before, fingerprint()) == {}, name
        return
    said = _said(response)
    assert 200 <= response.status_code < 400, (name, response.status_code, said)
    errors = [m.message for m in get_messages(response.wsgi_request) if m.level >= ERROR]
    assert errors == [], (name, errors)
    assert b'class="errorlist' not in response.content, (name, said)
    shown = [m.message for m in get_messages(response.wsgi_request)]
    shown += [response.content.decode(), response.get("Location", "")]
    for words in route.shows:
        assert any(words in text for text in shown), (name, words, said)
    changed = changes(before, fingerprint())
    if route.changes_db:
        assert changed, f"{name}: accepted from its writer but wrote nothing"
    else:
        assert changed == {}, (name, changed)


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_objects_of_village_b_are_out_of_reach(world, name):
    """GET, then the route's write (with the body B's own user would send) as village A's
    clerk and as staff of village A holding every capability: refused, and nothing written;
    then the same write as village B's own user: accepted."""
    route = ROUTES[name]
    body = _prepared(world, route)
    url = reverse(name, kwargs=route.kwargs(world))
    methods = write_methods(name) or ("POST",)
    # Every persona logged in (and given an API token) first: logging in writes, the
    # requests below must not.
    callers = _logged_in(name, [world.clerk_a, *world.mighty])
    before = fingerprint()
    for who, caller, extra in callers:
        for method in ("GET", *methods):
            response = _send(caller, name, method, url, body(), **extra)
            assert response.status_code in (403, 404, 405), (
                name,
                who,
                method,
                response.status_code,
            )
    assert changes(before, fingerprint()) == {}, name
    if route.body:
        _accepted_from_the_writer(world, name, route, url, body)


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
    """GET as village A's clerk; a POST too where the route takes no write (the writes are
    sent with their bodies by test_writes_are_refused_to_everyone_else)."""
    kwargs = ROUTES[name].kwargs(world) if ROUTES[name].kwargs else {}
    url = reverse(name, kwargs=kwargs)
    login_as(client, world.clerk_a)
    for method in ("GET",) if write_methods(name) else ("GET", "POST"):
        response = _request(client, method, url)
        assert response.status_code in (403, 404, 405), (name, method, response.status_code)


def _without(world, capability: str) -> list:
    """One user of village B's station for each role that lacks `capability`."""
    from junjia.orgs.roles import capabilities_of

    return [
        make_staff(world.station_b, role, username=f"b_only_{role}")
        for role in Role.values
        if capability not in capabilities_of([role])
    ]


def _refused_callers(world, name, route) -> list[tuple[str, object, dict]]:
    """Who must be refused the write, each logged in (logging in writes; the requests must
    not): a visitor who is not logged in (on a public page only where the write needs a
    step the visitor has not taken); village A's staff where the body names village B's
    objects; village B's staff of each role without the capability the write needs. On
    API routes each user also by token."""
    from django.test import Client

    callers = []
    if route.kind != "public" or route.enter:
        callers.append(("a visitor", Client(), {}))
    if route.outsiders:
        users = list(route.outsiders(world))
    else:
        users = [world.clerk_a, *world.mighty] if route.kind == "list" else []
    if route.capability:
        users += _without(world, route.capability)
    return callers + _logged_in(name, users)


def _token_of(user):
    from junjia.orgs.models import ApiToken

    api_token_key(user, name="B 对接")
    return ApiToken.objects.get(user=user)


def _logged_in(name, users) -> list[tuple[str, object, dict]]:
    """A client per user, logged in; on API routes another with the user's token."""
    from django.test import Client

    callers = []
    for user in users:
        session = Client()
        login_as(session, user)
        callers.append((user.username, session, {}))
        if _api(name):
            auth = {"HTTP_AUTHORIZATION": f"Token {api_token_key(user)}"}
            callers.append((f"{user.username} (token)", Client(), auth))
    return callers


def _assert_refused(name, route, who, response) -> None:
    """A refusal: 401/403/404/405; a visitor sent to log in; else the route's own words
    (route.refusal), an API's field errors (400/409) or a page's form errors or error
    message — never a success."""
    from django.conf import settings
    from django.contrib.messages import ERROR, get_messages

    code = response.status_code
    where = (name, who, code)
    if code in (401, 403, 404, 405):
        return
    if who == "a visitor" and code == 302 and response.url.startswith(settings.LOGIN_URL):
        return
    said = list(get_messages(response.wsgi_request))
    if route.refusal:
        texts = [m.message for m in said] + [response.content.decode()]
        assert any(route.refusal in text for text in texts), where
        return
    if _api(name):
        assert code in (400, 409), (*where, _said(response))
        return
    errors = [m.message for m in said if m.level >= ERROR]
    form_errors = code in (200, 400) and b'class="errorlist' in response.content
    assert errors or form_errors, (*where, _said(response))


@pytest.mark.parametrize("name", OTHER_WRITES)
def test_writes_are_refused_to_everyone_else(world, name):
    """The write of a creation form, capability-gated page, one's own account or public
    page, with the body that succeeds for its writer, sent first by everyone who may not
    write it (_refused_callers): refused, and nothing written; then by the writer:
    accepted."""
    route = ROUTES[name]
    body = _prepared(world, route)
    url = reverse(name, kwargs=route.kwargs(world) if route.kwargs else {})
    method = _write_method(name)
    callers = _refused_callers(world, name, route)
    before = fingerprint()
    for who, caller, extra in callers:
        _assert_refused(name, route, who, _send(caller, name, method, url, body(), **extra))
    assert changes(before, fingerprint()) == {}, name
    _accepted_from_the_writer(world, name, route, url, body)


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

"""Rate limits on the public pages (junjia/core/ratelimit.py): a fixed window per address
and route, answered with a Chinese 429 page."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from junjia.core import ratelimit
from junjia.portal import views

from .helpers import NUMBER

pytestmark = pytest.mark.django_db


def request_from(ip):
    return RequestFactory().get("/public/", REMOTE_ADDR=ip)


def test_a_window_allows_the_limit_then_refuses(monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_000_020.0)

    verdicts = [ratelimit.hit(request_from("10.0.0.1"), "t", limit=3, window=60) for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.count for v in verdicts] == [1, 2, 3, 4]
    assert verdicts[-1].retry_after == 60 - (1_000_020 % 60)


def test_the_next_window_starts_afresh(monkeypatch):
    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    for _ in range(3):
        ratelimit.hit(request_from("10.0.0.1"), "t", limit=2, window=60)

    now[0] += 60

    assert ratelimit.hit(request_from("10.0.0.1"), "t", limit=2, window=60).allowed


def test_addresses_and_scopes_are_counted_apart():
    for _ in range(2):
        ratelimit.hit(request_from("10.0.0.1"), "a", limit=2, window=60)

    assert not ratelimit.hit(request_from("10.0.0.1"), "a", limit=2, window=60).allowed
    assert ratelimit.hit(request_from("10.0.0.2"), "a", limit=2, window=60).allowed
    assert ratelimit.hit(request_from("10.0.0.1"), "b", limit=2, window=60).allowed


def test_a_public_page_answers_429_in_chinese(client, settings):
    settings.JUNJIA_RATELIMITS = {"portal:guide_list": (3, 60)}

    codes = [client.get("/public/guides/").status_code for _ in range(4)]
    refused = client.get("/public/guides/")

    assert codes == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert "访问过于频繁" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 60
    # another route is still open to the same address
    assert client.get("/public/").status_code == 200


def test_guessing_appointments_is_cut_short(client, settings):
    settings.JUNJIA_RATELIMITS = {"portal.appointment_lookup.post": (2, 60)}
    data = {"code": "ABCDEFGH", "id_number": NUMBER}

    codes = [client.post("/public/appointment/", data).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert client.get("/public/appointment/").status_code == 200  # reading the form is not


def test_every_public_route_is_rate_limited(client, settings, tree):
    names = [f"portal:{name}" for name in _portal_names()]
    settings.JUNJIA_RATELIMITS = {name: (0, 60) for name in names}
    kwargs = {
        "portal:guide_detail": {"code": "x"},
        "portal:book": {"pk": tree.stations.village_a.pk},
        "portal:rate": {"token": "x"},
    }

    answers = {
        name: client.get(reverse(name, kwargs=kwargs.get(name))).status_code for name in names
    }

    assert answers == {name: 429 for name in names}
    assert len(names) == 12


def _portal_names() -> list[str]:
    from junjia.portal.urls import urlpatterns

    return [p.name for p in urlpatterns]


def test_the_shared_database_cache_counts_too(client, settings):
    """The configured cache (the database table `junjia_cache`) works: the table exists."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "junjia_cache",
        }
    }
    settings.JUNJIA_RATELIMITS = {"portal:home": (1, 60)}

    assert [client.get("/public/").status_code for _ in range(2)] == [200, 429]


def test_the_429_page_is_the_portal_page(client, settings):
    settings.JUNJIA_RATELIMITS = {"portal:home": (0, 60)}

    body = client.get("/public/").content.decode()

    assert views.READS_PER_MINUTE == 120
    assert "portal/portal.css" in body and "sidenav" not in body

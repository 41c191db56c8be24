"""Personal API tokens (issue 12 §3): created, listed and revoked by their owner on the page
and through the session API; refused when expired, revoked, of a disabled account or of an
administrator; the key is kept only as a digest and never audited or logged."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

from junjia.core import clock
from junjia.core.models import AuditEntry
from junjia.orgs import services, token_services
from junjia.orgs.models import ApiToken
from junjia.orgs.tests.helpers import api_token_key, login_as

pytestmark = pytest.mark.django_db

MAX_DAYS = 365


def in_days(days: int) -> dt.date:
    return clock.today() + dt.timedelta(days=days)


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_api(user) -> APIClient:
    client = APIClient()
    login_as(client, user)
    return client


# --- the rules --------------------------------------------------------------------------------


def test_create_returns_the_key_once_and_stores_only_its_digest(personas):
    token, key = token_services.token_create(
        actor=personas.clerk_a, name="区对接系统", expires_on=in_days(30)
    )
    assert key.startswith("jj_") and len(key) > 40
    assert token.prefix == key[: token_services.PREFIX_LENGTH]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in repr(stored)
    assert stored["key_digest"] == token_services.digest(key)
    assert token_services.token_status(token) == "有效"


def test_create_and_revoke_are_audited_without_the_key(personas):
    token, key = token_services.token_create(
        actor=personas.clerk_a, name="区对接系统", expires_on=in_days(30)
    )
    token_services.token_revoke(actor=personas.clerk_a, token=token)
    rows = AuditEntry.objects.filter(object_type="orgs.apitoken", object_id=str(token.pk))
    assert [r.action for r in rows.order_by("pk")] == ["create", "update"]
    assert all(r.actor_name == "clerk_a" for r in rows)
    for row in rows:
        text = repr((row.changes, row.extra, row.object_repr))
        assert key not in text and token.key_digest not in text
    assert rows.order_by("pk").first().changes["name"] == [None, "区对接系统"]


@pytest.mark.parametrize(
    ("expires_on", "message"),
    [
        (None, "请填写有效期。"),
        (0, "有效期须晚于今天。"),
        (-3, "有效期须晚于今天。"),
        (MAX_DAYS + 1, "有效期最长为 365 天"),
    ],
)
def test_expiry_is_required_and_at_most_the_maximum(personas, expires_on, message):
    from junjia.core.errors import InvalidInput

    day = None if expires_on is None else in_days(expires_on)
    with pytest.raises(InvalidInput, match=message) as caught:
        token_services.token_create(actor=personas.clerk_a, name="x", expires_on=day)
    assert caught.value.field == "expires_on"
    assert not ApiToken.objects.exists()


def test_the_maximum_itself_is_allowed_and_follows_the_setting(personas, settings):
    token_services.token_create(actor=personas.clerk_a, name="x", expires_on=in_days(MAX_DAYS))
    settings.JUNJIA_API_TOKEN_MAX_DAYS = 90
    from junjia.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="最长为 90 天"):
        token_services.token_create(actor=personas.clerk_a, name="y", expires_on=in_days(91))


def test_administrators_may_not_create_tokens(personas):
    from junjia.core.errors import NotPermitted

    for admin in (personas.sysadmin, personas.secadmin, personas.auditor):
        with pytest.raises(NotPermitted, match="管理员账号不能使用接口令牌"):
            token_services.token_create(actor=admin, name="x", expires_on=in_days(30))
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_persons_token(personas):
    from junjia.core.errors import NotPermitted

    token, _ = token_services.token_create(actor=personas.clerk_b, name="x", expires_on=in_days(30))
    with pytest.raises(NotPermitted):
        token_services.token_revoke(actor=personas.head_county, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


# --- the authentication -----------------------------------------------------------------------


def test_a_valid_token_authenticates_and_notes_its_use_once_a_minute(personas):
    key = api_token_key(personas.clerk_a)
    token = ApiToken.objects.get()
    with freeze_time("2026-05-11 09:00:00"):
        response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "clerk_a"
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with freeze_time("2026-05-11 09:00:30"):
        with_token(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == first
    with freeze_time("2026-05-11 09:01:30"):
        with_token(key).get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_an_expired_token_is_refused(personas):
    key = api_token_key(personas.clerk_a, days=3)
    token = ApiToken.objects.get()
    with freeze_time(token.expires_on):
        assert with_token(key).get("/api/v1/me/").status_code == 200
    with freeze_time(token.expires_on + dt.timedelta(days=1)):
        response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "接口令牌已过期。"


def test_a_revoked_token_is_refused(personas):
    key = api_token_key(personas.clerk_a)
    token_services.token_revoke(actor=personas.clerk_a, token=ApiToken.objects.get())
    response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "接口令牌已撤销。"


def test_an_unknown_or_malformed_token_is_refused(personas):
    for key in ("jj_nothing", "0123456789abcdef0123456789abcdef01234567"):
        response = with_token(key).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["detail"] == "接口令牌无效。"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_disabled_account_is_refused_and_its_tokens_revoked(personas):
    key = api_token_key(personas.clerk_a)
    personas.clerk_a.is_active = False
    personas.clerk_a.save(update_fields=["is_active"])
    response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "账号已停用。"
    personas.clerk_a.is_active = True
    personas.clerk_a.save(update_fields=["is_active"])
    services.staff_set_active(actor=personas.sysadmin, user=personas.clerk_a, active=False)
    assert ApiToken.objects.get().revoked_at is not None


def test_an_administrators_token_is_refused_with_403(personas):
    for admin in (personas.sysadmin, personas.secadmin, personas.auditor):
        response = with_token(api_token_key(admin)).get("/api/v1/me/")
        assert response.status_code == 403
        assert response.json()["detail"] == "管理员账号不能使用接口令牌"


def test_the_key_is_never_logged(personas, caplog):
    caplog.set_level(logging.DEBUG)
    client = session_api(personas.clerk_a)
    created = client.post(
        "/api/v1/me/tokens/", {"name": "对接", "expires_on": in_days(10).isoformat()}
    )
    key = created.json()["key"]
    with_token(key).get("/api/v1/me/")
    with_token(key + "x").get("/api/v1/me/")
    assert key not in caplog.text


# --- the session API --------------------------------------------------------------------------


def test_api_creates_lists_and_revokes_the_callers_own_tokens(personas):
    client = session_api(personas.clerk_a)
    response = client.post(
        "/api/v1/me/tokens/", {"name": "区对接系统", "expires_on": in_days(30).isoformat()}
    )
    assert response.status_code == 201
    created = response.json()
    assert created["status"] == "有效" and created["key"].startswith(created["prefix"])
    listed = client.get("/api/v1/me/tokens/").json()
    assert [t["name"] for t in listed] == ["区对接系统"]
    assert "key" not in listed[0]
    assert with_token(created["key"]).get("/api/v1/me/").status_code == 200
    response = client.post(f"/api/v1/me/tokens/{created['id']}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == "已撤销"
    assert with_token(created["key"]).get("/api/v1/me/").status_code == 401
    again = client.post(f"/api/v1/me/tokens/{created['id']}/revoke/")
    assert again.status_code == 400
    assert session_api(personas.clerk_b).get("/api/v1/me/tokens/").json() == []
    other = session_api(personas.clerk_b).post(f"/api/v1/me/tokens/{created['id']}/revoke/")
    assert other.status_code == 403


def test_api_refuses_a_too_distant_expiry_and_an_administrator(personas):
    response = session_api(personas.clerk_a).post(
        "/api/v1/me/tokens/", {"name": "x", "expires_on": in_days(MAX_DAYS + 1).isoformat()}
    )
    assert response.status_code == 400
    assert "expires_on" in response.json()
    response = session_api(personas.auditor).post(
        "/api/v1/me/tokens/", {"name": "x", "expires_on": in_days(30).isoformat()}
    )
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_cannot_mint_list_or_revoke_tokens(personas):
    key = api_token_key(personas.clerk_a)
    client = with_token(key)
    body = {"name": "x", "expires_on": in_days(30).isoformat()}
    assert client.post("/api/v1/me/tokens/", body).status_code in (401, 403)
    assert client.get("/api/v1/me/tokens/").status_code in (401, 403)
    pk = ApiToken.objects.get().pk
    assert client.post(f"/api/v1/me/tokens/{pk}/revoke/").status_code in (401, 403)
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().revoked_at is None


# --- the page ---------------------------------------------------------------------------------


def test_page_creates_shows_the_key_once_lists_and_revokes(client, personas):
    login_as(client, personas.clerk_a)
    url = reverse("api_tokens")
    response = client.post(url, {"name": "区对接系统", "expires_on": in_days(30).isoformat()})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    page = client.get(url).content.decode()
    assert key not in page
    token = ApiToken.objects.get()
    assert "区对接系统" in page and token.prefix in page and "从未使用" in page
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "已撤销" in client.get(url).content.decode()
    login_as(client, personas.clerk_b)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 403


def test_page_shows_the_form_errors(client, personas):
    login_as(client, personas.clerk_a)
    response = client.post(
        reverse("api_tokens"), {"name": "x", "expires_on": in_days(MAX_DAYS + 5).isoformat()}
    )
    assert response.status_code == 400
    assert "有效期最长为 365 天" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_page_tells_an_administrator_tokens_are_not_for_them(client, personas):
    login_as(client, personas.secadmin)
    response = client.get(reverse("api_tokens"))
    text = response.content.decode()
    assert "管理员账号不能使用接口令牌" in text
    assert "创建令牌" not in text
    response = client.post(
        reverse("api_tokens"), {"name": "x", "expires_on": in_days(30).isoformat()}
    )
    assert "管理员账号不能使用接口令牌" in response.content.decode()
    assert not ApiToken.objects.exists()

"""REST API of orgs: the same scoping, rules and audit as the pages."""

import pytest
from rest_framework.test import APIClient

from junjia.core.models import AuditEntry
from junjia.orgs.tests.helpers import api_token_key, login_as

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def test_anonymous_gets_401_or_403(tree):
    response = APIClient().get("/api/v1/regions/")
    assert response.status_code in (401, 403)


def test_region_list_is_the_users_subtree(personas):
    data = api_for(personas.reviewer_town).get("/api/v1/regions/").json()
    assert [r["code"] for r in data["results"]] == ["370202001000", "370202001001", "370202001002"]


def test_region_list_filters(personas):
    client = api_for(personas.head_county)
    data = client.get("/api/v1/regions/", {"parent": "370202", "level": 4}).json()
    assert [r["name"] for r in data["results"]] == ["甲街道", "乙街道"]
    data = client.get("/api/v1/regions/", {"q": "3702020020"}).json()
    assert [r["code"] for r in data["results"]] == ["370202002000", "370202002001"]


def test_region_detail_outside_jurisdiction_is_404(personas):
    client = api_for(personas.clerk_a)
    assert client.get("/api/v1/regions/370202001001/").status_code == 200
    assert client.get("/api/v1/regions/370202001002/").status_code == 404


def test_station_patch_applies_rules_and_audits(personas, tree):
    client = api_for(personas.head_a)
    url = f"/api/v1/stations/{tree.stations.village_a.pk}/"
    response = client.patch(url, {"authorised_posts": 2, "filled_posts": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["filled_posts"] == ["在编在岗人数不能超过核定编制数。"]
    response = client.patch(url, {"authorised_posts": 10, "filled_posts": 8}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["fill_rate"] == "0.8000" and body["fill_rate_below_standard"] is True
    assert AuditEntry.objects.filter(object_type="orgs.station", action="update").count() == 1


def test_clerk_cannot_patch_and_nothing_changes(personas, tree):
    client = api_for(personas.clerk_a)
    station = tree.stations.village_a
    response = client.patch(f"/api/v1/stations/{station.pk}/", {"phone": "1"}, format="json")
    assert response.status_code == 404
    station.refresh_from_db()
    assert station.phone == ""


def test_me_shows_roles_and_jurisdiction(personas):
    data = api_for(personas.clerk_a).get("/api/v1/me/").json()
    assert data["roles"] == ["clerk"]
    assert data["jurisdiction"]["code"] == "370202001001"


def test_schema_lists_the_routes(personas):
    response = api_for(personas.clerk_a).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = (
        response.json()["paths"] if response["Content-Type"].startswith("application/json") else {}
    )
    if not paths:
        import yaml

        paths = yaml.safe_load(response.content)["paths"]
    assert {"/api/v1/regions/", "/api/v1/stations/{id}/", "/api/v1/me/"} <= set(paths)


def test_docs_page_is_served_locally(client, personas):
    from junjia.orgs.tests.helpers import login_as

    login_as(client, personas.clerk_a)
    body = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in body
    assert "cdn" not in body.lower()


def test_token_of_a_user_who_must_change_password_is_refused(personas):
    user = personas.clerk_a
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = api_for(user).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["detail"] == "首次登录须先修改密码。"


def test_admin_roles_cannot_use_tokens(personas):
    response = api_for(personas.auditor).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["detail"] == "管理员账号不能使用接口令牌"


# --- roles (三员分立): the same service, refusals in the API's shape -------------------------


def session_api(user) -> APIClient:
    """Administrators use the API through a session with the second factor, not a token."""
    client = APIClient()
    login_as(client, user)
    return client


def test_the_security_administrator_grants_roles_through_the_api(personas):
    response = session_api(personas.secadmin).put(
        f"/api/v1/staff/{personas.clerk_a.pk}/roles/", {"roles": ["reviewer"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"username": "clerk_a", "roles": ["reviewer"]}


def test_the_system_administrator_is_refused_with_403_and_the_refusal_audited(personas):
    response = session_api(personas.sysadmin).put(
        f"/api/v1/staff/{personas.clerk_a.pk}/roles/", {"roles": ["audit_admin"]}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "只有安全管理员可以授予或撤销角色。"}
    assert personas.clerk_a.role_codes == frozenset({"clerk"})
    assert AuditEntry.objects.filter(action="security.refused").count() == 1


def test_an_administrator_and_a_business_role_together_are_a_400_under_roles(personas):
    response = session_api(personas.secadmin).put(
        f"/api/v1/staff/{personas.clerk_a.pk}/roles/",
        {"roles": ["security_admin", "clerk"]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["roles"]
    assert "三员分立" in response.json()["roles"][0]

"""Staff pages under 三员分立: the system administrator's account pages, the security
administrator's role page, and how a refused write is answered (message, status, audit)."""

import pytest
from django.urls import reverse

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import errors
from junjia.orgs.choices import Role
from junjia.orgs.models import User
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(tree):
    return make_staff(tree.stations.county, username="fresh", full_name="新来的")


def refusals():
    return list(AuditEntry.objects.filter(action=AuditAction.REFUSED))


def test_the_staff_list_shows_accounts_awaiting_roles(client, personas, fresh):
    login_as(client, personas.secadmin)

    response = client.get(reverse("orgs:staff_list"), {"role": "none"})

    body = response.content.decode()
    assert response.status_code == 200
    assert [u.username for u in response.context["page"]] == ["fresh"]
    assert '<span class="badge warn">待授权</span>' in body


def test_the_security_administrator_grants_a_role_on_the_page(client, personas, fresh):
    login_as(client, personas.secadmin)
    detail = client.get(reverse("orgs:staff_detail", args=[fresh.pk])).content.decode()
    assert "授予角色" in detail and "尚无角色，须由安全管理员授予" in detail

    response = client.post(reverse("orgs:staff_roles", args=[fresh.pk]), {"roles": ["clerk"]})

    assert response.status_code == 302
    assert User.objects.get(pk=fresh.pk).role_codes == frozenset({Role.CLERK})


def test_the_security_administrator_cannot_open_their_own_role_page(client, personas):
    login_as(client, personas.secadmin)

    response = client.get(reverse("orgs:staff_roles", args=[personas.secadmin.pk]))

    assert response.status_code == 403
    detail = client.get(reverse("orgs:staff_detail", args=[personas.secadmin.pk]))
    assert "授予角色" not in detail.content.decode()


def test_the_system_administrator_grants_no_role_and_the_attempt_is_audited(
    client, personas, fresh
):
    login_as(client, personas.sysadmin)
    assert client.get(reverse("orgs:staff_roles", args=[fresh.pk])).status_code == 403

    response = client.post(reverse("orgs:staff_roles", args=[fresh.pk]), {"roles": ["audit_admin"]})

    assert response.status_code == 403
    assert errors.ONLY_SECURITY_ADMIN_GRANTS_ROLES in response.content.decode()
    assert User.objects.get(pk=fresh.pk).role_codes == frozenset()
    [row] = refusals()
    assert (row.actor_id, row.object_id) == (personas.sysadmin.pk, str(fresh.pk))


def test_the_security_administrator_creates_no_account_and_the_attempt_is_audited(
    client, personas, tree
):
    login_as(client, personas.secadmin)
    assert client.get(reverse("orgs:staff_create")).status_code == 403

    response = client.post(
        reverse("orgs:staff_create"),
        {"username": "puppet", "full_name": "傀儡", "station": tree.stations.city.pk},
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="puppet").exists()
    [row] = refusals()
    assert (row.actor_id, row.extra["attempt"]) == (personas.secadmin.pk, "新增账号")


def test_the_system_administrator_cannot_disable_the_auditor(client, personas):
    login_as(client, personas.sysadmin)
    detail = client.get(reverse("orgs:staff_detail", args=[personas.auditor.pk]))
    assert "停用账号" not in detail.content.decode()

    response = client.post(
        reverse("orgs:staff_set_active", args=[personas.auditor.pk]), {"active": "0"}
    )

    assert response.status_code == 403
    assert errors.AUDIT_ADMIN_PROTECTED in response.content.decode()
    assert User.objects.get(pk=personas.auditor.pk).is_active
    [row] = refusals()
    assert row.extra["attempt"] == "停用账号"
    assert client.get(reverse("orgs:staff_edit", args=[personas.auditor.pk])).status_code == 403


def test_the_auditor_reads_the_refusals_in_the_audit_log(client, personas, fresh):
    login_as(client, personas.sysadmin)
    client.post(reverse("orgs:staff_roles", args=[fresh.pk]), {"roles": ["clerk"]})
    client.logout()
    login_as(client, personas.auditor)

    response = client.get(reverse("orgs:audit_log"), {"action": "security.refused"})

    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row.actor_name, row.extra["reason"]) == (
        "sysadmin",
        errors.ONLY_SECURITY_ADMIN_GRANTS_ROLES,
    )
    body = response.content.decode()
    assert f"<strong>拒绝原因</strong>：{errors.ONLY_SECURITY_ADMIN_GRANTS_ROLES}" in body


def test_the_auditors_role_page_stays_shut_to_the_security_administrator(client, personas):
    login_as(client, personas.secadmin)

    detail = client.get(reverse("orgs:staff_detail", args=[personas.auditor.pk]))
    response = client.get(reverse("orgs:staff_roles", args=[personas.auditor.pk]))

    assert "授予角色" not in detail.content.decode()
    assert response.status_code == 403

"""The security administrator's pages: policy, lock-outs, second-factor reset."""

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django_otp.plugins.otp_totp.models import TOTPDevice

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import auth_services
from junjia.orgs.auth_selectors import lockouts_for_actor
from junjia.orgs.models import SecurityPolicy
from junjia.orgs.tests.helpers import PASSWORD, confirmed_totp_device, login_as, make_world

pytestmark = pytest.mark.django_db

POLICY = "/security/policy/"
LOCKOUTS = "/security/lockouts/"
RELEASE = "/security/lockouts/release/"
SECOND_FACTOR = "/security/second-factor/"

POLICY_FORM = {
    "min_length": 12,
    "min_classes": 3,
    "max_age_days": 90,
    "history_count": 5,
    "lockout_failures": 5,
    "lockout_minutes": 10,
    "idle_minutes": 30,
}


@pytest.fixture
def world():
    return make_world()


def policy_values() -> dict:
    policy = SecurityPolicy.current()
    return {name: getattr(policy, name) for name in POLICY_FORM}


def lock(client_factory, username: str, times: int = 5) -> None:
    anonymous = client_factory()
    for _ in range(times):
        anonymous.post("/accounts/login/", {"username": username, "password": "Wrong-Password-1"})


# --- who may enter ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk", "system_admin", "audit_admin"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", POLICY),
        ("post", POLICY),
        ("get", LOCKOUTS),
        ("post", RELEASE),
        ("get", SECOND_FACTOR),
        ("post", "/security/second-factor/{pk}/reset/"),
    ],
)
def test_only_the_security_administrator_may_enter(client, world, persona, method, path):
    login_as(client, getattr(world, persona))
    device = confirmed_totp_device(world.system_admin)
    lock(type(client), "clerk_b")
    before = (policy_values(), AccessAttempt.objects.count(), TOTPDevice.objects.count())
    data = {**POLICY_FORM, "min_length": 20, "username": "clerk_b"}

    response = getattr(client, method)(path.format(pk=world.system_admin.pk), data)

    assert response.status_code == 403
    assert (policy_values(), AccessAttempt.objects.count(), TOTPDevice.objects.count()) == before
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get(POLICY)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/security/policy/"


def test_nav_shows_the_security_pages_to_the_security_administrator_only(client, world):
    login_as(client, world.security_admin)
    html = client.get(POLICY).content.decode()
    assert 'href="/security/policy/"' in html
    assert 'href="/security/lockouts/"' in html

    login_as(client, world.clerk)
    html = client.get("/accounts/password/").content.decode()
    assert 'href="/security/policy/"' not in html


# --- the policy ---------------------------------------------------------------------------


def test_policy_page_shows_the_current_numbers(client, world):
    login_as(client, world.security_admin)

    response = client.get(POLICY)

    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form[name].value() for name in POLICY_FORM} == {
        "min_length": 10,
        "min_classes": 3,
        "max_age_days": 90,
        "history_count": 5,
        "lockout_failures": 5,
        "lockout_minutes": 10,
        "idle_minutes": 30,
    }


def test_policy_change_is_saved_and_audited_with_before_and_after(client, world):
    admin = world.security_admin
    login_as(client, admin)

    response = client.post(POLICY, {**POLICY_FORM, "min_length": 12, "idle_minutes": 15})

    assert response.status_code == 302
    assert response["Location"] == POLICY
    assert policy_values() == {**POLICY_FORM, "min_length": 12, "idle_minutes": 15}
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert entry.actor_id == admin.pk
    assert entry.object_type == "orgs.securitypolicy"
    assert entry.changes == {"idle_minutes": [30, 15], "min_length": [10, 12]}
    assert entry.extra["event"] == "修改安全策略"


def test_saving_an_unchanged_policy_writes_no_audit_row(client, world):
    login_as(client, world.security_admin)

    client.post(POLICY, {**POLICY_FORM, "min_length": 10})

    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("min_length", 7), ("min_classes", 5), ("lockout_failures", 2), ("idle_minutes", 481)],
)
def test_out_of_range_policy_is_refused_and_nothing_changes(client, world, field, value):
    login_as(client, world.security_admin)
    before = policy_values()

    response = client.post(POLICY, {**POLICY_FORM, field: value})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert policy_values() == before
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


# --- lock-outs ----------------------------------------------------------------------------


def test_lockouts_page_lists_the_locked_account(client, world):
    lock(type(client), "clerk")
    lock(type(client), "clerk_b", times=2)
    login_as(client, world.security_admin)

    response = client.get(LOCKOUTS)

    rows = [(r.username, r.failures, r.locked) for r in response.context["lockouts"]]
    # clerk_b is in the neighbouring district, outside this security administrator's reach.
    assert rows == [("clerk", 5, True)]
    assert "已锁定" in response.content.decode()


def test_city_security_administrator_sees_both_districts_and_unknown_names(world, client):
    lock(type(client), "clerk")
    lock(type(client), "clerk_b", times=2)
    lock(type(client), "ghost", times=1)

    rows = [
        (r.username, r.failures, r.locked) for r in lockouts_for_actor(world.city_security_admin)
    ]

    assert rows[0] == ("clerk", 5, True)
    assert sorted(rows[1:]) == [("clerk_b", 2, False), ("ghost", 1, False)]


def test_unlock_lets_the_person_log_in_and_is_audited(client, world):
    lock(type(client), "clerk")
    admin = world.security_admin
    login_as(client, admin)

    response = client.post(RELEASE, {"username": "clerk"})

    assert response.status_code == 302
    assert response["Location"] == LOCKOUTS
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor_id, entry.object_repr, entry.object_id) == (
        admin.pk,
        "clerk",
        str(world.clerk.pk),
    )
    assert entry.extra["event"] == "解除登录锁定"
    person = type(client)()
    assert (
        person.post("/accounts/login/", {"username": "clerk", "password": PASSWORD}).status_code
        == 302
    )


def test_unlock_outside_the_jurisdiction_is_refused(client, world):
    lock(type(client), "clerk_b")
    login_as(client, world.security_admin)

    response = client.post(RELEASE, {"username": "clerk_b"}, follow=True)

    assert "账号 clerk_b 不在您的辖区内。" in response.content.decode()
    assert AccessAttempt.objects.filter(username="clerk_b").count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


def test_unlock_refuses_get(client, world):
    login_as(client, world.security_admin)

    assert client.get(RELEASE).status_code == 405


# --- second factor ------------------------------------------------------------------------


def test_second_factor_page_lists_administrators_in_the_jurisdiction(client, world):
    confirmed_totp_device(world.system_admin)
    login_as(client, world.city_security_admin)

    response = client.get(SECOND_FACTOR)

    rows = {r.user.username: (r.required, r.confirmed) for r in response.context["rows"]}
    assert rows == {
        "sysadmin": (True, True),
        "auditadmin": (True, False),
        "secadmin_city": (True, True),
        "secadmin": (True, False),
    }


def test_reset_removes_the_device_ends_sessions_and_is_audited(client, world):
    target = world.system_admin
    other = type(client)()
    login_as(other, target)
    target_key = other.session.session_key
    admin = world.city_security_admin
    login_as(client, admin)

    response = client.post(f"/security/second-factor/{target.pk}/reset/")

    assert response.status_code == 302
    assert response["Location"] == SECOND_FACTOR
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert not Session.objects.filter(session_key=target_key).exists()
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor_id, entry.object_id, entry.extra["event"]) == (
        admin.pk,
        str(target.pk),
        "重置二次验证",
    )


def test_reset_outside_the_jurisdiction_is_not_found(client, world):
    target = world.system_admin  # at the city station, above the district administrator
    device = confirmed_totp_device(target)
    login_as(client, world.security_admin)

    response = client.post(f"/security/second-factor/{target.pk}/reset/")

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


def test_reset_of_ones_own_second_factor_is_refused(client, world):
    admin = world.security_admin
    login_as(client, admin)
    device = TOTPDevice.objects.get(user=admin)

    response = client.post(f"/security/second-factor/{admin.pk}/reset/", follow=True)

    assert "不能重置自己的二次验证" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


def test_services_refuse_a_clerk(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        auth_services.security_policy_update(actor=world.clerk, data={"min_length": 20})
    with pytest.raises(PermissionDenied):
        auth_services.lockout_release(actor=world.clerk, username="clerk")
    with pytest.raises(PermissionDenied):
        auth_services.otp_reset(actor=world.clerk, user=world.system_admin)
    assert SecurityPolicy.current().min_length == 10

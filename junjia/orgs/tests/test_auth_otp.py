"""The TOTP second factor for the three administrator roles (三员; GB/T 22239-2019
§8.1.4.1 d: 采用两种或两种以上组合的鉴别技术)."""

import datetime as dt
from base64 import b32encode

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import auth_services
from junjia.orgs.errors import OrgsError
from junjia.orgs.tests.helpers import (
    PASSWORD,
    confirmed_totp_device,
    current_code,
    login_as,
    make_world,
)

pytestmark = pytest.mark.django_db

SETUP = "/accounts/otp/setup/"
VERIFY = "/accounts/otp/verify/"
PAGE = "/security/policy/"


@pytest.fixture
def world():
    return make_world()


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


# --- who must pass it ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["system_admin", "security_admin", "audit_admin"])
def test_each_administrator_role_is_sent_to_the_second_factor(client, world, persona):
    login_as(client, getattr(world, persona), otp=False)

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == VERIFY + "?next=%2Fsecurity%2Fpolicy%2F"


def test_a_clerk_needs_no_second_factor(client, world):
    login_as(client, world.clerk)

    assert client.get("/some/page/").status_code == 404
    assert client.get(VERIFY)["Location"] == "/"
    assert client.get(SETUP)["Location"] == "/"
    assert not TOTPDevice.objects.exists()


def test_api_request_of_an_unverified_administrator_gets_a_json_403(client, world):
    login_as(client, world.system_admin, otp=False)

    response = client.get("/api/v1/regions/")

    assert response.status_code == 403
    assert response.json() == {"detail": "管理员账号须先完成二次验证（动态口令）。"}


def test_second_factor_comes_before_the_forced_password_change(client, world):
    admin = world.security_admin
    admin.must_change_password = True
    admin.save(update_fields=["must_change_password"])
    client.force_login(admin)

    assert client.get(PAGE)["Location"].startswith(VERIFY)
    # A stolen password alone must not be enough to change the password.
    assert client.get("/accounts/password/")["Location"].startswith(VERIFY)


# --- binding a device ---------------------------------------------------------------------


def test_without_a_device_verification_leads_to_setup(client, world):
    login_as(client, world.security_admin, otp=False)

    response = client.get(VERIFY + "?next=/security/policy/")

    assert response.status_code == 302
    assert response["Location"] == SETUP + "?next=%2Fsecurity%2Fpolicy%2F"


def test_setup_shows_a_qr_code_and_the_secret(client, world):
    login_as(client, world.security_admin, otp=False)

    response = client.get(SETUP)

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=world.security_admin)
    assert device.confirmed is False
    html = response.content.decode()
    assert '<svg viewBox="' in html
    assert "<script" not in html.split("</head>")[1]
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    # Reloading shows the same key.
    client.get(SETUP)
    assert list(TOTPDevice.objects.values_list("pk", flat=True)) == [device.pk]


def test_the_right_code_binds_the_device_and_verifies_the_session(client, world):
    admin = world.security_admin
    login_as(client, admin, otp=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin)

    response = client.post(SETUP, {"token": current_code(device), "next": PAGE})

    assert response.status_code == 302
    assert response["Location"] == PAGE
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(PAGE).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor_id, entry.extra["event"]) == (admin.pk, "绑定动态口令")


def test_a_wrong_code_does_not_bind_and_is_throttled(client, world):
    admin = world.security_admin
    login_as(client, admin, otp=False)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin)
    wrong = f"{(int(current_code(device)) + 500000) % 1000000:06d}"

    response = client.post(SETUP, {"token": wrong})
    again = client.post(SETUP, {"token": current_code(device)})

    assert response.status_code == 200
    assert response.context["form"].errors["token"] == ["动态口令不正确或已过期，请重新输入。"]
    assert again.context["form"].errors["token"][0].startswith("动态口令输错次数过多，请")
    device.refresh_from_db()
    assert (device.confirmed, device.throttling_failure_count) == (False, 1)
    assert not verified(client)


def test_a_malformed_code_is_refused_by_the_form(client, world):
    login_as(client, world.security_admin, otp=False)
    client.get(SETUP)

    response = client.post(SETUP, {"token": "12ab56"})

    assert response.context["form"].errors["token"] == ["请输入 6 位数字动态口令。"]
    assert TOTPDevice.objects.get().throttling_failure_count == 0


def test_a_bound_device_cannot_be_replaced_with_the_password_alone(client, world):
    admin = world.security_admin
    device = confirmed_totp_device(admin)
    login_as(client, admin, otp=False)

    response = client.get(SETUP)

    assert response["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.values_list("pk", flat=True)) == [device.pk]
    with pytest.raises(OrgsError):
        auth_services.otp_device_begin(actor=admin)


# --- verifying at each log-in -------------------------------------------------------------


def test_the_right_code_verifies_the_log_in(client, world):
    admin = world.system_admin
    device = confirmed_totp_device(admin)
    client.post("/accounts/login/", {"username": admin.username, "password": PASSWORD})
    assert client.get(PAGE)["Location"].startswith(VERIFY)

    response = client.post(VERIFY + "?next=/some/page/", {"token": current_code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/some/page/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/some/page/").status_code == 404  # past every gate


def test_a_code_cannot_be_used_twice(client, world):
    admin = world.system_admin
    device = confirmed_totp_device(admin)
    login_as(client, admin, otp=False)
    code = current_code(device)
    client.post(VERIFY, {"token": code})
    client.post("/accounts/logout/")
    login_as(client, admin, otp=False)

    response = client.post(VERIFY, {"token": code})

    assert response.status_code == 200
    assert not verified(client)


def test_a_wrong_code_is_refused_audited_and_throttled(client, world):
    admin = world.system_admin
    device = confirmed_totp_device(admin)
    login_as(client, admin, otp=False)
    wrong = f"{(int(current_code(device)) + 500000) % 1000000:06d}"

    first = client.post(VERIFY, {"token": wrong})
    second = client.post(VERIFY, {"token": current_code(device)})

    assert first.context["form"].errors["token"] == ["动态口令不正确或已过期，请重新输入。"]
    assert second.context["form"].errors["token"][0].startswith("动态口令输错次数过多，请")
    assert not verified(client)
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [(e.actor_id, e.object_repr, e.extra["stage"]) for e in entries] == [
        (admin.pk, admin.username, "二次验证"),
        (admin.pk, admin.username, "二次验证"),
    ]
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_after_the_throttle_delay_the_right_code_works(client, world):
    admin = world.system_admin
    device = confirmed_totp_device(admin)
    login_as(client, admin, otp=False)
    client.post(VERIFY, {"token": "000000" if current_code(device) != "000000" else "111111"})
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )

    response = client.post(VERIFY, {"token": current_code(device)})

    assert response.status_code == 302
    assert verified(client)


def test_verify_page_sends_the_verified_onwards(client, world):
    login_as(client, world.system_admin)

    assert client.get(VERIFY + "?next=/some/page/")["Location"] == "/some/page/"


def test_reset_device_makes_the_next_log_in_bind_again(client, world):
    admin = world.system_admin
    login_as(client, admin)
    key = client.session.session_key

    auth_services.otp_reset(actor=world.city_security_admin, user=admin)

    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")

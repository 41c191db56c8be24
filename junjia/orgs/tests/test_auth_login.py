"""Log-in, log-out, lock-out, idle timeout and disabled accounts (GB/T 22239-2019 §8.1.4.1)."""

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.utils import timezone

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import services
from junjia.orgs.middleware import LAST_SEEN
from junjia.orgs.models import SecurityPolicy, UserSession
from junjia.orgs.tests.helpers import PASSWORD, login_as, make_world

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def world():
    return make_world()


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- log-in -------------------------------------------------------------------------------


def test_login_page_is_chinese_and_shows_no_navigation(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>登录</h1>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'id="sidenav"' not in html


def test_login_records_the_session_and_an_audit_row(client, world):
    response = post_login(client, "clerk", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in(client)
    assert list(UserSession.objects.values_list("user_id", "session_key")) == [
        (world.clerk.pk, client.session.session_key)
    ]
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert (entry.actor_id, entry.object_id) == (world.clerk.pk, str(world.clerk.pk))


def test_wrong_password_gives_the_generic_message_and_is_audited(client, world):
    response = post_login(client, "clerk", "Wrong-Password-1")

    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert not logged_in(client)
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.actor_id is None
    assert entry.object_repr == "clerk"
    assert entry.object_id == str(world.clerk.pk)
    assert entry.region_key == world.county.key
    assert "Wrong-Password-1" not in json.dumps([entry.changes, entry.extra], ensure_ascii=False)


def test_unknown_username_gets_the_same_message_and_is_audited(client, world):
    response = post_login(client, "nobody", "Wrong-Password-1")

    assert "用户名或密码错误" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (entry.actor_id, entry.object_repr, entry.object_id) == (None, "nobody", "")


def test_empty_form_is_not_counted_as_a_log_in_attempt(client, world):
    response = post_login(client, "", "")

    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()


def test_disabled_account_gets_the_generic_message(client, world):
    world.clerk.is_active = False
    world.clerk.save(update_fields=["is_active"])

    response = post_login(client, "clerk", PASSWORD)

    assert "用户名或密码错误" in response.content.decode()
    assert not logged_in(client)


def test_timeout_query_explains_the_automatic_log_out(client):
    response = client.get(LOGIN + "?timeout=1")

    assert "长时间无操作，已自动退出，请重新登录" in response.content.decode()


# --- lock-out -----------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(4):
        assert post_login(client, "clerk", "Wrong-Password-1").status_code == 200

    fifth = post_login(client, "clerk", "Wrong-Password-1")
    sixth = post_login(client, "clerk", PASSWORD)

    assert fifth.status_code == 429
    assert "连续 5 次登录失败，账号已锁定 10 分钟" in fifth.content.decode()
    assert sixth.status_code == 429
    assert "连续 5 次登录失败，账号已锁定 10 分钟" in sixth.content.decode()
    assert not logged_in(client)
    assert not UserSession.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 6
    assert (
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, extra__locked_out=True).count()
        == 2
    )


def test_lock_out_is_per_account_not_per_client(client, world):
    for _ in range(5):
        post_login(client, "clerk", "Wrong-Password-1")

    response = post_login(client, "clerk_b", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)


def test_log_in_works_again_after_the_cool_off(client, world):
    for _ in range(5):
        post_login(client, "clerk", "Wrong-Password-1")
    assert post_login(client, "clerk", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=11))
    response = post_login(client, "clerk", PASSWORD)

    assert response.status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_still_locked_just_before_the_cool_off_ends(client, world):
    for _ in range(5):
        post_login(client, "clerk", "Wrong-Password-1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=9))

    assert post_login(client, "clerk", PASSWORD).status_code == 429
    assert not logged_in(client)


def test_lock_out_numbers_come_from_the_security_policy(client, world):
    SecurityPolicy.current()
    SecurityPolicy.objects.filter(pk=1).update(lockout_failures=3, lockout_minutes=30)

    statuses = [post_login(client, "clerk", "Wrong-Password-1").status_code for _ in range(3)]
    response = post_login(client, "clerk", PASSWORD)

    assert statuses == [200, 200, 429]
    assert "连续 3 次登录失败，账号已锁定 30 分钟" in response.content.decode()


def test_successful_log_in_clears_earlier_failures(client, world):
    for _ in range(4):
        post_login(client, "clerk", "Wrong-Password-1")

    assert post_login(client, "clerk", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="clerk").exists()


# --- log-out ------------------------------------------------------------------------------


def test_logout_refuses_get(client, world):
    login_as(client, world.clerk)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert logged_in(client)


def test_logout_ends_the_session_and_is_audited(client, world):
    post_login(client, "clerk", PASSWORD)
    key = client.session.session_key

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not logged_in(client)
    assert not UserSession.objects.exists()
    assert not Session.objects.filter(session_key=key).exists()
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert entry.actor_id == world.clerk.pk


# --- idle timeout -------------------------------------------------------------------------


def set_last_seen(client, minutes_ago: float) -> None:
    session = client.session
    session[LAST_SEEN] = timezone.now().timestamp() - minutes_ago * 60
    session.save()


def test_idle_session_is_logged_out_with_the_timeout_notice(client, world):
    login_as(client, world.clerk)
    set_last_seen(client, 31)

    response = client.get("/accounts/password/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN + "?timeout=1&next=%2Faccounts%2Fpassword%2F"
    assert not logged_in(client)
    assert not UserSession.objects.exists()
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert (entry.actor_id, entry.extra["reason"]) == (world.clerk.pk, "长时间无操作")


def test_activity_inside_the_idle_window_keeps_the_session(client, world):
    login_as(client, world.clerk)
    set_last_seen(client, 29)

    response = client.get("/accounts/password/")

    assert response.status_code == 200
    assert logged_in(client)
    assert client.session[LAST_SEEN] > timezone.now().timestamp() - 5


def test_idle_minutes_come_from_the_security_policy(client, world):
    SecurityPolicy.current()
    SecurityPolicy.objects.filter(pk=1).update(idle_minutes=10)
    login_as(client, world.clerk)
    set_last_seen(client, 11)

    response = client.get("/accounts/password/")

    assert response.status_code == 302
    assert not logged_in(client)


def test_idle_api_request_gets_a_json_403_in_chinese(client, world):
    login_as(client, world.clerk)
    set_last_seen(client, 31)

    response = client.get("/api/v1/anything/")

    assert response.status_code == 403
    assert response.json() == {"detail": "长时间无操作，已自动退出，请重新登录。"}
    assert not logged_in(client)


def test_idle_htmx_request_is_sent_to_the_login_page_whole(client, world):
    login_as(client, world.clerk)
    set_last_seen(client, 31)

    response = client.get("/accounts/password/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(LOGIN + "?timeout=1")


# --- disabled accounts --------------------------------------------------------------------


def test_disabling_an_account_ends_its_sessions_at_once(client, world):
    post_login(client, "clerk", PASSWORD)
    key = client.session.session_key
    assert client.get("/accounts/password/").status_code == 200

    services.staff_set_active(actor=world.system_admin, user=world.clerk, active=False)
    response = client.get("/accounts/password/")

    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=world.clerk).exists()
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not logged_in(client)


def test_inactive_user_with_a_surviving_session_is_still_refused(client, world):
    # Even if the session row were not deleted, ModelBackend refuses inactive users.
    login_as(client, world.clerk)
    type(world.clerk).objects.filter(pk=world.clerk.pk).update(is_active=False)

    response = client.get("/accounts/password/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)

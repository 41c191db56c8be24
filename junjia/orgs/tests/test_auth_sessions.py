"""Open sessions per account: the limit a new log-in enforces by ending the oldest, the notice
the ended browser then sees, and the sessions a lock-out or a disabled account ends."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import services
from junjia.orgs.auth_services import ENDED_ELSEWHERE
from junjia.orgs.models import UserSession
from junjia.orgs.tests.helpers import PASSWORD, make_world

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def world():
    return make_world()


def log_in(username: str) -> Client:
    """A browser of its own that logs in with the password."""
    browser = Client()
    response = browser.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def signed_in(browser: Client) -> bool:
    return Session.objects.filter(session_key=browser.cookies["sessionid"].value).exists()


def test_an_administrators_second_log_in_ends_the_first(world):
    # Failed before: any number of sessions per account, administrators included.
    first = log_in("sysadmin")
    second = log_in("sysadmin")

    assert not signed_in(first)
    assert signed_in(second)
    assert UserSession.objects.filter(user=world.system_admin, ended_at__isnull=True).count() == 1
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN).latest("id")
    assert entry.extra["sessions_ended"] == 1


def test_the_ended_browser_is_told_why_once(world, settings):
    settings.JUNJIA_MAX_SESSIONS = 1
    first = log_in("clerk")
    first_key = first.cookies["sessionid"].value
    log_in("clerk")

    response = first.get("/staff/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?elsewhere=1")
    page = first.get(response["Location"])
    assert ENDED_ELSEWHERE in page.content.decode()
    assert "您的账号已在其他地方登录" in ENDED_ELSEWHERE
    # Told once: the notice is spent.
    assert not UserSession.objects.filter(session_key=first_key).exists()
    assert first.get("/staff/")["Location"].startswith(f"{LOGIN}?next=")


def test_business_roles_keep_three_sessions_by_default(world):
    browsers = [log_in("clerk") for _ in range(4)]

    assert [signed_in(b) for b in browsers] == [False, True, True, True]


def test_the_limits_are_settings(world, settings):
    settings.JUNJIA_MAX_SESSIONS = 2
    settings.JUNJIA_MAX_ADMIN_SESSIONS = 2

    clerks = [log_in("clerk") for _ in range(3)]
    admins = [log_in("sysadmin") for _ in range(3)]

    assert [signed_in(b) for b in clerks] == [False, True, True]
    assert [signed_in(b) for b in admins] == [False, True, True]


def test_the_api_answers_an_ended_session_with_the_notice(world, settings):
    settings.JUNJIA_MAX_SESSIONS = 1
    first = log_in("clerk")
    log_in("clerk")

    response = first.get("/api/v1/me/")

    assert response.status_code == 403
    assert response.json() == {"detail": ENDED_ELSEWHERE}


def test_sessions_of_other_accounts_are_left_alone(world, settings):
    settings.JUNJIA_MAX_SESSIONS = 1
    clerk = log_in("clerk")
    log_in("clerk_b")

    assert signed_in(clerk)


def test_locking_an_account_ends_its_open_sessions(world):
    # Failed before: a lock-out stopped new log-ins only; the open session went on.
    browser = log_in("clerk")
    attacker = Client()

    for _ in range(5):
        attacker.post(LOGIN, {"username": "clerk", "password": "Wrong-Password-1"})

    assert not signed_in(browser)
    assert not UserSession.objects.filter(user=world.clerk).exists()
    locked = AuditEntry.objects.filter(
        action=AuditAction.LOGIN_FAILED, extra__locked_out=True
    ).latest("id")
    assert locked.extra["sessions_ended"] == 1
    assert browser.get("/staff/")["Location"].startswith(f"{LOGIN}?next=")


def test_disabling_an_account_ends_its_open_sessions(world):
    browsers = [log_in("clerk"), log_in("clerk")]

    services.staff_set_active(actor=world.system_admin, user=world.clerk, active=False)

    assert [signed_in(b) for b in browsers] == [False, False]
    assert not UserSession.objects.filter(user=world.clerk).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(world.clerk.pk))
    assert entry.latest("id").extra["sessions_ended"] == 2

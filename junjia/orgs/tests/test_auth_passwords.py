"""Password policy, forced change at first log-in, expiry and the change itself
(GB/T 22239-2019 §8.1.4.1 a: 口令具有复杂度要求并定期更换)."""

import datetime as dt
import json

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import auth_services
from junjia.orgs.models import PasswordHistory, SecurityPolicy, User, UserSession
from junjia.orgs.tests.helpers import PASSWORD, login_as, make_world

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/"


@pytest.fixture
def world():
    return make_world()


def messages_of(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


# --- the validators -----------------------------------------------------------------------


def test_a_strong_password_passes(world):
    assert messages_of("Qd-veteran-2026", world.clerk) == []


def test_too_short_is_refused(world):
    assert messages_of("Qd-vet-26", world.clerk) == ["密码至少需要 10 个字符。"]


def test_two_character_classes_are_not_enough(world):
    assert messages_of("qingdaojunjia2026", world.clerk) == [
        "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"
    ]


def test_common_password_is_refused(world):
    # "password123" is on Django's list of 20,000 common passwords (compared case-blind).
    assert messages_of("Password123", world.clerk) == ["这个密码太常见了。"]


COMMON_WORD = "密码不能由常见单词、拼音或键盘顺序加数字、符号组成，请换一个不易猜到的密码。"


@pytest.mark.parametrize(
    "password",
    [
        "Password123!",  # failed before: a common word with digits and a symbol passed
        "P@ssw0rd2024",
        "2024@Admin!",
        "Zhangsan@2024",
        "Woaini-1314",
        "Qwerty!2024",
        "Dr@g0n-2026",
        "Pa$$word#99",
    ],
)
def test_a_common_word_dressed_in_digits_and_symbols_is_refused(world, password):
    assert messages_of(password, world.clerk) == [COMMON_WORD]


@pytest.mark.parametrize("password", ["Qd-veteran-2026", "Xk9#mQ2$vLp7", "Laoshan-Hill-2026!"])
def test_a_password_not_built_on_one_common_word_passes(world, password):
    assert messages_of(password, world.clerk) == []


def test_length_is_capped_by_a_setting(world, settings):
    # Failed before: any length was hashed.
    long = "Qd-veteran-2026-" * 8  # 128 characters
    assert messages_of(long, world.clerk) == []
    assert messages_of(long + "x", world.clerk) == ["密码不能超过 128 个字符。"]
    settings.JUNJIA_PASSWORD_MAX_LENGTH = 64
    assert messages_of(long, world.clerk) == ["密码不能超过 64 个字符。"]


def test_length_and_classes_follow_the_policy(world):
    SecurityPolicy.current()
    SecurityPolicy.objects.filter(pk=1).update(min_length=14, min_classes=4)

    assert messages_of("Qd-veteran-26", world.clerk) == ["密码至少需要 14 个字符。"]
    assert messages_of("QdVeteran20262026", world.clerk) == [
        "密码须至少包含大写字母、小写字母、数字、符号中的 4 类。"
    ]


def change(user, password):
    return auth_services.password_change(actor=user, new_password=password, keep_session_key=None)


def test_none_of_the_last_five_passwords_may_be_reused(world):
    user = world.clerk
    used = [PASSWORD] + [f"Qd-veteran-{n}x" for n in range(1, 6)]
    for password in used[1:]:
        change(user, password)
    user.refresh_from_db()

    refused = [p for p in used if messages_of(p, user)]

    # used[-1] is the current password, used[1..4] the four before it; used[0] is the sixth
    # most recent and may come back.
    assert refused == used[1:]
    assert messages_of(used[1], user) == ["不能重复使用最近 5 次用过的密码。"]
    assert messages_of(used[0], user) == []


def test_history_length_follows_the_policy(world):
    SecurityPolicy.current()
    SecurityPolicy.objects.filter(pk=1).update(history_count=2)
    user = world.clerk
    change(user, "Qd-veteran-1x")
    change(user, "Qd-veteran-2x")
    user.refresh_from_db()

    assert messages_of(PASSWORD, user) == []
    assert messages_of("Qd-veteran-1x", user) == ["不能重复使用最近 2 次用过的密码。"]


def test_the_service_refuses_a_weak_password_and_changes_nothing(world):
    user = world.clerk
    before = user.password

    with pytest.raises(ValidationError):
        change(user, "short")

    user.refresh_from_db()
    assert user.password == before
    assert not PasswordHistory.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


# --- the forced change at first log-in ----------------------------------------------------


def first_login(client, user):
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    client.force_login(user)


@pytest.mark.parametrize("path", ["/", "/security/policy/", "/core/anything/", "/some/page/?q=1"])
def test_first_log_in_sends_every_page_to_the_password_change(client, world, path):
    first_login(client, world.clerk)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(CHANGE + "?next=")


def test_first_log_in_api_request_gets_a_json_403_in_chinese(client, world):
    first_login(client, world.clerk)

    response = client.get("/api/v1/regions/")

    assert response.status_code == 403
    assert response.json() == {"detail": "首次登录须先修改密码。"}


def test_first_log_in_post_is_redirected_without_a_next(client, world):
    first_login(client, world.clerk)

    response = client.post("/security/policy/", {"min_length": 8})

    assert response.status_code == 302
    assert response["Location"] == CHANGE


def test_the_change_page_shows_the_policy(client, world):
    first_login(client, world.clerk)

    html = client.get(CHANGE).content.decode()

    assert "首次登录须先修改密码。" in html
    assert "至少 10 个字符" in html
    assert "不能与最近 5 次用过的密码相同" in html
    assert "每 90 天须修改一次" in html


def test_changing_the_password_clears_the_flag_keeps_the_session_and_is_audited(client, world):
    user = world.clerk
    first_login(client, user)
    old_hash = User.objects.get(pk=user.pk).password

    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Qd-veteran-2026",
            "new_password2": "Qd-veteran-2026",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.check_password("Qd-veteran-2026")
    assert timezone.now() - user.password_changed_at < dt.timedelta(seconds=10)
    assert list(PasswordHistory.objects.values_list("user_id", "password")) == [(user.pk, old_hash)]
    # Still logged in, on a new session key that UserSession follows.
    assert client.get(CHANGE).status_code == 200
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor_id, entry.object_id) == (user.pk, str(user.pk))
    assert entry.extra["event"] == "修改密码"
    assert entry.extra["first_login"] is True
    stored = json.dumps([entry.changes, entry.extra], ensure_ascii=False)
    assert "Qd-veteran-2026" not in stored
    assert PASSWORD not in stored


def test_next_page_is_kept_through_the_change(client, world):
    first_login(client, world.clerk)

    response = client.post(
        CHANGE + "?next=/security/policy/",
        {
            "old_password": PASSWORD,
            "new_password1": "Qd-veteran-2026",
            "new_password2": "Qd-veteran-2026",
        },
    )

    assert response["Location"] == "/security/policy/"


def test_next_page_on_another_site_is_ignored(client, world):
    first_login(client, world.clerk)

    response = client.post(
        CHANGE + "?next=https://evil.example/",
        {
            "old_password": PASSWORD,
            "new_password1": "Qd-veteran-2026",
            "new_password2": "Qd-veteran-2026",
        },
    )

    assert response["Location"] == "/"


def test_changing_the_password_ends_the_other_sessions(client, world):
    user = world.clerk
    other = Client()
    login_as(other, user)
    other_key = other.session.session_key
    login_as(client, user)

    client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Qd-veteran-2026",
            "new_password2": "Qd-veteran-2026",
        },
    )

    assert not Session.objects.filter(session_key=other_key).exists()
    assert not UserSession.objects.filter(session_key=other_key).exists()
    assert other.get(CHANGE).status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {
                "old_password": "Wrong-Old-1",
                "new_password1": "Qd-veteran-2026",
                "new_password2": "Qd-veteran-2026",
            },
            "old_password",
            "原密码不正确。",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "Qd-veteran-2026",
                "new_password2": "Qd-veteran-2027",
            },
            "new_password2",
            "两次输入的新密码不一致。",
        ),
        (
            {
                "old_password": PASSWORD,
                "new_password1": "Password123",
                "new_password2": "Password123",
            },
            "new_password1",
            "这个密码太常见了。",
        ),
        (
            {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
            "new_password1",
            "不能重复使用最近 5 次用过的密码。",
        ),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client, world, data, field, message):
    user = world.clerk
    first_login(client, user)
    before = User.objects.values_list(
        "password", "must_change_password", "password_changed_at"
    ).get(pk=user.pk)

    response = client.post(CHANGE, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    after = User.objects.values_list("password", "must_change_password", "password_changed_at").get(
        pk=user.pk
    )
    assert after == before
    assert not PasswordHistory.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


# --- expiry -------------------------------------------------------------------------------


def aged(client, user, days):
    login_as(client, user)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=days)
    )


def test_a_password_90_days_old_must_be_changed(client, world):
    aged(client, world.clerk, 90)

    response = client.get("/some/page/")

    assert response.status_code == 302
    assert response["Location"] == CHANGE + "?next=%2Fsome%2Fpage%2F"
    assert "密码已超过 90 天未修改" in client.get(CHANGE).content.decode()


def test_a_password_89_days_old_is_still_fine(client, world):
    aged(client, world.clerk, 89)

    response = client.get("/some/page/")

    assert response.status_code == 404


def test_password_age_follows_the_policy(client, world):
    SecurityPolicy.current()
    SecurityPolicy.objects.filter(pk=1).update(max_age_days=30)
    aged(client, world.clerk, 31)

    assert client.get("/some/page/")["Location"].startswith(CHANGE)

"""create_first_admin: no default passwords; the first administrator gets a generated one."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.models import Station, StationPublication, User
from junjia.orgs.tests.factories import make_region, make_staff, make_station
from junjia.orgs.tests.helpers import current_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    return make_region("370000", "山东省")


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_first_admin", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    return re.search(r"一次性密码：(\S+)", output).group(1)


def test_creates_the_station_and_the_administrator_and_prints_the_password_once(province):
    output = run("--username", "admin", "--region", "370000")

    password = printed_password(output)
    assert output.count(password) == 1
    station = Station.objects.get()
    assert (station.name, station.region_key) == ("山东省退役军人服务中心", province.key)
    assert StationPublication.objects.filter(station=station).count() == 6
    user = User.objects.get()
    assert (user.username, user.station_id, user.region_key) == ("admin", station.pk, province.key)
    assert user.role_codes == frozenset({Role.SYSTEM_ADMIN})
    assert user.must_change_password is True
    assert user.check_password(password)
    assert password not in user.password
    assert len(password) == 14


def test_bootstrap_is_audited_without_an_actor_and_without_the_password(province):
    output = run("--username", "admin", "--region", "370000")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.object_type, e.actor_id, e.actor_name) for e in entries] == [
        (AuditAction.CREATE, "orgs.station", None, "系统"),
        (AuditAction.CREATE, "orgs.user", None, "系统"),
    ]
    assert entries[1].changes["roles"] == [None, ["system_admin"]]
    assert printed_password(output) not in str([(e.changes, e.extra) for e in entries])


def test_refuses_when_a_system_administrator_exists(province):
    run("--username", "admin", "--region", "370000")

    with pytest.raises(CommandError, match="已存在系统管理员，拒绝再次创建"):
        run("--username", "admin2", "--region", "370000")

    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    assert AuditEntry.objects.count() == 2


def test_refuses_when_a_system_administrator_was_made_another_way(province):
    make_staff(make_station(province), Role.SYSTEM_ADMIN, username="existing")

    with pytest.raises(CommandError, match="已存在系统管理员"):
        run("--username", "admin", "--region", "370000", "--role", "security_admin")

    assert list(User.objects.values_list("username", flat=True)) == ["existing"]


def test_reuses_an_existing_station(province):
    station = make_station(province)

    run("--username", "admin", "--region", "370000")

    assert list(Station.objects.values_list("pk", flat=True)) == [station.pk]
    assert User.objects.get().station_id == station.pk
    assert list(AuditEntry.objects.values_list("object_type", flat=True)) == ["orgs.user"]


def test_other_administrator_roles_can_be_bootstrapped_once(province):
    run("--username", "sec", "--region", "370000", "--role", "security_admin")

    with pytest.raises(CommandError, match="已存在安全管理员账号"):
        run("--username", "sec2", "--region", "370000", "--role", "security_admin")
    assert User.objects.get().role_codes == frozenset({Role.SECURITY_ADMIN})


def test_refuses_an_unknown_region():
    with pytest.raises(CommandError, match="区划代码 370000 不存在"):
        run("--username", "admin", "--region", "370000")

    assert not User.objects.exists()
    assert not Station.objects.exists()


def test_refuses_a_non_administrator_role(province):
    with pytest.raises(CommandError):
        run("--username", "admin", "--region", "370000", "--role", "clerk")

    assert not User.objects.exists()


def test_refuses_a_taken_username(province):
    make_staff(make_station(province), Role.CLERK, username="admin")

    with pytest.raises(CommandError, match="用户名 Admin 已被使用"):
        run("--username", "Admin", "--region", "370000")


def test_first_log_in_walks_through_second_factor_and_password_change(client, province):
    password = printed_password(run("--username", "admin", "--region", "370000"))

    response = client.post("/accounts/login/", {"username": "admin", "password": password})
    assert response["Location"] == "/"
    response = client.get("/")
    assert response["Location"] == "/accounts/otp/verify/?next=%2F"
    response = client.get(response["Location"])
    assert response["Location"] == "/accounts/otp/setup/?next=%2F"
    client.get(response["Location"])
    device = TOTPDevice.objects.get()
    response = client.post("/accounts/otp/setup/", {"token": current_code(device), "next": "/"})
    assert response["Location"] == "/"
    response = client.get("/")
    assert response["Location"] == "/accounts/password/?next=%2F"
    response = client.post(
        "/accounts/password/?next=/",
        {
            "old_password": password,
            "new_password1": "Qd-veteran-2026",
            "new_password2": "Qd-veteran-2026",
        },
    )
    assert response["Location"] == "/"

    user = User.objects.get()
    assert user.must_change_password is False
    assert client.get("/accounts/password/").status_code == 200

"""三员分立 walked through every combination: who acts × what is done (which role is granted)
× to whom, self included. Each refusal names its rule in Chinese, changes nothing and is
audited as `security.refused`; each allowed change is audited as what it is.

Before the rule, the system administrator alone granted any role at account creation and
edited anyone's roles, their own included; most refusal rows below failed then."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.hashers import check_password

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs import errors, services
from junjia.orgs.choices import ADMIN_ROLES, BUSINESS_ROLES, Role
from junjia.orgs.models import RoleGrant, User
from junjia.orgs.tests.factories import make_staff

pytestmark = pytest.mark.django_db

ACTORS = ("sysadmin", "secadmin", "auditor", "head_county", "clerk_a")
TARGETS = ("fresh", "self", "auditor", "sysadmin", "clerk_a")
GRANTS = [[role] for role in Role.values] + [[]]


@pytest.fixture
def cast(personas, tree):
    """The personas, and a fresh account at the county that holds no role yet."""
    return SimpleNamespace(
        **vars(personas), fresh=make_staff(tree.stations.county, username="fresh")
    )


def _target(cast, actor_name: str, target_name: str) -> User:
    return getattr(cast, actor_name if target_name == "self" else target_name)


def _roles(user: User) -> set[str]:
    return set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def _refusals() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.REFUSED).order_by("id"))


def expected_grant_refusal(actor: str, target: str, roles: list[str]) -> str | None:
    if actor != "secadmin":
        return errors.ONLY_SECURITY_ADMIN_GRANTS_ROLES
    if target in ("self", "secadmin"):
        return errors.CANNOT_CHANGE_OWN_ROLES
    if target == "auditor" and roles != [Role.AUDIT_ADMIN]:
        return errors.AUDIT_ADMIN_PROTECTED
    return None


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("roles", GRANTS, ids=lambda r: "+".join(r) or "none")
@pytest.mark.parametrize("actor_name", ACTORS)
def test_who_grants_which_role_to_whom(cast, actor_name, roles, target_name):
    actor = getattr(cast, actor_name)
    target = _target(cast, actor_name, target_name)
    before = _roles(target)
    expected = expected_grant_refusal(actor_name, target_name, roles)

    if expected is None:
        services.staff_set_roles(actor=actor, user=target, roles=roles)
        assert _roles(target) == set(roles)
        assert _refusals() == []
        if before != set(roles):
            row = AuditEntry.objects.get(action=AuditAction.SECURITY, object_id=str(target.pk))
            assert row.actor_id == actor.pk
            assert row.changes == {"roles": [sorted(before), sorted(roles)]}
        return

    with pytest.raises(NotPermitted) as refused:
        services.staff_set_roles(actor=actor, user=target, roles=roles)
    assert str(refused.value) == expected
    assert _roles(target) == before
    [row] = _refusals()
    assert (row.actor_id, row.object_id) == (actor.pk, str(target.pk))
    assert row.extra["attempt"] == "授予角色"
    assert row.extra["reason"] == expected
    assert row.extra["roles"] == sorted(roles)


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ([Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN], errors.ADMIN_ROLES_EXCLUSIVE),
        ([Role.SECURITY_ADMIN, Role.AUDIT_ADMIN], errors.ADMIN_ROLES_EXCLUSIVE),
        ([Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN], errors.ADMIN_ROLES_EXCLUSIVE),
        *[
            ([admin, business], errors.ADMIN_AND_BUSINESS_ROLES)
            for admin in ADMIN_ROLES
            for business in BUSINESS_ROLES
        ],
        ([Role.CLERK, Role.REVIEWER], None),
        ([Role.STATION_HEAD, Role.LEADER, Role.CLERK], None),
    ],
    ids=lambda v: "+".join(v) if isinstance(v, list) else "",
)
def test_which_roles_one_person_may_hold_together(cast, roles, message):
    if message is None:
        services.staff_set_roles(actor=cast.secadmin, user=cast.fresh, roles=roles)
        assert _roles(cast.fresh) == set(roles)
        return
    with pytest.raises(InvalidInput) as refused:
        services.staff_set_roles(actor=cast.secadmin, user=cast.fresh, roles=roles)
    assert (str(refused.value), refused.value.field) == (message, "roles")
    assert _roles(cast.fresh) == set()
    [row] = _refusals()
    assert row.extra["reason"] == message


def test_a_role_outside_the_security_administrators_jurisdiction_is_refused(cast, tree):
    county_secadmin = make_staff(tree.stations.county, Role.SECURITY_ADMIN, username="sec_c")
    stranger = make_staff(tree.stations.county2, username="stranger")

    with pytest.raises(NotPermitted, match="账号 stranger 不在您的辖区内"):
        services.staff_set_roles(actor=county_secadmin, user=stranger, roles=[Role.CLERK])
    assert _roles(stranger) == set()
    assert len(_refusals()) == 1


# --- accounts: create, edit, disable, enable, reset password --------------------------------


def _do(op: str, cast, actor: User, target: User):
    if op == "update":
        return services.staff_update(
            actor=actor,
            user=target,
            full_name="改过的名字",
            office_phone="0532-1",
            station=target.station,
        )
    if op == "disable":
        return services.staff_set_active(actor=actor, user=target, active=False)
    if op == "enable":
        return services.staff_set_active(actor=actor, user=target, active=True)
    return services.staff_reset_password(actor=actor, user=target)


ATTEMPT = {"update": "修改账号", "disable": "停用账号", "enable": "启用账号", "reset": "重置密码"}


def expected_account_refusal(actor: str, op: str, target: str) -> str | None:
    if actor != "sysadmin":
        return errors.ONLY_SYSTEM_ADMIN_MANAGES_ACCOUNTS
    if op == "disable" and target in ("self", "sysadmin"):
        return errors.CANNOT_DISABLE_SELF
    if target == "auditor":
        return errors.AUDIT_ADMIN_PROTECTED
    return None


def _state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.full_name, user.office_phone, user.is_active, user.password, _roles(user))


@pytest.mark.parametrize("target_name", TARGETS)
@pytest.mark.parametrize("op", ["update", "disable", "enable", "reset"])
@pytest.mark.parametrize("actor_name", ACTORS)
def test_who_manages_whose_account(cast, actor_name, op, target_name):
    actor = getattr(cast, actor_name)
    target = _target(cast, actor_name, target_name)
    before = _state(target)
    expected = expected_account_refusal(actor_name, op, target_name)

    if expected is None:
        result = _do(op, cast, actor, target)
        after = _state(target)
        assert after[4] == before[4]  # managing an account never touches its roles
        if op == "update":
            assert after[:2] == ("改过的名字", "0532-1")
        elif op == "disable":
            assert after[2] is False
        elif op == "reset":
            assert check_password(result, after[3])
        assert _refusals() == []
        return

    with pytest.raises(NotPermitted) as refused:
        _do(op, cast, actor, target)
    assert str(refused.value) == expected
    assert _state(target) == before
    [row] = _refusals()
    assert (row.actor_id, row.object_id) == (actor.pk, str(target.pk))
    assert (row.extra["attempt"], row.extra["reason"]) == (ATTEMPT[op], expected)


@pytest.mark.parametrize("actor_name", ACTORS)
def test_only_the_system_administrator_creates_accounts_and_grants_nothing(cast, tree, actor_name):
    actor = getattr(cast, actor_name)
    create = dict(
        actor=actor,
        station=tree.stations.village_a,
        username="newcomer",
        full_name="新人",
        office_phone="",
    )
    if actor_name == "sysadmin":
        user, _ = services.staff_create(**create)
        assert _roles(user) == set()
        assert _refusals() == []
        return
    with pytest.raises(NotPermitted, match=errors.ONLY_SYSTEM_ADMIN_MANAGES_ACCOUNTS):
        services.staff_create(**create)
    assert not User.objects.filter(username="newcomer").exists()
    [row] = _refusals()
    assert (row.actor_id, row.object_repr, row.extra["attempt"]) == (
        actor.pk,
        "newcomer",
        "新增账号",
    )
    assert row.region_key == tree.stations.village_a.region_key


def test_the_operator_releases_an_audit_administrator_from_the_command_line(cast):
    from django.core.management import call_command

    call_command("release_audit_admin", username="auditor", note="审计管理员调离，局长批准")

    assert _roles(cast.auditor) == set()
    row = AuditEntry.objects.filter(action=AuditAction.SECURITY).latest("id")
    assert (row.actor_id, row.actor_name) == (None, "系统")
    assert row.extra["note"] == "审计管理员调离，局长批准"
    # Released, the account is an ordinary one again: the system administrator may disable it.
    services.staff_set_active(actor=cast.sysadmin, user=cast.auditor, active=False)
    assert not User.objects.get(pk=cast.auditor.pk).is_active

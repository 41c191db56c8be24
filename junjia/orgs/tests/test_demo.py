"""The demo's staff are made as real staff are (三员分立): two administrators by the operator,
every other account by the demo's system administrator and its role by the demo's security
administrator, each through the services and on the audit record."""

import pytest

from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs.choices import ADMIN_ROLES, Role
from junjia.orgs.demo import build_demo
from junjia.orgs.models import RoleGrant, User

pytestmark = pytest.mark.django_db


def test_demo_accounts_get_their_roles_through_the_services():
    rows = build_demo(townships=1, villages=1)

    users = User.objects.filter(username__in=[r[0] for r in rows])
    assert users.count() == len(rows)
    # Every account holds exactly one role, so no administrator holds a business role.
    assert sorted(RoleGrant.objects.values_list("user_id", flat=True)) == sorted(
        users.values_list("pk", flat=True)
    )
    sysadmin = User.objects.get(username=rows[1][0])
    secadmin = User.objects.get(username=rows[0][0])
    assert (secadmin.role_codes, sysadmin.role_codes) == (
        {Role.SECURITY_ADMIN},
        {Role.SYSTEM_ADMIN},
    )
    bootstrap = AuditEntry.objects.filter(actor_id=None, object_type="orgs.user")
    assert sorted(bootstrap.values_list("object_id", flat=True)) == sorted(
        [str(secadmin.pk), str(sysadmin.pk)]
    )
    others = len(rows) - 2
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, actor_id=sysadmin.pk)
    granted = AuditEntry.objects.filter(action=AuditAction.SECURITY, actor_id=secadmin.pk)
    assert (created.count(), granted.count()) == (others, others)
    assert not AuditEntry.objects.filter(action=AuditAction.REFUSED).exists()
    # Every demo persona can still be tried: each administrator role is there.
    assert set(RoleGrant.objects.filter(role__in=ADMIN_ROLES).values_list("role", flat=True)) == (
        set(ADMIN_ROLES)
    )

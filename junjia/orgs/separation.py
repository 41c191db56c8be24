"""三员分立: who may manage accounts, who may grant roles, and whose accounts nobody touches.

GB/T 22239-2019 §8.1.4.2 (授权管理员分离) and §8.1.5 (审计管理员): the system administrator
creates, edits and disables accounts but grants no role; the security administrator grants
and removes roles but creates no account; the audit administrator reads the audit log of
both and is out of their reach. The services ask these questions before they write, and
every refusal is written to the audit log as a security event (`security.refused`).
"""

from django.db import transaction

from junjia.core import audit
from junjia.core.errors import DomainError, InvalidInput, NotPermitted
from junjia.core.models import AuditAction

from . import errors
from .choices import ADMIN_ROLES, Role
from .permissions import can_reach, has_capability
from .roles import STAFF_GRANT, STAFF_MANAGE

OUTSIDE_JURISDICTION = "账号 {username} 不在您的辖区内。"
UNKNOWN_ROLE = "未知的角色：{role}。"


def roles_combination_refusal(roles) -> InvalidInput | None:
    """At most one administrator role, and never together with a business role."""
    for role in roles:
        if role not in Role.values:
            return InvalidInput(UNKNOWN_ROLE.format(role=role), field="roles")
    admin = [role for role in roles if role in ADMIN_ROLES]
    if len(admin) > 1:
        return InvalidInput(errors.ADMIN_ROLES_EXCLUSIVE, field="roles")
    if admin and len(set(roles)) > len(admin):
        return InvalidInput(errors.ADMIN_AND_BUSINESS_ROLES, field="roles")
    return None


def account_refusal(*, actor, target=None, disabling: bool = False) -> DomainError | None:
    """May `actor` create an account (target None), or edit, disable, enable or reset the
    password of `target`? Only the system administrator manages accounts; nobody disables
    themselves; an audit administrator's account is out of every administrator's reach."""
    if not has_capability(actor, STAFF_MANAGE):
        return NotPermitted(errors.ONLY_SYSTEM_ADMIN_MANAGES_ACCOUNTS)
    if target is None:
        return None
    if disabling and actor.pk == target.pk:
        return NotPermitted(errors.CANNOT_DISABLE_SELF)
    if Role.AUDIT_ADMIN in target.role_codes:
        return NotPermitted(errors.AUDIT_ADMIN_PROTECTED)
    return None


def roles_refusal(*, actor, target, roles) -> DomainError | None:
    """May `actor` give `target` exactly `roles` (an empty list takes every role away)?
    Only the security administrator grants roles, within their jurisdiction, never to
    themselves, and never changes an audit administrator's roles."""
    if not has_capability(actor, STAFF_GRANT):
        return NotPermitted(errors.ONLY_SECURITY_ADMIN_GRANTS_ROLES)
    if actor.pk == target.pk:
        return NotPermitted(errors.CANNOT_CHANGE_OWN_ROLES)
    if not can_reach(actor, STAFF_GRANT, target.region_key):
        return NotPermitted(OUTSIDE_JURISDICTION.format(username=target.get_username()))
    if Role.AUDIT_ADMIN in target.role_codes and set(roles) != set(target.role_codes):
        return NotPermitted(errors.AUDIT_ADMIN_PROTECTED)
    return roles_combination_refusal(roles)


def refused(
    error: DomainError,
    *,
    actor,
    attempt: str,
    target=None,
    object_repr: str = "",
    region_key: int | None = None,
    detail: dict | None = None,
) -> DomainError:
    """Audit a refusal and hand the error back for the caller to raise. The row commits on
    its own (the caller's write was never started), so the refusal stays on record."""
    if region_key is None:
        region_key = getattr(target, "region_key", None) or getattr(actor, "region_key", None)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.REFUSED,
            obj=target,
            object_type="orgs.user",
            object_repr=object_repr,
            region_key=region_key,
            extra={"attempt": attempt, "reason": str(error), **(detail or {})},
        )
    return error

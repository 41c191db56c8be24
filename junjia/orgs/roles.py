"""What each role may do. A user's capabilities are exactly the union over their roles."""

import re

from django.core.exceptions import ImproperlyConfigured

from .choices import Role

# Capabilities are "<area>.<verb>". Jurisdiction (the region subtree) cuts every one of them.
# Each app declares its own in its roles module; code names them through the constants, and
# the system check in checks.py refuses any name that was never declared.
NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_DECLARED: set[str] = set()


def declare_capability(name: str) -> str:
    """Declare a capability (held by a role or not yet); returns the name for a constant."""
    if not NAME.fullmatch(name):
        raise ImproperlyConfigured(f"权限名称格式不对（应为“范围.动作”）：{name}")
    _DECLARED.add(name)
    return name


def declared_capabilities() -> frozenset[str]:
    """Every capability declared so far: all of them once the apps are ready."""
    return frozenset(_DECLARED)


REGION_VIEW = declare_capability("region.view")
REGION_MANAGE = declare_capability("region.manage")
STATION_VIEW = declare_capability("station.view")
STATION_EDIT = declare_capability("station.edit")
STAFF_VIEW = declare_capability("staff.view")
# 三员分立: the system administrator creates, edits and disables accounts (staff.manage);
# only the security administrator grants and removes roles (staff.grant).
STAFF_MANAGE = declare_capability("staff.manage")
STAFF_GRANT = declare_capability("staff.grant")
CALENDAR_MANAGE = declare_capability("calendar.manage")
JOB_VIEW = declare_capability("job.view")
SECURITY_MANAGE = declare_capability("security.manage")
AUDIT_VIEW = declare_capability("audit.view")

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.STATION_HEAD: frozenset(
        {REGION_VIEW, REGION_MANAGE, STATION_VIEW, STATION_EDIT, STAFF_VIEW, JOB_VIEW}
    ),
    Role.CLERK: frozenset({REGION_VIEW, STATION_VIEW, JOB_VIEW}),
    Role.REVIEWER: frozenset({REGION_VIEW, STATION_VIEW, JOB_VIEW}),
    Role.LEADER: frozenset({REGION_VIEW, STATION_VIEW, STAFF_VIEW, JOB_VIEW}),
    Role.SYSTEM_ADMIN: frozenset(
        {
            REGION_VIEW,
            REGION_MANAGE,
            STATION_VIEW,
            STATION_EDIT,
            STAFF_VIEW,
            STAFF_MANAGE,
            CALENDAR_MANAGE,
            JOB_VIEW,
        }
    ),
    Role.SECURITY_ADMIN: frozenset(
        {STAFF_VIEW, STAFF_GRANT, SECURITY_MANAGE, REGION_VIEW, JOB_VIEW}
    ),
    Role.AUDIT_ADMIN: frozenset({AUDIT_VIEW, REGION_VIEW, JOB_VIEW}),
}


def capabilities_of(role_codes) -> frozenset[str]:
    caps: set[str] = set()
    for code in role_codes:
        caps |= CAPABILITIES.get(code, frozenset())
    return frozenset(caps)


def register_capabilities(role: str, caps: set[str]) -> None:
    """Apps add their own capabilities to roles at import time of their roles module."""
    undeclared = sorted(set(caps) - _DECLARED)
    if undeclared:
        raise ImproperlyConfigured(f"权限未声明：{'、'.join(undeclared)}")
    CAPABILITIES[role] = CAPABILITIES.get(role, frozenset()) | frozenset(caps)

"""What each role may do. A user's capabilities are exactly the union over their roles."""

from .choices import Role

# Capabilities are "<area>.<verb>". Jurisdiction (the region subtree) cuts every one of them.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.STATION_HEAD: frozenset(
        {
            "region.view",
            "region.manage",
            "station.view",
            "station.edit",
            "staff.view",
            "job.view",
        }
    ),
    Role.CLERK: frozenset({"region.view", "station.view", "job.view"}),
    Role.REVIEWER: frozenset({"region.view", "station.view", "job.view"}),
    Role.LEADER: frozenset({"region.view", "station.view", "staff.view", "job.view"}),
    Role.SYSTEM_ADMIN: frozenset(
        {
            "region.view",
            "region.manage",
            "station.view",
            "station.edit",
            "staff.view",
            "staff.manage",
            "calendar.manage",
            "job.view",
        }
    ),
    Role.SECURITY_ADMIN: frozenset({"staff.view", "security.manage", "region.view", "job.view"}),
    Role.AUDIT_ADMIN: frozenset({"audit.view", "region.view", "job.view"}),
}


def capabilities_of(role_codes) -> frozenset[str]:
    caps: set[str] = set()
    for code in role_codes:
        caps |= CAPABILITIES.get(code, frozenset())
    return frozenset(caps)


def register_capabilities(role: str, caps: set[str]) -> None:
    """Apps add their own capabilities to roles at import time of their roles module."""
    CAPABILITIES[role] = CAPABILITIES.get(role, frozenset()) | frozenset(caps)

"""Case capabilities added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, register_capabilities

register_capabilities(
    Role.CLERK,
    {"cases.view", "cases.handle", "cases.appointments", "cases.callback", "cases.leave"},
)
register_capabilities(
    Role.REVIEWER, {"cases.view", "cases.handle", "cases.appointments", "cases.callback"}
)
register_capabilities(
    Role.STATION_HEAD,
    {
        "cases.view",
        "cases.handle",
        "cases.supervise",
        "cases.appointments",
        "cases.callback",
        "cases.leave",
        "cases.rota",
        "cases.loop",
        "cases.analysis",
    },
)
register_capabilities(Role.LEADER, {"cases.view", "cases.analysis"})
register_capabilities(Role.SYSTEM_ADMIN, {"cases.catalogue", "cases.rota"})

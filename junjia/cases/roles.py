"""Case capabilities, declared here and added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

VIEW = declare_capability("cases.view")
HANDLE = declare_capability("cases.handle")
SUPERVISE = declare_capability("cases.supervise")
APPOINTMENTS = declare_capability("cases.appointments")
CALLBACK = declare_capability("cases.callback")
LEAVE = declare_capability("cases.leave")
ROTA = declare_capability("cases.rota")
LOOP = declare_capability("cases.loop")
ANALYSIS = declare_capability("cases.analysis")
CATALOGUE = declare_capability("cases.catalogue")

register_capabilities(Role.CLERK, {VIEW, HANDLE, APPOINTMENTS, CALLBACK, LEAVE})
register_capabilities(Role.REVIEWER, {VIEW, HANDLE, APPOINTMENTS, CALLBACK})
register_capabilities(
    Role.STATION_HEAD,
    {VIEW, HANDLE, SUPERVISE, APPOINTMENTS, CALLBACK, LEAVE, ROTA, LOOP, ANALYSIS},
)
register_capabilities(Role.LEADER, {VIEW, ANALYSIS})
register_capabilities(Role.SYSTEM_ADMIN, {CATALOGUE, ROTA})

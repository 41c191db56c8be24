"""Staffing capabilities, declared here and added to the roles (orgs/roles.py holds the rest).

The names keep the "cases." prefix they were first declared under: they are what the roles
have always granted. Seeing the windows and the lunch rota follows cases.view (declared by
cases): whoever sees the counter's cases sees who keeps the counter."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

LEAVE = declare_capability("cases.leave")  # record one's own leave
ROTA = declare_capability("cases.rota")  # windows and AB roles, leave for others, lunch duty
VIEW = "cases.view"

register_capabilities(Role.CLERK, {LEAVE})
register_capabilities(Role.STATION_HEAD, {LEAVE, ROTA})
register_capabilities(Role.SYSTEM_ADMIN, {ROTA})

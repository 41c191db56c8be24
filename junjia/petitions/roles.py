"""Petition capabilities, declared here and added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

# That a petition exists (number, date, status) within reach: every business role.
VIEW = declare_capability("petitions.view")
# Registering petitions and handling those one is a handler of (首办负责制).
HANDLE = declare_capability("petitions.handle")
# Station heads: read the content within reach, approve an extension, name the leader.
SUPERVISE = declare_capability("petitions.supervise")
# Reading every petition's content within reach: the heads and the jurisdiction's leaders.
CONTENT = declare_capability("petitions.content")
# Who may be named the leader owning a petition (领导包案).
LEAD = declare_capability("petitions.lead")

register_capabilities(Role.CLERK, {VIEW, HANDLE})
register_capabilities(Role.REVIEWER, {VIEW, HANDLE})
register_capabilities(Role.STATION_HEAD, {VIEW, HANDLE, SUPERVISE, CONTENT, LEAD})
register_capabilities(Role.LEADER, {VIEW, CONTENT, LEAD})

# Taking up a matter that waits at one's own station (handed down, escalated, a review or
# recheck asked of the level above): the taker becomes its first handler.
TAKE = declare_capability("petitions.take")
register_capabilities(Role.CLERK, {TAKE})
register_capabilities(Role.REVIEWER, {TAKE})
register_capabilities(Role.STATION_HEAD, {TAKE})

"""Visit capabilities, declared here and added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

VIEW = declare_capability("visits.view")
# Adding, changing and retiring visit rules: county level and above (issue 13; the level is
# checked by the services, permissions.can_manage_rules).
RULES = declare_capability("visits.rules")

register_capabilities(Role.CLERK, {VIEW})
register_capabilities(Role.REVIEWER, {VIEW})
register_capabilities(Role.STATION_HEAD, {VIEW, RULES})
register_capabilities(Role.LEADER, {VIEW})

# Generating a campaign (county level and above, checked by permissions.can_make_campaigns)
# and reassigning a person's responsible level (township level and above, within reach).
CAMPAIGNS = declare_capability("visits.campaigns")
register_capabilities(Role.STATION_HEAD, {CAMPAIGNS})

# Recording a visit (走访记录): the clerks and heads of the stations that reach the person.
RECORD = declare_capability("visits.record")
register_capabilities(Role.CLERK, {RECORD})
register_capabilities(Role.STATION_HEAD, {RECORD})

# Assigning the people a station is responsible for to visitors (走访分派): the station's head,
# and at a village station its clerk too — the village head is the village's party secretary
# or director holding the post part-time, and the 两委 name one person for veterans' work
# (003 附件1 第2项、第5项), so the clerk organises the visits (permissions.can_assign).
ASSIGN = declare_capability("visits.assign")
register_capabilities(Role.CLERK, {ASSIGN})
register_capabilities(Role.STATION_HEAD, {ASSIGN})

"""Assessment capabilities, declared here and added to the roles (orgs/roles.py holds the
rest). The level each one needs is checked by permissions.py."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

# Reading score sheets, rounds and the assessments within one's jurisdiction.
VIEW = declare_capability("assessment.view")
# Scoring a village station row by row and submitting it to the county (township level).
SCORE = declare_capability("assessment.score")
# Opening a quarter's round for the county (county level).
ROUNDS = declare_capability("assessment.rounds")
# Spot-checking a submitted assessment by scoring it again (抽查复核, county level).
CHECK = declare_capability("assessment.check")

register_capabilities(Role.CLERK, {VIEW, SCORE})
register_capabilities(Role.REVIEWER, {VIEW, CHECK})
register_capabilities(Role.STATION_HEAD, {VIEW, SCORE, ROUNDS, CHECK})
register_capabilities(Role.LEADER, {VIEW})

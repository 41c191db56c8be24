"""Registry capabilities, declared here and added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, declare_capability, register_capabilities

VIEW = declare_capability("registry.view")
EDIT = declare_capability("registry.edit")
REVIEW = declare_capability("registry.review")
REVEAL = declare_capability("registry.reveal")
EXPORT = declare_capability("registry.export")
EXPORT_FULL = declare_capability("registry.export_full")
TRANSFER = declare_capability("registry.transfer")

register_capabilities(Role.CLERK, {VIEW, EDIT, EXPORT, TRANSFER})
register_capabilities(Role.REVIEWER, {VIEW, REVIEW, REVEAL, EXPORT})
register_capabilities(
    Role.STATION_HEAD, {VIEW, EDIT, REVIEW, REVEAL, EXPORT, EXPORT_FULL, TRANSFER}
)
register_capabilities(Role.LEADER, {VIEW, EXPORT})

"""Registry capabilities added to the roles (orgs/roles.py holds the rest)."""

from junjia.orgs.api import Role, register_capabilities

register_capabilities(
    Role.CLERK, {"registry.view", "registry.edit", "registry.export", "registry.transfer"}
)
register_capabilities(
    Role.REVIEWER, {"registry.view", "registry.review", "registry.reveal", "registry.export"}
)
register_capabilities(
    Role.STATION_HEAD,
    {
        "registry.view",
        "registry.edit",
        "registry.review",
        "registry.reveal",
        "registry.export",
        "registry.export_full",
        "registry.transfer",
    },
)
register_capabilities(Role.LEADER, {"registry.view", "registry.export"})

"""App config for organisations."""

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "junjia.orgs"
    label = "orgs"
    verbose_name = "组织机构"

    def ready(self) -> None:
        # The region-import job handler; the check that every capability named is declared.
        from . import checks, imports  # noqa: F401

"""App config for organisations."""

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "junjia.orgs"
    label = "orgs"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from . import imports  # noqa: F401  (registers the region-import job handler)

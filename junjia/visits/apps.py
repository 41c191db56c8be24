"""App config for visits (走访慰问): the visit rules as data, campaigns and visits."""

from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "junjia.visits"
    label = "visits"
    verbose_name = "走访慰问"

    def ready(self) -> None:
        from . import generation, roles  # noqa: F401  (job kind; capabilities)

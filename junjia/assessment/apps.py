"""App config for assessment (考核评估): score sheets as data, quarterly rounds, scoring."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "junjia.assessment"
    label = "assessment"
    verbose_name = "考核评估"

    def ready(self) -> None:
        from . import roles  # noqa: F401  (capabilities)

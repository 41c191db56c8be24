"""App config for assessment (考核评估): score sheets as data, quarterly rounds, scoring."""

from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "junjia.assessment"
    label = "assessment"
    verbose_name = "考核评估"

    def ready(self) -> None:
        from junjia.core import todo

        from . import roles  # noqa: F401  (capabilities)
        from .todo import QUEUES

        todo.register(*QUEUES)  # the township's stations to score, on its home page

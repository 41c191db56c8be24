"""App config for visits (走访慰问): the visit rules as data, campaigns and visits."""

from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "junjia.visits"
    label = "visits"
    verbose_name = "走访慰问"

    def ready(self) -> None:
        from junjia.registry.api import register_timeline_provider

        from . import exports, generation, roles  # noqa: F401  (job kinds; capabilities)
        from .selectors import person_timeline

        register_timeline_provider(person_timeline)  # the person's timeline shows every visit

        from junjia.core import todo

        from .todo import QUEUES

        todo.register(*QUEUES)  # the clerk's home page shows her visits due

        from junjia.core import deadlines, personal

        from .deadlines import WATCH
        from .models import VOLUNTEER_PHONE

        deadlines.register(WATCH)  # reminders before a window opens; escalation when overdue
        personal.register(VOLUNTEER_PHONE)  # a volunteer's phone, re-encrypted on rotation

        from junjia.core.scheduler import Periodic, register

        from .coverage import CONTACT_PERIOD_SECONDS, PERIOD_SECONDS

        # Coverage counts (coverage.py, ADR 0024): a campaign's never more than a minute
        # old; contact coverage refreshed every five minutes.
        register(
            Periodic("visits.coverage", PERIOD_SECONDS, "junjia.visits.tasks.refresh_coverage")
        )
        register(
            Periodic(
                "visits.contact_coverage",
                CONTACT_PERIOD_SECONDS,
                "junjia.visits.tasks.refresh_contact_coverage",
            )
        )

"""App config for government-service cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "junjia.cases"
    label = "cases"
    verbose_name = "政务服务办件"

    def ready(self) -> None:
        from junjia.core import deadlines, personal, todo
        from junjia.core.workdays import recompute
        from junjia.registry.api import register_timeline_provider

        from . import roles  # noqa: F401  (capabilities)
        from .deadlines import WATCHES, recompute_deadlines
        from .models import (
            APPOINTMENT_ID,
            APPOINTMENT_PHONE,
            CASE_APPLICANT_ID,
            CASE_APPLICANT_PHONE,
        )
        from .selectors import recipient_timeline
        from .todo import QUEUES

        todo.register(*QUEUES)  # the home page's to-do list

        # Deadlines: told by the one scanner; recounted when a year's holidays are entered.
        for watch in WATCHES:
            deadlines.register(watch)
        recompute.register(recompute_deadlines)
        register_timeline_provider(recipient_timeline)
        # Encrypted columns re-encrypted by `manage.py rotate_keys`.
        personal.register(
            CASE_APPLICANT_ID, CASE_APPLICANT_PHONE, APPOINTMENT_ID, APPOINTMENT_PHONE
        )

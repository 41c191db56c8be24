"""App config for government-service cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "junjia.cases"
    label = "cases"
    verbose_name = "政务服务办件"

    def ready(self) -> None:
        from junjia.core import deadlines, rotation, todo
        from junjia.core.workdays import recompute
        from junjia.registry.api import register_timeline_provider

        from . import roles  # noqa: F401  (capabilities)
        from .deadlines import WATCHES, recompute_deadlines
        from .selectors import recipient_timeline
        from .services import ID_AAD, PHONE_AAD
        from .todo import QUEUES

        todo.register(*QUEUES)  # the home page's to-do list

        # Deadlines: told by the one scanner; recounted when a year's holidays are entered.
        for watch in WATCHES:
            deadlines.register(watch)
        recompute.register(recompute_deadlines)
        register_timeline_provider(recipient_timeline)
        for model, field, aad in (
            ("cases.Case", "applicant_id_enc", ID_AAD),
            ("cases.Case", "applicant_phone_enc", PHONE_AAD),
            ("cases.Appointment", "id_enc", ID_AAD),
            ("cases.Appointment", "phone_enc", PHONE_AAD),
        ):
            rotation.register(rotation.EncryptedColumn(model, field, aad))

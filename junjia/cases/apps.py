"""App config for government-service cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "junjia.cases"
    label = "cases"
    verbose_name = "政务服务办件"

    def ready(self) -> None:
        from junjia.core import rotation
        from junjia.core.scheduler import Periodic, register

        from . import roles, tasks  # noqa: F401  (capabilities; the deadline scan)
        from .services import ID_AAD, PHONE_AAD

        register(Periodic("cases.deadlines", 3600, "junjia.cases.tasks.scan_case_deadlines"))
        from junjia.core.workdays import recompute

        from .deadlines import recompute_deadlines

        recompute.register(recompute_deadlines)
        from junjia.registry.api import register_timeline_provider

        from .selectors import recipient_timeline

        register_timeline_provider(recipient_timeline)
        for model, field, aad in (
            ("cases.Case", "applicant_id_enc", ID_AAD),
            ("cases.Case", "applicant_phone_enc", PHONE_AAD),
            ("cases.Appointment", "id_enc", ID_AAD),
            ("cases.Appointment", "phone_enc", PHONE_AAD),
        ):
            rotation.register(rotation.EncryptedColumn(model, field, aad))

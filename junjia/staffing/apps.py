"""App config for staff availability: A/B roles, leave, lunch duty, the first-handler rule."""

from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "junjia.staffing"
    label = "staffing"
    verbose_name = "人员在岗"

    def ready(self) -> None:
        from junjia.core import labels

        from . import roles  # noqa: F401  (capabilities)

        # The models were cases' until staffing took them over (tables kept): audit rows
        # written before then name them "cases.<model>".
        for model in ("windowpost", "leave", "lunchduty"):
            labels.register_former_label(f"cases.{model}", f"staffing.{model}")

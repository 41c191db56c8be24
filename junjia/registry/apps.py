"""App config for the recipient registry."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "junjia.registry"
    label = "registry"
    verbose_name = "服务对象档案"

    def ready(self) -> None:
        from junjia.core import personal, todo
        from junjia.core.scheduler import Periodic, register

        from . import exports, imports, roles, tasks  # noqa: F401  (capabilities; job kinds; counts)
        from .models import RECIPIENT_ID, RECIPIENT_PHONE
        from .todo import QUEUES

        todo.register(*QUEUES)  # the home page's to-do list

        # Every 45 s: the counts shown are then never more than a minute old — the period,
        # plus a second for the scheduler's tick and one for the worker's poll, plus the
        # refresh itself (about 3 s for 1,000,000 files; bench/counts.py).
        register(
            Periodic(
                "registry.category_counts", 45, "junjia.registry.tasks.refresh_category_counts"
            )
        )
        # Encrypted columns re-encrypted by `manage.py rotate_keys`, and the phone's copies
        # in change requests' snapshots.
        personal.register(RECIPIENT_ID, RECIPIENT_PHONE)
        personal.register_copies(
            RECIPIENT_PHONE,
            model="registry.ChangeRequest",
            json_fields=("base", "proposed"),
            find=_snapshot_phones,
        )


def _snapshot_phones(snapshot: dict) -> list[tuple[tuple, str]]:
    """The encrypted phone inside a change request's snapshot."""
    phone = snapshot.get("sections", {}).get("basic", {}).get("phone") or {}
    return [(("sections", "basic", "phone", "enc"), phone.get("enc", ""))] if phone else []

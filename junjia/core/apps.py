"""App config for the shared core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "junjia.core"
    label = "core"
    verbose_name = "公共机制"

    def ready(self) -> None:
        # Registers system checks (crypto self-test) and the job handlers, so that a task
        # worker, which never loads the URLconf, knows every job kind.
        from . import checks, tasks  # noqa: F401
        from .crypto import get_provider

        # Known-answer self-tests at start-up of every process (web workers, task workers,
        # commands): a provider that fails them stops the process before it serves anything.
        get_provider()

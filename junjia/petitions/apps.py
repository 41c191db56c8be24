"""App config for petitions (信访): registration, statutory limits, handling."""

from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "junjia.petitions"
    label = "petitions"
    verbose_name = "信访"

    def ready(self) -> None:
        from junjia.core import deadlines, personal, todo

        from . import roles  # noqa: F401  (capabilities)
        from .deadlines import WATCHES
        from .models import PETITIONER_ID, PETITIONER_PHONE
        from .todo import QUEUES

        todo.register(*QUEUES)  # the handler's home page
        for watch in WATCHES:
            deadlines.register(watch)  # statutory limits told by the one scanner
        personal.register(PETITIONER_ID, PETITIONER_PHONE)  # re-encrypted by rotate_keys

"""SMS gateway interface. The default backends write to the console or a file; a real
gateway (运营商短信平台) is a class with the same `send` configured by JUNJIA_SMS_BACKEND."""

import json
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .personal import mask_phone

log = logging.getLogger("junjia.sms")


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        log.info("sms", extra={"to": mask_phone(phone), "text": text})


class FileBackend:
    """Appends one JSON line per message; used by tests and offline demos."""

    def __init__(self, path: str | None = None):
        self.path = Path(
            path or getattr(settings, "JUNJIA_SMS_FILE", settings.VAR_DIR / "sms.jsonl")
        )

    def send(self, phone: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(
                json.dumps(
                    {"at": timezone.now().isoformat(), "to": phone, "text": text},
                    ensure_ascii=False,
                )
                + "\n"
            )


def backend():
    return import_string(
        getattr(settings, "JUNJIA_SMS_BACKEND", "junjia.core.sms.ConsoleBackend")
    )()


def send(phone: str, text: str) -> None:
    backend().send(phone, text)

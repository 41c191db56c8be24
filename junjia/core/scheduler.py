"""Periodic jobs: a table of (name, every seconds, task). Apps add theirs with register()."""

import logging
from dataclasses import dataclass

log = logging.getLogger("junjia.scheduler")


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: int
    task_path: str  # dotted path to a django-tasks Task


_PERIODIC: dict[str, Periodic] = {}


def register(item: Periodic) -> None:
    _PERIODIC[item.name] = item


register(Periodic("audit.seal", 60, "junjia.core.tasks.seal_audit_log"))
register(Periodic("jobs.reap", 60, "junjia.core.tasks.reap_abandoned_jobs"))
register(Periodic("deadlines", 3600, "junjia.core.tasks.scan_deadlines_task"))


def due(last_run: dict[str, float], now: float) -> list[Periodic]:
    return [
        p
        for p in _PERIODIC.values()
        if now - last_run.get(p.name, float("-inf")) >= p.every_seconds
    ]


def tick(last_run: dict[str, float], now: float) -> None:
    from django.utils.module_loading import import_string

    for item in due(last_run, now):
        try:
            import_string(item.task_path).enqueue()
            log.info("enqueued periodic task", extra={"task": item.name})
        except Exception:
            log.exception("could not enqueue periodic task", extra={"task": item.name})
        last_run[item.name] = now

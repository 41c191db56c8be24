"""Queues periodic work on the task backend. Run exactly one per deployment; two do no harm
because every periodic job is idempotent."""

import logging
import signal
import time

from django.core.management.base import BaseCommand

from junjia.core import scheduler

log = logging.getLogger("junjia.scheduler")


class Command(BaseCommand):
    help = "定时把周期性任务（审计封存等）放入任务队列。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")

    def handle(self, *args, **options):
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
        last_run: dict[str, float] = {}
        while not stop["now"]:
            scheduler.tick(last_run, time.monotonic())
            if options["once"]:
                return
            time.sleep(1)

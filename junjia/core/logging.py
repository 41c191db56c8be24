"""Logging filter adding the request id and path to every structured log line."""

import logging

from .context import current


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        if ctx is not None:
            record.request_id = ctx.request_id
            record.path = ctx.path
        return True

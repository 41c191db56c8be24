"""The one clock: services read "today" here. Tests freeze it with freezegun; the demo loader
replays past work with `as_of(day)` (a context variable, so only its own calls see it)."""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_as_of: ContextVar[dt.date | None] = ContextVar("junjia_as_of", default=None)


def today() -> dt.date:
    day = _as_of.get()
    return day if day is not None else timezone.localdate()


@contextmanager
def as_of(day: dt.date):
    """Services called inside this block take `day` as today."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)

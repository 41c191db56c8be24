"""Demos replay work on past days: the rows a replayed call wrote keep the real time until
their timestamps are moved to the moment the call stands for."""

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet


def restamp(
    queryset: QuerySet,
    fields: Iterable[str],
    since: dt.datetime,
    moved: Callable[[dt.datetime | None], dt.datetime | None],
) -> int:
    """Set each of `fields` written since `since` to `moved(value)` where that gives a time;
    returns the rows changed. One read and one bulk update."""
    fields = tuple(fields)
    written = Q()
    for name in fields:
        written |= Q(**{f"{name}__gte": since})
    rows = []
    for row in queryset.filter(written).only("pk", *fields):
        changed = False
        for name in fields:
            when = moved(getattr(row, name))
            if when is not None:
                setattr(row, name, when)
                changed = True
        if changed:
            rows.append(row)
    queryset.model.objects.bulk_update(rows, fields, batch_size=500)
    return len(rows)

"""Numbers given in order per prefix (a station and a day): 370202001001-20261207-0001.

The next number is the prefix's last plus one. Two writers at one station at the same moment
may read the same last number; the number's unique index refuses the second save, which then
reads again. `save_numbered` runs that loop for any model with a unique number field.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction

T = TypeVar("T")
TRIES = 5


def next_number(model: type[models.Model], prefix: str, *, field: str = "number") -> str:
    """The prefix's next number, four digits (more once past 9999)."""
    last = (
        model.objects.filter(**{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    return f"{prefix}{(int(last[len(prefix) :]) + 1) if last else 1:04d}"


def save_numbered(
    model: type[models.Model], prefix: str, save: Callable[[str], T], *, field: str = "number"
) -> T | None:
    """`save(number)` with the prefix's next number, in a savepoint; read again and retried
    when the unique index refuses it. None after TRIES refusals (the caller says so)."""
    for _attempt in range(TRIES):
        try:
            with transaction.atomic():
                return save(next_number(model, prefix, field=field))
        except IntegrityError:
            continue
    return None

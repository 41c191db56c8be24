"""Key rotation: re-encrypt every registered encrypted column under the current key.

Apps register their columns at start-up. The command works in primary-key order in small
batches, one transaction per batch, and stores a checkpoint with each batch, so it can be
stopped at any moment and resumed; rows already under the current key are skipped.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction

from .crypto import get_provider


@dataclass(frozen=True)
class EncryptedColumn:
    model_label: str  # "app_label.ModelName"
    field: str
    aad: bytes


@dataclass(frozen=True)
class EncryptedJson:
    """Tokens inside a JSON column; `tokens(value)` yields (path, token), `replace` writes."""

    model_label: str
    field: str
    aad: bytes
    find: Callable[[dict], list[tuple[tuple, str]]]


_COLUMNS: list[EncryptedColumn | EncryptedJson] = []


def register(item: EncryptedColumn | EncryptedJson) -> None:
    if item not in _COLUMNS:
        _COLUMNS.append(item)


def registered() -> list[EncryptedColumn | EncryptedJson]:
    return list(_COLUMNS)


def _set_path(data: dict, path: tuple, value: str) -> None:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def rotate_model(model_label: str, *, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt one model's registered columns; returns how many rows changed."""
    from .models import RotationCheckpoint

    model: type[models.Model] = apps.get_model(model_label)
    columns = [c for c in _COLUMNS if c.model_label == model_label]
    provider = get_provider()
    key_id = provider.current_key_id
    checkpoint, _ = RotationCheckpoint.objects.get_or_create(model_label=model_label, key_id=key_id)
    changed = 0
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update()
                .filter(pk__gt=checkpoint.last_pk)
                .order_by("pk")[:batch_size]
            )
            if not rows:
                checkpoint.finished = True
                checkpoint.save(update_fields=["finished", "updated_at"])
                return changed
            to_save = []
            for row in rows:
                dirty: set[str] = set()
                for column in columns:
                    value = getattr(row, column.field)
                    if isinstance(column, EncryptedColumn):
                        if value and provider.needs_rotation_text(value):
                            setattr(row, column.field, provider.rotate_text(value, aad=column.aad))
                            dirty.add(column.field)
                    else:
                        for path, token in column.find(value or {}):
                            if token and provider.needs_rotation_text(token):
                                _set_path(value, path, provider.rotate_text(token, aad=column.aad))
                                dirty.add(column.field)
                if dirty:
                    to_save.append((row, dirty))
            for row, dirty in to_save:
                row.save(update_fields=sorted(dirty))
            changed += len(to_save)
            checkpoint.last_pk = rows[-1].pk
            checkpoint.save(update_fields=["last_pk", "updated_at"])
        if progress:
            progress(model_label, checkpoint.last_pk, changed)

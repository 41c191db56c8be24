"""The audit trail: recording, sealing into a keyed hash chain, and verifying the chain.

Rows are written inside the caller's transaction, so an operation whose audit row cannot be
written fails with it. Sealing runs apart from the writers (a frequent task and after bulk
work), so audit writes never queue behind one chain lock.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .context import current
from .crypto import get_provider
from .models import AuditAction, AuditEntry, AuditSeal

CHAIN_PURPOSE = "audit-chain"
GENESIS = "0" * 64
# Writers that commit later than this after their id was drawn may be sealed out of id
# order; entries older than this and still unsealed are reported by verify_chain.
LATE_COMMIT_WINDOW = dt.timedelta(hours=1)


def _json_safe(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The values of `fields` on obj, JSON-safe, for before/after records."""
    data = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        data[name] = value
    return _json_safe(data)


def diff(before: dict | None, after: dict | None) -> dict:
    """{"field": [old, new]} for every field whose value differs."""
    before = before or {}
    after = after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "匿名" if actor is not None else "系统"
    return actor.pk, actor.get_username()


def build(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    region_key: int | None = None,
    subject_id: str = "",
    changes: dict | None = None,
    extra: dict | None = None,
) -> AuditEntry:
    """An unsaved entry; record() saves one, record_many() saves a batch."""
    actor_id, actor_name = _actor_fields(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if region_key is None:
            region_key = getattr(obj, "region_key", None)
    ctx = current()
    return AuditEntry(
        at=timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        ip=ctx.ip if ctx else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        subject_id=subject_id,
        region_key=region_key,
        changes=_json_safe(changes or {}),
        extra=_json_safe({**(extra or {}), **({"request_id": ctx.request_id} if ctx else {})}),
    )


def record(**kwargs) -> AuditEntry:
    entry = build(**kwargs)
    entry.save(force_insert=True)
    return entry


def record_change(
    *, actor, obj: models.Model, action: str, before: dict | None, after: dict | None, **kw
):
    return record(actor=actor, action=action, obj=obj, changes=diff(before, after), **kw)


def record_many(entries: list[AuditEntry], batch_size: int = 2000) -> None:
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


# --- the hash chain ---------------------------------------------------------------------


# What the chain hash covers, in this order (the entry's id first).
_CANONICAL = (
    "id",
    "at",
    "actor_id",
    "actor_name",
    "ip",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "subject_id",
    "region_key",
    "changes",
    "extra",
)


def _canonical(values) -> bytes:
    payload = list(values)
    payload[1] = payload[1].astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def canonical(entry: AuditEntry) -> bytes:
    return _canonical(getattr(entry, "pk" if name == "id" else name) for name in _CANONICAL)


def _link(previous: str, canonical_bytes: bytes) -> str:
    return (
        get_provider().mac(previous.encode() + b"|" + canonical_bytes, purpose=CHAIN_PURPOSE).hex()
    )


def chain_hash(previous: str, entry: AuditEntry) -> str:
    return _link(previous, canonical(entry))


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [727_001])
    # SQLite: the IMMEDIATE transaction already holds the single write lock.


def _insert_seals(rows: list[tuple]) -> None:
    """(seq, entry id, chain hash, sealed at) rows, as plain rows: building model instances
    and a many-placeholder INSERT cost more than hashing a bulk import's entries."""
    meta = AuditSeal._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(meta.get_field(n).column)
        for n in ("seq", "entry_id", "chain_hash", "sealed_at")
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)",  # noqa: S608
                rows,
            )


def seal_pending(batch_size: int = 5000, max_batches: int = 1000) -> int:
    """Append every committed, unsealed entry to the chain. Safe to run concurrently.

    The first batch looks back to the last seal older than LATE_COMMIT_WINDOW (entries that
    committed late sit below sealed ones); later batches of the same call look only above
    the previous batch, so sealing a bulk import's hundred thousand rows stays linear. A
    late entry that commits meanwhile is taken by the next call (the frequent task)."""
    sealed = 0
    floor = None
    for _ in range(max_batches):
        with transaction.atomic():
            _lock_chain()
            last = AuditSeal.objects.order_by("-seq").values_list("seq", "chain_hash").first()
            seq, previous = last if last else (0, GENESIS)
            if floor is None:
                cutoff = timezone.now() - LATE_COMMIT_WINDOW
                anchor = (
                    AuditSeal.objects.filter(sealed_at__lt=cutoff)
                    .order_by("-seq")
                    .values_list("entry_id", flat=True)[:1]
                )
                floor = anchor[0] if anchor else 0
            pending = list(
                AuditEntry.objects.filter(id__gt=floor)
                .exclude(id__in=AuditSeal.objects.filter(entry_id__gt=floor).values("entry_id"))
                .order_by("id")
                .values_list(*_CANONICAL)[:batch_size]
            )
            if not pending:
                return sealed
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            seals = []
            for values in pending:
                seq += 1
                previous = _link(previous, _canonical(values))
                seals.append((seq, values[0], previous, now))
            _insert_seals(seals)
            sealed += len(seals)
            floor = pending[-1][0]
            if len(pending) < batch_size:
                return sealed
    return sealed


@dataclass
class ChainReport:
    checked: int
    first_broken_entry_id: int | None = None
    reason: str = ""
    unsealed_old: int = 0

    @property
    def ok(self) -> bool:
        return self.first_broken_entry_id is None and self.unsealed_old == 0


def verify_chain(chunk: int = 5000, *, using: str = "default") -> ChainReport:
    """Recompute the chain from the start and name the first entry that does not match.

    `using` names the database (a restore checks the database it restored into)."""
    previous = GENESIS
    checked = 0
    expected_seq = 1
    last_seq = 0
    while True:
        seals = list(
            AuditSeal.objects.using(using).filter(seq__gt=last_seq).order_by("seq")[:chunk]
        )
        if not seals:
            break
        entries = AuditEntry.objects.using(using).in_bulk([s.entry_id for s in seals])
        for seal in seals:
            if seal.seq != expected_seq:
                return ChainReport(
                    checked, seal.entry_id, f"封存序号不连续：缺少第 {expected_seq} 号"
                )
            entry = entries.get(seal.entry_id)
            if entry is None:
                return ChainReport(checked, seal.entry_id, f"审计日志第 {seal.entry_id} 条已被删除")
            previous = chain_hash(previous, entry)
            if previous != seal.chain_hash:
                return ChainReport(
                    checked, entry.pk, f"审计日志第 {entry.pk} 条的内容与封存哈希不符（被篡改）"
                )
            checked += 1
            expected_seq += 1
            last_seq = seal.seq
    cutoff = timezone.now() - LATE_COMMIT_WINDOW
    unsealed_old = (
        AuditEntry.objects.using(using)
        .filter(at__lt=cutoff)
        .exclude(id__in=AuditSeal.objects.using(using).values("entry_id"))
        .count()
    )
    report = ChainReport(checked, unsealed_old=unsealed_old)
    if unsealed_old:
        report.reason = f"有 {unsealed_old} 条超过一小时仍未封存的审计日志"
    return report


__all__ = [
    "AuditAction",
    "build",
    "diff",
    "record",
    "record_change",
    "record_many",
    "seal_pending",
    "snapshot",
    "verify_chain",
]

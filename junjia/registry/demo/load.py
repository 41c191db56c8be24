"""Writing the generated rows (COPY on PostgreSQL); loading the demo region or a province."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from junjia.core import audit, clock
from junjia.core.models import AuditAction
from junjia.orgs.api import (
    Level,
    counties_with_villages,
    ensure_scale_staff,
    region_by_code,
    regions_by_codes,
)

from ..models import (
    CategoryMembership,
    ChangeRequest,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from .files import (
    generate_part,
)
from .people import (
    _name,
    pools,
)
from .plan import (
    Part,
    build_parts,
)

DEMO_CITY = "370200"
DEMO_COUNTIES = ("370202", "370203", "370211")
DEMO_COUNT = 5000
PART_SIZE = 5000


# --- writing -------------------------------------------------------------------------------

TABLES: tuple[tuple[str, type], ...] = (
    ("recipients", Recipient),
    ("categories", CategoryMembership),
    ("honours", Honour),
    ("family", FamilyMember),
    ("changes", ChangeRequest),
    ("steps", ReviewStep),
)


@functools.cache
def _columns(model) -> tuple[list, list[str]]:
    """The concrete fields written (explicit ids only for recipients and change requests)."""
    explicit_id = model in (Recipient, ChangeRequest)
    fields = [f for f in model._meta.concrete_fields if explicit_id or not f.primary_key]
    return fields, [f.attname for f in fields]


def _value(f, row: dict):
    if f.attname in row:
        return row[f.attname]
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return timezone.now()
    return f.get_default()


def as_tuples(model, rows: list[dict], for_copy: bool) -> list[tuple]:
    """Rows in column order; JSON as text for COPY."""
    fields, _ = _columns(model)
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    out = []
    for row in rows:
        values = []
        for f in fields:
            v = _value(f, row)
            if isinstance(v, enum.Enum):
                v = v.value
            if for_copy and f.attname in json_fields:
                v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
            values.append(v)
        out.append(tuple(values))
    return out


def part_tuples(part: Part) -> tuple[dict[str, list[tuple]], int, int]:
    """Worker entry point: a part as ready-to-write tuples, plus (people, unknown codes)."""
    rows = generate_part(part)
    tables = {name: as_tuples(model, getattr(rows, name), part.for_copy) for name, model in TABLES}
    return tables, len(rows.recipients), rows.unknown_codes


def write_tuples(model, tuples: list[tuple]) -> None:
    """COPY on PostgreSQL; batched INSERTs elsewhere (values adapted by the fields)."""
    if not tuples:
        return
    fields, _ = _columns(model)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
        )
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in tuples:
                copy.write_row(row)
        return
    qn = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model)
        qn(table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    prepared = [
        [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
        for row in tuples
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 500):
            cursor.executemany(statement, prepared[start : start + 500])


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [Recipient, ChangeRequest])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# --- loading -------------------------------------------------------------------------------


@dataclass
class LoadResult:
    people: int = 0
    unknown_codes: int = 0
    seconds: float = 0.0
    by_status: dict = field(default_factory=dict)
    rows: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0


def _pooled(pool, parts: list[Part], workers: int) -> Iterable[tuple]:
    """Parts as tuples, in order, with at most 2 × workers parts in flight, so memory stays
    constant however large the load."""
    pending: deque = deque()
    queue = iter(parts)
    for part in queue:
        pending.append(pool.apply_async(part_tuples, (part,)))
        if len(pending) >= 2 * workers:
            break
    while pending:
        yield pending.popleft().get()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(pool.apply_async(part_tuples, (nxt,)))


def load(
    parts: list[Part],
    *,
    workers: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
) -> LoadResult:
    """Write every part in one transaction; returns what was written. With workers > 1 the
    rows are generated (pinyin, encryption, blind indexes) in forked processes."""
    pools()  # build once, before any fork
    if workers <= 1 or len(parts) <= 1 or connection.in_atomic_block:
        # Forking needs the connection closed, which an enclosing transaction forbids.
        return _write(parts, (part_tuples(part) for part in parts), progress)
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a database socket with forked children
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return _write(parts, _pooled(pool, parts, workers), progress)


def _write(parts: list[Part], stream: Iterable[tuple], progress) -> LoadResult:
    result = LoadResult()
    total = sum(p.count for p in parts)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Check foreign keys per COPY statement, not in one queue at commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for tables, people, unknown in stream:
            for name, model in TABLES:
                write_tuples(model, tables[name])
                result.rows[name] += len(tables[name])
            result.people += people
            result.unknown_codes += unknown
            if progress:
                progress(result.people, total, time.perf_counter() - started)
        _reset_sequences()
    result.seconds = time.perf_counter() - started
    return result


def _summarise(result: LoadResult, region, label: str, seed: int) -> None:
    from django.db.models import Count

    low, high = region.key, region.key_high
    result.by_status = dict(
        Recipient.objects.filter(region_key__gte=low, region_key__lte=high)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    audit.record(
        actor=None,
        action=AuditAction.IMPORT,
        object_type="registry.demo",
        object_repr=label,
        region_key=region.key,
        extra={
            "recipients": result.people,
            "rows": dict(result.rows),
            "by_status": result.by_status,
            "unknown_address_codes": result.unknown_codes,
            "seed": seed,
            "seconds": round(result.seconds, 1),
        },
    )


def refresh_counts() -> int:
    from ..tasks import refresh_category_counts

    return refresh_category_counts.call()


def recipients_exist() -> bool:
    return Recipient.objects.exists()


def load_demo(
    *, count: int = DEMO_COUNT, seed: int = 7, today: dt.date | None = None
) -> LoadResult:
    """Fill the demo region (orgs.demo) with `count` files."""
    counties = regions_by_codes(DEMO_COUNTIES)
    if len(counties) != len(DEMO_COUNTIES):
        raise ValueError("演示区划不存在，请先运行 manage.py load_demo。")
    parts = build_parts(
        counties,
        count=count,
        seed=seed,
        today=today or clock.today(),
        part_size=PART_SIZE,
        for_copy=connection.vendor == "postgresql",
    )
    result = load(parts)
    with transaction.atomic():
        _summarise(result, region_by_code(DEMO_CITY), "服务对象演示数据", seed)
    refresh_counts()
    return result


# --- province scale --------------------------------------------------------------------------


def _staff_name(rng: random.Random) -> str:
    """A name for a scale account (orgs.demo.ensure_scale_staff): seven in ten men's names."""
    return _name(rng, rng.random() > 0.3, 1980)


def load_scale(
    *,
    province_code: str = "370000",
    count: int = 1_000_000,
    seed: int = 7,
    workers: int = 1,
    part_size: int = PART_SIZE,
    today: dt.date | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> LoadResult:
    """Spread `count` files over the villages of a province (after load_demo --scale
    province)."""
    province = region_by_code(province_code)
    if province is None or province.level != Level.PROVINCE:
        raise ValueError(f"没有代码为 {province_code} 的省级区划。")
    ensure_scale_staff(province, full_name=_staff_name)
    counties = counties_with_villages(province.key, province.key_high)
    if not counties:
        raise ValueError(f"{province.name}下没有村（社区），请先运行 load_demo --scale province。")
    parts = build_parts(
        counties,
        count=count,
        seed=seed,
        today=today or clock.today(),
        part_size=part_size,
        for_copy=connection.vendor == "postgresql",
    )
    result = load(parts, workers=workers, progress=progress)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for _, model in TABLES:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    with transaction.atomic():
        _summarise(result, province, f"服务对象规模数据（{province.name}）", seed)
    return result

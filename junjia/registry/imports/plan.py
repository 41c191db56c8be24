"""Planning an import (pass 1): every sheet checked in blocks, rows kept in a temporary store,
and each person decided — new file, update, change request, duplicate or refused; then the
write (pass 2) of what was decided."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from junjia.core import jobs, xlsx
from junjia.core.errors import DomainError
from junjia.core.models import Job
from junjia.orgs.api import Level, can_reach, jurisdiction_of, require_capability
from junjia.registry import roles

from .. import errors, services
from ..choices import FileStatus
from ..models import RECIPIENT_ID, ChangeRequest, Recipient
from ..sections import SECTION_BY_KEY
from .rows import Row, _Context, check_row
from .template import (
    BASIC,
    ID_HEADER,
    LISTS,
    REGION_HEADER,
    SHEET_BY_TITLE,
    SHEET_ORDER,
    SHEETS,
    TITLE_BY_KEY,
)
from .write import _LIST_HEAD, _LIST_MODELS, _LIST_TAIL, _list_text, _Writer

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# The sheets are streamed, so the inflate cap guards time, not memory; the compression-ratio
# check in core.xlsx catches zip bombs long before this.
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
PREVIEW_ERRORS = 200

NO_SHEETS = (
    "文件中没有可导入的工作表（应为“基本信息”“服役信息”“类别”等），"
    "请使用下载的模板填写。未导入任何数据。"
)


class ImportRefused(DomainError):
    """The file as a whole cannot be imported; nothing was written."""


class _NothingWritten(Exception):
    """Rolls back a streaming import whose file had errors (the user chose all or nothing)."""


# --- one block of a sheet, in a worker process ---------------------------------------------

# What the workers check with: set by ImportRun.check() before the pool forks.
_CTX: _Context | None = None


def _check_block(task: tuple[str, dict[str, int], str]) -> list[Row]:
    """Worker entry: parse one block of a sheet and check its rows."""
    title, header_map, block = task
    ctx = _CTX
    sheet = SHEET_BY_TITLE[title]
    out = []
    for number, values in ctx.workbook.parse_block(title, block):
        if number <= 1:
            continue
        cells = {h: (values[i] if i < len(values) else None) for h, i in header_map.items()}
        first = cells.get(ID_HEADER)  # set in all but blank rows: the full test only then
        if not (isinstance(first, str) and first.strip()) and all(
            v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()
        ):
            continue
        row = check_row(sheet, number, cells, ctx)
        if row[0] and sheet.key != BASIC:  # stored as they are: pickled here, not in main
            stored = pickle.dumps(row[4], 5)
            if sheet.is_list and ctx.tail_base is not None:  # streaming: its COPY text too
                stored = (stored, _list_text(sheet.key, row[4]))
            row = (*row[:4], stored, *row[5:])
        out.append(row)
    return out


def _init_worker() -> None:
    """Forked workers never touch the database: the parent's connection stays the
    parent's (no queries, no close — the socket is shared until the worker exits)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The forms ask for today's date (timezone.localdate) on every row; with no time zone
    # activated each ask falls through asgiref's context-local lookup by way of an
    # exception, a few per cent of a worker's time. Activate the default one (a worker is
    # its own process: nothing else sees this).
    timezone.activate(timezone.get_default_timezone())


# --- the plan: pass 1 over every sheet --------------------------------------------------------


@dataclass
class Plan:
    """What an import would do, and every problem found; nothing written yet."""

    rows: int = 0
    creates: int = 0
    updates: int = 0  # drafts and returned files, updated in place
    changes: int = 0  # approved files: change requests
    error_count: int = 0
    warning_count: int = 0
    errors: list[xlsx.RowError] = field(default_factory=list)  # the first PREVIEW_ERRORS
    sheets: list[str] = field(default_factory=list)

    @property
    def valid_count(self) -> int:
        return self.creates + self.updates + self.changes


class _Spill:
    """A temporary SQLite file holding checked rows between the passes."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="junjia-import-")
        self.db = sqlite3.connect(os.path.join(self.dir, "rows.sqlite3"))
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -8000;
            CREATE TABLE person (id TEXT PRIMARY KEY, row INTEGER, rid INTEGER,
                                 status TEXT, payload BLOB, pk INTEGER, rkey INTEGER);
            CREATE TABLE sect (id TEXT, sheet TEXT, row INTEGER, payload BLOB,
                               PRIMARY KEY (id, sheet));
            CREATE TABLE item (id TEXT, sheet TEXT, row INTEGER, payload BLOB);
            CREATE INDEX item_id ON item (id);
            CREATE TABLE err (sheet_no INTEGER, sheet TEXT, row INTEGER, col TEXT, value TEXT,
                              reason TEXT, warning TEXT, id TEXT);
            CREATE TABLE bad (id TEXT PRIMARY KEY, row INTEGER);
            """
        )

    def close(self) -> None:
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    failures = 0  # error rows recorded so far (warnings not counted)

    def error(self, title, number, header, value, reason="", warning="", id_number=""):
        if reason:
            self.failures += 1
        self.db.execute(
            "INSERT INTO err VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (SHEET_ORDER.get(title, 99), title, number, header, value, reason, warning, id_number),
        )

    def errors(self, *, limit: int | None = None, warnings: bool = True) -> Iterator[xlsx.RowError]:
        sql = "SELECT sheet, row, col, value, reason, warning FROM err"
        if not warnings:
            sql += " WHERE reason != ''"
        sql += " ORDER BY sheet_no, row, rowid"
        if limit:
            sql += f" LIMIT {int(limit)}"
        for row in self.db.execute(sql):
            yield xlsx.RowError(*row)

    def count(self, sql: str, params=()) -> int:
        return self.db.execute(sql, params).fetchone()[0]


def _county_codes() -> frozenset[str]:
    """Division codes of county level and above: the identity number's address code is
    checked against these (services.known_county, preloaded once for the whole file)."""
    from junjia.orgs.api import region_codes

    return frozenset(region_codes(Level.PROVINCE, Level.CITY, Level.COUNTY))


# Blocks in flight per worker. While the main process waits for PostgreSQL to take a block
# of new files, the workers go on with the next ones instead of idling; a block's checked
# rows take well under a megabyte, so memory stays flat.
_IN_FLIGHT = 8


def _default_workers(source: xlsx.Source) -> int:
    """Forked checking workers for a file: none for a small one; JUNJIA_IMPORT_WORKERS (a
    whole number) overrides the choice (0: check in this process)."""
    configured = getattr(settings, "JUNJIA_IMPORT_WORKERS", None)
    if configured is not None:
        return int(configured)
    if (
        xlsx.upload_size(source) < 2 * 1024 * 1024
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 0
    return max(1, min(4, os.cpu_count() or 1))


class ImportRun:
    """One pass of checks over a file (and, for a job, the write). Use as a context manager:
    the temporary row store is removed on exit."""

    def __init__(self, actor, source: xlsx.Source, *, prepare: bool, workers: int | None = None):
        require_capability(actor, roles.EDIT)
        self.actor = actor
        self.juris = jurisdiction_of(actor)
        if self.juris is None:
            raise ImportRefused("您没有所属服务站，不能导入档案。")
        xlsx.check_upload(
            source, max_bytes=MAX_UPLOAD_BYTES, max_uncompressed=MAX_UNCOMPRESSED_BYTES
        )
        self.source = source  # bytes, or an open file (the job's: never read into memory)
        self.prepare = prepare
        self.workers = _default_workers(source) if workers is None else workers
        self.spill = _Spill()
        self._regions: dict[str, tuple | None] = {}
        self.plan = Plan()
        # Set by execute() on PostgreSQL: new files are written as their basic rows are
        # checked (all or nothing: only while no row has failed).
        self.writer: _Writer | None = None
        self.valid_only = True
        self._unwritten: list[tuple[int, str]] = []  # (recipient id, list) to take back out

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *exc) -> None:
        self.spill.close()

    # pass 1

    def check(self, progress: Callable | None = None) -> Plan:
        global _CTX
        with xlsx.StreamingWorkbook(
            self.source, max_uncompressed=MAX_UNCOMPRESSED_BYTES
        ) as workbook:
            titles = [s.title for s in SHEETS if s.title in workbook.sheet_names]
            if not titles:
                raise ImportRefused(NO_SHEETS)
            headers = {t: self._header_map(workbook, t) for t in titles}
            self.plan.sheets = titles
            # The one-row-per-person sections first, then 基本信息, then the lists: when a
            # block of basic rows has been checked, everything its new files need for their
            # row is known, so a streaming import writes them then, while later blocks are
            # checked.
            rank = {BASIC: 1, **dict.fromkeys(LISTS, 2)}
            titles = sorted(titles, key=lambda t: rank.get(SHEET_BY_TITLE[t].key, 0))
            tail_base = self.writer.tail_base() if self.writer else None
            _CTX = _Context(
                workbook, timezone.localdate(), _county_codes(), self.prepare, tail_base
            )
            try:
                tasks = ((t, headers[t], block) for t in titles for block in workbook.blocks(t))
                done = 0
                for rows in self._map(_check_block, tasks):
                    self._absorb(rows)
                    done += len(rows)
                    if progress:
                        progress(done)
            finally:
                _CTX = None
        self._cross_check()
        self._fill_plan()
        return self.plan

    def _header_map(self, workbook, title: str) -> dict[str, int]:
        sheet = SHEET_BY_TITLE[title]
        header = workbook.header(title)
        index = {h: i for i, h in reversed(list(enumerate(header))) if h}
        if ID_HEADER not in index:
            raise ImportRefused(
                f"工作表“{title}”的第一行缺少“{ID_HEADER}”列，请使用下载的模板。未导入任何数据。"
            )
        required = [REGION_HEADER, "姓名"] if sheet.key == BASIC else []
        missing = [h for h in required if h not in index]
        if missing:
            raise ImportRefused(
                f"工作表“{title}”缺少“{'”“'.join(missing)}”列，请使用下载的模板。未导入任何数据。"
            )
        return {h: i for h, i in index.items() if h in sheet.headers}

    def _map(self, func, tasks: Iterable) -> Iterator:
        """func over tasks in order: in this process, or over forked workers with a bounded
        number of blocks in flight (memory stays flat whatever the file's length)."""
        if not self.workers:
            for task in tasks:
                yield func(task)
            return
        context = multiprocessing.get_context("fork")
        with context.Pool(self.workers, initializer=_init_worker) as pool:
            window: deque = deque()
            for task in tasks:
                window.append(pool.apply_async(func, (task,)))
                if len(window) >= self.workers * _IN_FLIGHT:
                    yield window.popleft().get()
            while window:
                yield window.popleft().get()

    def _absorb(self, rows: list[Row]) -> None:
        """Store one block's checked rows; database checks run here, a block at a time."""
        spill = self.spill
        basic_ok, sections_ok, items_ok = [], [], []
        for ok, key, number, id_number, payload, problems, warnings in rows:
            title = TITLE_BY_KEY[key]
            for header, value, warning in warnings:
                spill.error(title, number, header, value, "", warning, id_number)
            if not ok:
                for header, value, reason in problems:
                    spill.error(title, number, header, value, reason, "", id_number)
                if key == BASIC and id_number:
                    spill.db.execute("INSERT OR IGNORE INTO bad VALUES (?, ?)", (id_number, number))
                continue
            if key == BASIC:
                basic_ok.append((number, id_number, payload))
            elif key in LISTS:
                items_ok.append((id_number, key, number, payload))
            else:
                sections_ok.append((id_number, key, number, payload))
        self.plan.rows += len(rows)
        if sections_ok:
            self._absorb_sections(sections_ok)
        if basic_ok:
            self._absorb_basic(basic_ok)
        if items_ok:
            self._absorb_items(items_ok)

    def _absorb_sections(self, rows: list[tuple[str, str, int, bytes]]) -> None:
        """One-row sections (pickled payloads): a second row for the same person is an
        error naming the first."""
        spill = self.spill
        first: dict[tuple[str, str], int] = {}
        ids = list({r[0] for r in rows})
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for id_number, key, number in spill.db.execute(
                f"SELECT id, sheet, row FROM sect WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ):
                first[(id_number, key)] = number
        fresh = []
        for id_number, key, number, blob in rows:
            earlier = first.get((id_number, key))
            if earlier is not None:
                spill.error(
                    TITLE_BY_KEY[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"与第 {earlier} 行重复（每人一行）。",
                )
                continue
            first[(id_number, key)] = number
            fresh.append((id_number, key, number, blob))
        spill.db.executemany("INSERT INTO sect VALUES (?, ?, ?, ?)", fresh)

    def _absorb_items(self, rows: list[tuple[str, str, int, bytes | tuple]]) -> None:
        """List rows (pickled payloads). While streaming, those of files just written go to
        the database now (a later bad row of the same list takes them out again: see
        _cross_check); the row store keeps a marker for them, and the rest whole."""
        spill = self.spill
        written: dict[str, tuple[int, int]] = {}
        if self._streaming():
            ids = list({r[0] for r in rows})
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                for id_number, pk, key in spill.db.execute(
                    "SELECT id, pk, rkey FROM person WHERE pk IS NOT NULL "  # noqa: S608
                    f"AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ):
                    written[id_number] = (pk, key)
        if self.writer is not None:
            self.writer.send_later()  # the basic rows are all in: 基本信息 precedes the lists
        lines: dict[str, list[str]] = {key: [] for key in LISTS}
        stored = []
        for id_number, key, number, payload in rows:
            # (pickled item, COPY text) while streaming, else the pickled item alone
            blob, text = payload if isinstance(payload, tuple) else (payload, None)
            found = written.get(id_number)
            if found is None:
                stored.append((id_number, key, number, blob))
                continue
            pk, region_key = found
            lines[key].append(
                f"{pk}\t{region_key}\t{text}\n" if key == "categories" else f"{pk}\t{text}\n"
            )
            stored.append((id_number, key, number, None))
        if any(lines.values()):
            self.writer.send(
                [
                    (_LIST_MODELS[key], _LIST_HEAD[key] + _LIST_TAIL[key], texts)
                    for key, texts in lines.items()
                ]
            )
        spill.db.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", stored)

    def _absorb_basic(self, rows: list[tuple[int, str, dict]]) -> None:
        spill, title = self.spill, SECTION_BY_KEY[BASIC].label
        seen: dict[str, int] = {}
        for start in range(0, len(rows), 900):
            ids = [r[1] for r in rows[start : start + 900]]
            seen.update(
                spill.db.execute(
                    f"SELECT id, row FROM person WHERE id IN ({','.join('?' * len(ids))})",  # noqa: S608
                    ids,
                ).fetchall()
            )
        fresh = []
        for number, id_number, payload in rows:
            if id_number in seen:
                spill.error(
                    title,
                    number,
                    ID_HEADER,
                    id_number,
                    f"与本工作表第 {seen[id_number]} 行的身份证号码重复。",
                    id_number=id_number,
                )
                continue
            seen[id_number] = number
            fresh.append((number, id_number, payload))
        self._resolve_regions({p["household_code"] for _, _, p in fresh})
        placed = []
        for number, id_number, payload in fresh:
            code = payload["household_code"]
            region = self._regions.get(code)
            reason = None
            if region is None:
                reason = f"区划代码 {code} 不存在。"
            elif region[2] < Level.TOWNSHIP:
                reason = errors.HOUSEHOLD_LEVEL
            elif not can_reach(self.actor, roles.EDIT, region[1]):
                reason = errors.OUTSIDE
            if reason:
                self._bad_basic(number, id_number, REGION_HEADER, code, reason)
                continue
            payload["region"] = region
            placed.append((number, id_number, payload))
        streaming = self._streaming()
        if streaming:
            prepared = self.writer.prepare(placed, self._sections_of([p[1] for p in placed]))
        existing = self._existing([p["id_index"] for _, _, p in placed])
        keep, new = [], []
        for number, id_number, payload in placed:
            found = existing.get(payload["id_index"])
            if found is None:
                if streaming:
                    new.append((id_number, *prepared[id_number]))
                else:
                    keep.append((id_number, number, None, None, payload))
                continue
            rid, status, reason = self._existing_problem(found)
            if reason:
                self._bad_basic(number, id_number, ID_HEADER, id_number, reason)
            elif found["household_region_id"] != payload["region"][0]:
                code = payload["household_code"]
                self._bad_basic(number, id_number, REGION_HEADER, code, errors.MOVED_BY_IMPORT)
            else:
                keep.append((id_number, number, rid, status, payload))
        if new:
            spill.db.executemany(
                "INSERT INTO person VALUES (?, ?, NULL, NULL, NULL, ?, ?)", self.writer.stream(new)
            )
        spill.db.executemany(
            "INSERT INTO person VALUES (?, ?, ?, ?, ?, NULL, NULL)",
            [(i, n, r, st, pickle.dumps(p, 5)) for i, n, r, st, p in keep],
        )

    def _bad_basic(self, number: int, id_number: str, header: str, value: str, reason: str):
        self.spill.error(
            SECTION_BY_KEY[BASIC].label, number, header, value, reason, id_number=id_number
        )
        self.spill.db.execute("INSERT OR IGNORE INTO bad VALUES (?, ?)", (id_number, number))

    def _db(self) -> None:
        """Before the main process uses the connection: the writer's COPYs are done."""
        if self.writer is not None:
            self.writer.wait()

    def _streaming(self) -> bool:
        return self.writer is not None and (self.valid_only or not self.spill.failures)

    def _sections_of(self, ids: list[str]) -> dict[str, dict]:
        """The one-row sections (checked before 基本信息) of these people."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM sect WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ):
                found.setdefault(id_number, {})[key] = pickle.loads(payload)  # noqa: S301
        return found

    def _resolve_regions(self, codes: set[str]) -> None:
        from junjia.orgs.api import region_facts

        wanted = [c for c in codes if c not in self._regions]
        if wanted:
            self._db()
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            for code in chunk:
                self._regions[code] = None
            for pk, code, key, level in region_facts(chunk):
                self._regions[code] = (pk, key, level, code)

    def _existing(self, indexes: list[str]) -> dict[str, dict]:
        self._db()
        found = {}
        names = ("pk", "id_index", "region_key", "status", "household_region_id")
        if connection.vendor == "postgresql" and indexes:
            # One array parameter instead of a placeholder per number: this runs for every
            # block of basic rows, and building and sending a thousand-placeholder query
            # cost more than the lookup itself.
            meta = Recipient._meta
            columns = ", ".join(
                meta.pk.column if n == "pk" else meta.get_field(n).column for n in names
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {columns} FROM {meta.db_table} WHERE "  # noqa: S608
                    f"{meta.get_field('id_index').column} = ANY(%s) AND "
                    f"{meta.get_field('status').column} <> %s",
                    [indexes, FileStatus.WITHDRAWN],
                )
                for row in cursor.fetchall():
                    found[row[1]] = dict(zip(names, row, strict=True))
        else:
            for start in range(0, len(indexes), 1000):
                chunk = indexes[start : start + 1000]
                for row in (
                    Recipient.objects.filter(id_index__in=chunk)
                    .exclude(status=FileStatus.WITHDRAWN)
                    .values(*names)
                ):
                    found[row["id_index"]] = row
        if found:
            busy = set(
                ChangeRequest.objects.filter(
                    recipient_id__in=[r["pk"] for r in found.values()], status="submitted"
                ).values_list("recipient_id", flat=True)
            )
            for row in found.values():
                row["change_submitted"] = row["pk"] in busy
        return found

    def _existing_problem(self, found: dict) -> tuple[int | None, str | None, str | None]:
        """(recipient id, status, None) when the file may be updated, else the reason."""
        if not can_reach(self.actor, roles.EDIT, found["region_key"]):
            holder = Recipient.objects.select_related("household_region").get(pk=found["pk"])
            return (
                None,
                None,
                errors.DUPLICATE.format(station=services.holding_station_name(holder)),
            )
        status = found["status"]
        if status == FileStatus.SUBMITTED or (
            status == FileStatus.APPROVED and found["change_submitted"]
        ):
            return None, None, errors.NOT_EDITABLE
        return found["pk"], status, None

    def _cross_check(self) -> None:
        """Rows of the other sheets need a good basic row or an existing file."""
        if self.writer is not None:
            self.writer.send_later()
        self._db()
        db = self.spill.db
        titles = TITLE_BY_KEY
        # Rows whose person's basic row failed.
        for table in ("sect", "item"):
            for id_number, key, number, bad_row in db.execute(
                f"SELECT t.id, t.sheet, t.row, bad.row FROM {table} t JOIN bad ON bad.id = t.id"  # noqa: S608
            ).fetchall():
                self.spill.error(
                    titles[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"该身份证号码在“基本信息”第 {bad_row} 行有错误，本行未导入。",
                    id_number=id_number,
                )
            db.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM bad)")  # noqa: S608
        # Numbers only in the other sheets: they must name an existing file we may edit.
        orphans = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT id FROM (SELECT id FROM sect UNION SELECT id FROM item) "
                "WHERE id NOT IN (SELECT id FROM person)"
            )
        ]
        for start in range(0, len(orphans), 1000):
            chunk = orphans[start : start + 1000]
            lookups = {RECIPIENT_ID.lookup(n): n for n in chunk}
            existing = self._existing(list(lookups))
            keep = []
            for index, id_number in lookups.items():
                found = existing.get(index)
                if found is None:
                    reason = "系统中没有该身份证号码的档案，“基本信息”中也没有这一行。"
                    rid = status = None
                else:
                    rid, status, reason = self._existing_problem(found)
                if reason:
                    self._fail_person(id_number, reason)
                else:
                    keep.append((id_number, None, rid, status, None))
            db.executemany("INSERT INTO person VALUES (?, ?, ?, ?, ?, NULL, NULL)", keep)
        # A list is replaced whole: one bad row keeps the person's whole list out.
        list_keys = {TITLE_BY_KEY[k]: k for k in LISTS}
        failed = db.execute(
            "SELECT DISTINCT id, sheet FROM err WHERE reason != '' AND id != '' "
            "AND sheet IN (?, ?, ?)",
            list(list_keys),
        ).fetchall()
        for id_number, key in ((i, list_keys[t]) for i, t in failed):
            for (number,) in db.execute(
                "SELECT row FROM item WHERE id = ? AND sheet = ?", (id_number, key)
            ).fetchall():
                self.spill.error(
                    titles[key],
                    number,
                    ID_HEADER,
                    id_number,
                    f"同一人在本工作表的其他行有错误，其{titles[key]}均未导入。",
                    id_number=id_number,
                )
            db.execute("DELETE FROM item WHERE id = ? AND sheet = ?", (id_number, key))
            written = db.execute(
                "SELECT pk FROM person WHERE id = ? AND pk IS NOT NULL", (id_number,)
            ).fetchone()
            if written:  # its good rows were written while streaming: take them out
                self._unwritten.append((written[0], key))

    def _fail_person(self, id_number: str, reason: str) -> None:
        db = self.spill.db
        titles = TITLE_BY_KEY
        for table in ("sect", "item"):
            for key, number in db.execute(
                f"SELECT sheet, row FROM {table} WHERE id = ?",  # noqa: S608
                (id_number,),
            ).fetchall():
                self.spill.error(titles[key], number, ID_HEADER, id_number, reason, "", id_number)
            db.execute(f"DELETE FROM {table} WHERE id = ?", (id_number,))  # noqa: S608

    def _fill_plan(self) -> None:
        spill, plan = self.spill, self.plan
        plan.creates = spill.count("SELECT COUNT(*) FROM person WHERE rid IS NULL")
        plan.updates = spill.count(
            "SELECT COUNT(*) FROM person WHERE status IN (?, ?)",
            (FileStatus.DRAFT, FileStatus.RETURNED),
        )
        plan.changes = spill.count(
            "SELECT COUNT(*) FROM person WHERE status = ?", (FileStatus.APPROVED,)
        )
        plan.error_count = spill.count(
            "SELECT COUNT(*) FROM (SELECT DISTINCT sheet, row FROM err WHERE reason != '')"
        )
        plan.warning_count = spill.count("SELECT COUNT(*) FROM err WHERE warning != ''")
        plan.errors = list(spill.errors(limit=PREVIEW_ERRORS))

    def error_report(self, target=None):
        return xlsx.error_report(self.spill.errors(), warnings=True, target=target)

    # pass 2

    def execute(self, *, valid_only: bool, job: Job | None = None, progress=None) -> dict | None:
        """Check every row and write the good ones in one transaction. Returns the counts
        (Chinese labels), or None when a row failed and the user chose to import nothing:
        then nothing is written, and the error report is ready (error_report()).

        On PostgreSQL the new files are written while the later blocks are still being
        checked — the server's work overlaps the workers' — and the job's progress is
        written aside (jobs.Progress.detached) so that the page sees it meanwhile. On SQLite
        (one writer at a time) the check runs first, then the write."""
        self.valid_only = valid_only

        def report(done: int) -> None:
            if progress is not None:
                progress(done)

        if connection.vendor != "postgresql":
            plan = self.check(progress=report)
            if plan.error_count and not valid_only:
                return None
            return self.write(job=job)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Foreign keys checked as each COPY ends, while the workers go on,
                    # rather than all at once at the commit.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.writer = _Writer(self.actor, job)
                detached = getattr(progress, "detached", None)
                with detached() if detached else nullcontext():
                    plan = self.check(progress=report)
                if plan.error_count and not valid_only:
                    raise _NothingWritten
                return self.write(job=job)
        except _NothingWritten:
            return None
        finally:
            if self.writer is not None:
                # The helper thread is done before this returns; on this path an error was
                # already raised, and that is the one to report.
                with suppress(Exception):
                    self.writer.wait()
                self.writer.close()
            self.writer = None

    def write(self, *, job: Job | None = None) -> dict:
        """Write every good row not yet written, in one transaction (the caller's, when
        streaming); returns counts (Chinese labels)."""
        writer = self.writer or _Writer(self.actor, job)
        self._db()
        # Progress is not written inside the transaction: nobody else could see it.
        with transaction.atomic():
            for pk, key in self._unwritten:
                _LIST_MODELS[key].objects.filter(recipient_id=pk).delete()
            for chunk in self._people("rid IS NULL AND pk IS NULL AND payload IS NOT NULL", 2000):
                if self.writer is not None:
                    raise RuntimeError("a new file was left unwritten by the streaming import")
                writer.create(chunk)
            for chunk in self._people("rid IS NOT NULL", 200):
                writer.update(chunk)
            writer.flush_audit()
            result = {
                "新建档案（草稿）": writer.created,
                "更新草稿": writer.updated,
                "生成变更申请": writer.changed,
                "无变化": writer.unchanged,
                "错误行": self.plan.error_count,
                "警告": self.plan.warning_count,
            }
            if job is not None:
                # With the rows: a worker that dies after the commit leaves a finished job.
                jobs.commit_result(job, result)
        return result

    def _people(self, where: str, size: int) -> Iterator[list[tuple]]:
        """People in file order with their sections and lists, `size` at a time."""
        db = self.spill.db
        cursor = db.execute(
            f"SELECT id, row, rid, status, payload FROM person WHERE {where} "  # noqa: S608
            "ORDER BY row IS NULL, row, id"
        )
        while batch := cursor.fetchmany(size):
            ids = [b[0] for b in batch]
            marks = ",".join("?" * len(ids))
            sections: dict[str, dict] = {}
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM sect WHERE id IN ({marks})",  # noqa: S608
                ids,
            ):
                sections.setdefault(id_number, {})[key] = pickle.loads(payload)  # noqa: S301
            lists: dict[str, dict] = {}
            for id_number, key, payload in self.spill.db.execute(
                f"SELECT id, sheet, payload FROM item WHERE id IN ({marks}) "  # noqa: S608
                "AND payload IS NOT NULL ORDER BY row",
                ids,
            ):
                lists.setdefault(id_number, {}).setdefault(key, []).append(
                    pickle.loads(payload)  # noqa: S301
                )
            yield [
                (
                    id_number,
                    row,
                    rid,
                    status,
                    pickle.loads(payload) if payload else None,  # noqa: S301
                    sections.get(id_number, {}),
                    lists.get(id_number, {}),
                )
                for id_number, row, rid, status, payload in batch
            ]


# --- entry points ----------------------------------------------------------------------------


def plan_import(actor, source: xlsx.Source, *, workers: int | None = None) -> tuple[Plan, bytes]:
    """Check every row without writing; returns the plan and the full report (.xlsx)."""
    with ImportRun(actor, source, prepare=False, workers=workers) as run:
        plan = run.check()
        return plan, run.error_report()


def quick_check(actor, source: xlsx.Source) -> Plan:
    """For files too large to check within a page request: refuse what is not a readable
    template (size, encryption, zip bombs, missing sheets or columns); rows are checked by
    the job."""
    with (
        ImportRun(actor, source, prepare=False, workers=0) as run,
        xlsx.StreamingWorkbook(source, max_uncompressed=MAX_UNCOMPRESSED_BYTES) as workbook,
    ):
        titles = [s.title for s in SHEETS if s.title in workbook.sheet_names]
        if not titles:
            raise ImportRefused(NO_SHEETS)
        for title in titles:
            run._header_map(workbook, title)
        return Plan(sheets=titles)

"""Writing an import: new files by COPY (PostgreSQL) or bulk_create, existing ones through the
services' snapshot path, one audit row per file; all in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from junjia.core import audit
from junjia.core.models import AuditAction, AuditEntry, Job

from .. import services, snapshots
from ..choices import FileStatus
from ..models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    CategoryMembership,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from ..naming import pinyin_keys
from ..sections import SECTION_BY_KEY, SECTIONS
from .template import BASIC, LISTS

# --- a new file's columns, prepared in the worker that checked its basic row ----------------

# Blind indexes of the last four characters, per process: only 11,000 can exist, so in a
# large file most are seen before. Keyed by the provider too (a key change starts afresh).


def _prepare_basic(payload: dict, parsed, tail_base: dict | None) -> None:
    """The costly part of a new file, done here in the worker: encryption and blind indexes
    (core.personal, through the file's declared columns), pinyin keys (naming), and the
    columns and audit text of the new row.
    With `tail_base` (streaming to PostgreSQL) the columns travel as COPY text: the row's
    columns that no other sheet sets (_TAIL), and its audit row's repr and changes."""
    fields_ = payload["fields"]
    id_values = RECIPIENT_ID.seal(parsed.value)
    columns = {k: v for k, v in fields_.items() if k != "phone"}
    columns.update(id_values)
    if fields_.get("phone"):
        columns.update(RECIPIENT_PHONE.seal(fields_["phone"]))
    columns["name_pinyin"], columns["name_initials"] = pinyin_keys(fields_.get("name", ""))
    columns["gender"], columns["birth_date"] = parsed.gender, parsed.birth_date
    payload["id_index"] = id_values["id_index"]
    text = f"{fields_.get('name', '')}（{id_values['id_masked']}）"[:200]
    changes = {
        "name": [None, fields_.get("name", "")],
        "id_number": [None, id_values["id_masked"]],
        "household_region": [None, payload["household_code"]],
    }
    if tail_base is None:
        payload["columns"], payload["repr"], payload["audit_changes"] = columns, text, changes
        return
    # tail_base: the shared columns already as text; only the row's own are formatted.
    texts = tail_base["texts"].copy()
    at = _TAIL_INDEX
    for name, value in columns.items():
        texts[at[name]] = _copy_value(value)
    payload["tail"] = "\t".join(texts)
    payload["audit"] = _copy_value(text) + "\t" + _copy_value(changes)


# --- pass 2: writing ---------------------------------------------------------------------------


def _values(section_key: str, fields_: dict) -> tuple[dict, dict]:
    """A section's cleaned values split into Recipient columns and JSON details."""
    section = SECTION_BY_KEY[section_key]
    columns, details = {}, {}
    for name, value in fields_.items():
        if name in section.columns:
            columns[name] = value
        else:
            details[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return columns, details


class _Writer:
    """Bulk writes for one import job, inside the caller's transaction."""

    def __init__(self, actor, job: Job | None):
        self.actor = actor
        self.job = job
        self.now = timezone.now()
        self.station_name = actor.station.name if actor.station_id else ""
        self.pg = connection.vendor == "postgresql"
        self.created = self.updated = self.changed = self.unchanged = 0
        self.audit: list[dict] = []
        self.job_ref = str(job.pk) if job else ""
        # The shared part of every audit row (who, when, from where): built by audit.build;
        # each file then adds its own object, subject and changes.
        template = audit.build(
            actor=actor, action=AuditAction.IMPORT, object_type="registry.recipient"
        )
        self.audit_base = {f.attname: getattr(template, f.attname) for f in _AUDIT_FIELDS}
        self.audit_extra = template.extra
        self.recipient_base = _recipient_defaults()
        base = self.recipient_base
        for name, value in (
            ("status", FileStatus.DRAFT),
            ("created_by_id", actor.pk),
            ("responsible_clerk_id", actor.pk),
            ("created_at", self.now),
            ("updated_at", self.now),
        ):
            base[_RECIPIENT_INDEX[name]] = value
        # The shared parts of the streamed rows, as COPY text (see stream()).
        self.head_texts = [_copy_value(base[_RECIPIENT_INDEX[n]]) for n in _HEAD]
        self.step_text = "\t".join(_copy_value(v) for v in self._step()[1:])
        self.audit_rest = [n for n in self.audit_base if n not in _AUDIT_HEAD]
        self.audit_text = "\t".join(_copy_value(self.audit_base[n]) for n in self.audit_rest)
        extra = _JSON_TEXT({**self.audit_extra, "job": self.job_ref, "row": 0})
        self.audit_extra_text = _copy_value(extra[: extra.rindex("0}")])
        self._sending: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._ids: list[int] = []
        self._later: tuple | None = None  # (steps, audit rows) as COPY text files

    def _step(self) -> list:
        """A new file's review step (its recipient id first)."""
        note = f"导入任务 {self.job_ref}" if self.job else ""
        step = [None, None, "Excel导入建档", "", FileStatus.DRAFT, None, self.actor.pk]
        return [*step, self.station_name, self.now, note]

    # new files, streamed (PostgreSQL): rows formatted as COPY text

    def tail_base(self) -> dict:
        """The _TAIL columns of a new file before its basic row fills them, as COPY text
        (for the workers: see _prepare_basic)."""
        return {"texts": [_copy_value(self.recipient_base[_RECIPIENT_INDEX[n]]) for n in _TAIL]}

    def prepare(self, people: list[tuple], sections: dict[str, dict]) -> dict[str, tuple]:
        """The COPY text of new files whose basic rows were just checked — recipient row,
        review step, audit row — made before it is known which of them already have a file
        (that needs the database, which may still be taking the previous block). `people`
        are (row, id, payload) with the worker's text in the payload; `sections` the other
        one-row sheets by id. Returns {id: (row, recipient id, region key, texts)}."""
        pks = self._take_ids(len(people))
        prepared = {}
        for pk, (number, id_number, payload) in zip(pks, people, strict=True):
            region_pk, key = payload["region"][:2]
            head = self.head_texts.copy()  # the defaults, already as text
            head[0], head[1], head[2] = str(pk), str(region_pk), str(key)
            details = {}
            for section_key, part in sections.get(id_number, {}).items():
                columns, extra = _values(section_key, part["fields"])
                for name, value in columns.items():
                    head[_HEAD_INDEX[name]] = _copy_value(value)
                if extra:
                    details[section_key] = extra
            if details:
                head[-1] = _copy_value(details)
            texts = (
                "\t".join(head) + "\t" + payload["tail"] + "\n",
                f"{pk}\t{self.step_text}\n",
                f"{pk}\trecipient:{pk}\t{key}\t{self.audit_extra_text}{number}}}\t"
                f"{payload['audit']}\t{self.audit_text}\n",
            )
            prepared[id_number] = (number, pk, key, texts)
        return prepared

    def stream(self, prepared: list[tuple]) -> list[tuple]:
        """Send prepared new files (see prepare()) to the database; returns (id, row,
        recipient id, region key) for the row store."""
        if not prepared:
            return []
        records, steps, audits = zip(*(p[4] for p in prepared), strict=True)
        self.send([(Recipient, _HEAD + _TAIL, records)])
        # Review steps and audit rows wait in files until the basic rows are all sent: while
        # those stream in, PostgreSQL is the busy one; after them it has time to spare.
        if self._later is None:
            self._later = (_text_file(), _text_file())
        self._later[0].writelines(steps)
        self._later[1].writelines(audits)
        self.created += len(prepared)
        return [p[:4] for p in prepared]

    def send_later(self) -> None:
        """Send the review steps and audit rows held back by stream()."""
        if self._later is None:
            return
        steps, audits = self._later
        self._later = None
        self.send(
            [
                (ReviewStep, _STEP_FIELDS, steps),
                (AuditEntry, _AUDIT_HEAD + self.audit_rest, audits),
            ]
        )

    def close(self) -> None:
        for handle in self._later or ():
            handle.close()
        self._later = None

    # The COPYs run in a helper thread on this connection (the same transaction), so that
    # the main process prepares the next block while PostgreSQL takes this one. Anything
    # else that uses the connection calls wait() first (psycopg would make it wait anyway:
    # a connection serves one thread at a time).

    def send(self, copies: list[tuple]) -> None:
        self.wait()
        raw = connection.connection  # this thread's psycopg connection, in the transaction

        def run() -> None:
            try:
                for model, names, lines in copies:
                    _copy_text(model, names, lines, raw=raw)
            except BaseException as exc:  # re-raised in the main thread by wait()
                self._failure = exc
            finally:
                for _, _, lines in copies:
                    if hasattr(lines, "close"):
                        lines.close()

        self._sending = threading.Thread(target=run, name="registry-import-copy", daemon=True)
        self._sending.start()

    def wait(self) -> None:
        """Until the COPYs sent so far are done; raises their error, if any."""
        if self._sending is not None:
            self._sending.join()
            self._sending = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _take_ids(self, n: int) -> list[int]:
        """Recipient ids from the table's sequence, drawn 10,000 at a time (an id given to
        a row that turns out to have a file already is simply never used)."""
        if len(self._ids) < n:
            self.wait()
            self._ids.extend(_next_ids(max(n, 10_000)))
        taken = self._ids[:n]
        del self._ids[:n]
        return taken

    # new files

    def create(self, people: list[tuple]) -> None:
        index = _RECIPIENT_INDEX
        rows, kept = [], []
        for person in people:
            basic, sections = person[4], person[5]
            if basic is None:  # only in other sheets but no file: filtered out in pass 1
                continue
            row = self.recipient_base.copy()
            region_pk, region_key, _, _ = basic["region"]
            row[index["household_region_id"]] = region_pk
            row[index["region_key"]] = region_key
            for name, value in basic["columns"].items():
                row[index[name]] = value
            details = {}
            for key, payload in sections.items():
                columns, extra = _values(key, payload["fields"])
                for name, value in columns.items():
                    row[index[name]] = value
                if extra:
                    details[key] = extra
            row[index["sections"]] = details
            rows.append(row)
            kept.append(person)
        ids = self._insert_recipients(rows)
        steps, memberships, honours, family = [], [], [], []
        step = self._step()
        region_at = index["region_key"]
        for pk, row, person in zip(ids, rows, kept, strict=True):
            number, basic, items = person[1], person[4], person[6]
            key = row[region_at]
            steps.append([pk, *step[1:]])
            for item in items.get("categories", ()):
                memberships.append(_list_row(CategoryMembership, pk, item, region_key=key))
            for item in items.get("honours", ()):
                honours.append(_list_row(Honour, pk, item))
            for item in items.get("family", ()):
                family.append(_list_row(FamilyMember, pk, item))
            self.audit.append(
                {
                    **self.audit_base,
                    "object_id": str(pk),
                    "object_repr": basic["repr"],
                    "subject_id": f"recipient:{pk}",
                    "region_key": key,
                    "changes": basic["audit_changes"],
                    "extra": {**self.audit_extra, "job": self.job_ref, "row": number},
                }
            )
        _insert(ReviewStep, _STEP_FIELDS, steps, self.pg)
        _insert_dicts(CategoryMembership, memberships, self.pg)
        _insert_dicts(Honour, honours, self.pg)
        _insert_dicts(FamilyMember, family, self.pg)
        self.created += len(ids)
        if len(self.audit) >= 5000:
            self.flush_audit()

    def _insert_recipients(self, rows: list[list]) -> list[int]:
        if not rows:
            return []
        if self.pg:
            ids = _next_ids(len(rows))
            at = _RECIPIENT_INDEX["id"]
            for pk, row in zip(ids, rows, strict=True):
                row[at] = pk
            _copy(Recipient, _RECIPIENT_NAMES, rows)
            return ids
        objects = [Recipient(**dict(zip(_RECIPIENT_NAMES, row, strict=True))) for row in rows]
        Recipient.objects.bulk_create(objects, batch_size=500)
        return [o.pk for o in objects]

    def flush_audit(self) -> None:
        """One audit row per file, written in bulk (COPY on PostgreSQL, record_many else)."""
        if not self.audit:
            return
        if self.pg:
            names = [f.attname for f in _AUDIT_FIELDS]
            _copy(AuditEntry, names, [[e[n] for n in names] for e in self.audit])
        else:
            audit.record_many([AuditEntry(**e) for e in self.audit])
        self.audit = []

    # existing files: the services' own path (draft in place, approved → change request)

    def update(self, people: list[tuple]) -> None:
        pks = [p[2] for p in people]
        locked = {
            r.pk: r
            for r in Recipient.objects.select_for_update()
            .filter(pk__in=pks)
            .prefetch_related("honours", "family")
        }
        for _, number, rid, _, basic, sections, items in people:
            recipient = locked[rid]
            change = services._open_change(recipient)
            base = change.proposed if change is not None else snapshots.take(recipient)
            merged = self._merge(recipient, base, basic, sections, items)
            if not snapshots.diff(base, merged) and _same_lists(base, merged):
                self.unchanged += 1
                continue
            target = services._editable_target(self.actor, recipient)
            extra = {"job": self.job_ref, "row": number}
            if target is not None:  # approved: the change request carries the new version
                target.proposed = merged
                target.save(update_fields=["proposed", "updated_at"])
                self.changed += 1
                extra["change_request"] = target.pk
                changes = {f"{s}·{f}": [a, b] for s, f, a, b in snapshots.diff(base, merged)}
            else:
                before = base
                changed = snapshots.apply(recipient, merged)
                recipient._prefetched_objects_cache = {}  # the lists were just replaced
                if "name" in changed:
                    recipient.name_pinyin, recipient.name_initials = pinyin_keys(recipient.name)
                    changed += ["name_pinyin", "name_initials"]
                if changed:
                    recipient.save(update_fields=[*changed, "updated_at"])
                self.updated += 1
                after = snapshots.take(recipient)
                changes = {f"{s}·{f}": [a, b] for s, f, a, b in snapshots.diff(before, after)}
            entry = audit.build(
                actor=self.actor,
                action=AuditAction.IMPORT,
                obj=recipient,
                subject_id=f"recipient:{recipient.pk}",
                changes=changes,
                extra=extra,
            )
            self.audit.append({f.attname: getattr(entry, f.attname) for f in _AUDIT_FIELDS})

    def _merge(self, recipient, base: dict, basic, sections: dict, items: dict) -> dict:
        merged = {**base, "sections": {k: dict(v) for k, v in base["sections"].items()}}
        parts = dict(sections)
        if basic is not None:
            parts[BASIC] = basic
        for key, payload in parts.items():
            section = SECTION_BY_KEY[key]
            merged["sections"][key].update(
                services._section_payload(section, payload["fields"], recipient)
            )
            phone = merged["sections"][key].get("phone")
            if isinstance(phone, dict) and phone.get("enc") == recipient.phone_enc:
                merged["sections"][key]["phone"] = base["sections"][key]["phone"]
        for key in LISTS:
            if key in items:
                merged[key] = [dict(i) for i in items[key]]
        return merged


def _same_lists(before: dict, after: dict) -> bool:
    def norm(rows):
        return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)

    return all(norm(before.get(k, [])) == norm(after.get(k, [])) for k in LISTS)


def _list_row(model, recipient_id: int, item: dict, **extra) -> dict:
    row = {"recipient_id": recipient_id, **extra}
    for name, value in item.items():
        model_field = model._meta.get_field(name)
        if value and model_field.get_internal_type() == "DateField":
            value = dt.date.fromisoformat(value)
        if value in (None, "") and not model_field.null:
            value = model_field.get_default()
        elif value == "" and model_field.null:
            value = None
        row[model_field.attname] = value
    return row


def _defaults(model) -> dict[str, object]:
    """What an unset column holds: the field's default, NULL, or the empty string."""
    values = {}
    for f in model._meta.concrete_fields:
        if f.has_default():
            values[f.attname] = f.get_default()
        elif f.null:
            values[f.attname] = None
        elif f.get_internal_type() in ("CharField", "TextField", "FileField", "ImageField"):
            values[f.attname] = ""
        else:
            values[f.attname] = None
    return values


_RECIPIENT_NAMES = [f.attname for f in Recipient._meta.concrete_fields]
_RECIPIENT_INDEX = {n: i for i, n in enumerate(_RECIPIENT_NAMES)}
_AUDIT_FIELDS = [f for f in AuditEntry._meta.concrete_fields if f.attname != "id"]
# The columns of a new file's review step, in the order _Writer._step() builds them (named,
# not read off the model: the shared step shape puts its fields in another order).
_STEP_FIELDS = [
    "recipient_id",
    "change_id",
    "action",
    "from_status",
    "to_status",
    "level",
    "actor_id",
    "station_name",
    "at",
    "remark",
]
_LIST_MODELS = {"categories": CategoryMembership, "honours": Honour, "family": FamilyMember}
# Streamed list rows: main writes the head (the file's id; for categories its region too), a
# worker formats the tail from the row (_list_text).
_LIST_HEAD = {k: ["recipient_id", *(["region_key"] if k == "categories" else [])] for k in LISTS}
_LIST_DEFAULTS = {k: _defaults(m) for k, m in _LIST_MODELS.items()}
_LIST_TAIL = {
    k: [n for n in _LIST_DEFAULTS[k] if n != "id" and n not in _LIST_HEAD[k]] for k in LISTS
}


def _list_text(key: str, item: dict) -> str:
    values = _list_row(_LIST_MODELS[key], 0, item)
    defaults = _LIST_DEFAULTS[key]
    return "\t".join([_copy_value(values.get(n, defaults[n])) for n in _LIST_TAIL[key]])


# A streamed recipient row is COPY text in two parts: the head, which main fills (id, region,
# what the other one-row sheets set, their JSON details), and the tail, which a worker formats
# from the basic row. _HEAD holds every column a section other than 基本信息 stores.
_HEAD = (
    "id",
    "household_region_id",
    "region_key",
    *sorted({c for s in SECTIONS if s.key != BASIC for c in s.columns}),
    "sections",
)
_HEAD_INDEX = {n: i for i, n in enumerate(_HEAD)}
_TAIL = tuple(n for n in _RECIPIENT_NAMES if n not in _HEAD_INDEX)
_TAIL_INDEX = {n: i for i, n in enumerate(_TAIL)}
if set(SECTION_BY_KEY[BASIC].columns) & set(_HEAD):  # pragma: no cover - import time
    raise ImproperlyConfigured("a 基本信息 column is also set by another section")
_AUDIT_HEAD = ["object_id", "subject_id", "region_key", "extra", "object_repr", "changes"]

_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, default=str).encode
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format (what psycopg's write_row sends)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):  # dates, and aware datetimes with their offset
        return value.isoformat()
    if isinstance(value, dict | list):
        return _copy_value(_JSON_TEXT(value))
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _copy_text(model, names, lines, *, raw=None) -> None:
    """COPY rows already in text format (one string per row). `raw`: a psycopg connection
    to use directly (from the writer's helper thread), else Django's."""
    if not lines:
        return
    from psycopg import sql

    columns = [model._meta.get_field(n).column for n in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with (raw or connection).cursor() as cursor, cursor.copy(statement) as copy:
        if hasattr(lines, "read"):  # a text file (_text_file), sent a megabyte at a time
            lines.seek(0)
            while chunk := lines.read(1 << 20):
                copy.write(chunk)
        else:
            copy.write("".join(lines))


def _text_file():
    """A temporary file for COPY text (on disk: memory stays flat however many rows)."""
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


def _next_ids(n: int) -> list[int]:
    """n new recipient ids from the table's sequence (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Recipient._meta.db_table, n],
        )
        return [r[0] for r in cursor.fetchall()]


def _recipient_defaults() -> list:
    defaults = _defaults(Recipient)
    return [defaults[n] for n in _RECIPIENT_NAMES]


def _insert_dicts(model, rows: list[dict], pg: bool) -> None:
    if not rows:
        return
    defaults = _defaults(model)
    names = [n for n in defaults if n != "id"]
    _insert(model, names, [[r.get(n, defaults[n]) for n in names] for r in rows], pg)


def _insert(model, names: list[str], rows: list[list], pg: bool) -> None:
    if not rows:
        return
    if pg:
        _copy(model, names, rows)
    else:
        model.objects.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=500
        )


def _copy(model, names: list[str], rows: list[list]) -> None:
    """PostgreSQL COPY of rows (values in `names` order) into the model's table. JSON
    columns are sent as their text: COPY's text format lets the server parse them."""
    import json

    from psycopg import sql

    columns = [model._meta.get_field(n).column for n in names]
    json_at = [
        i
        for i, n in enumerate(names)
        if model._meta.get_field(n).get_internal_type() == "JSONField"
    ]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        write = copy.write_row
        for row in rows:
            for i in json_at:
                if not isinstance(row[i], str):
                    row[i] = dumps(row[i])
            write(row)

"""Backups of either database with a manifest, and restores that prove nothing was lost.

A backup is one file — an online copy through SQLite's backup API, or `pg_dump --format=custom`
of one exported snapshot — and a JSON manifest of what that file holds: migration state, rows
per table, the audit chain's head, the encryption keys its values need (by id: keys are never
in a backup) and its SHA-256. The manifest carries a MAC under the platform's MAC key, so a file
changed together with its checksum is refused too. A restore checks all of it before and after
(ADR 0015).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from . import audit, rotation
from .crypto import CryptoError, get_provider, parse_token
from .models import AuditAction, AuditEntry, AuditSeal

FORMAT = 1
KEY_CHECK_PURPOSE = "backup-key-check"
MANIFEST_PURPOSE = "backup-manifest"
SAMPLE_SIZE = 20
_SCAN_BATCH = 2000

PG_TOOL_MISSING = (
    "找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client，"
    "版本不低于数据库服务器），或在环境变量 JUNJIA_PG_BIN_DIR 中指明它所在的目录。"
)
NOT_EMPTY = (
    "目标数据库不是空的（已有 {tables} 张表），拒绝覆盖。"
    "请恢复到新建的空数据库；确需用备份替换其中的数据，请加 --force。"
)
CHECKSUM_MISMATCH = "备份文件已损坏或被改动：SHA-256 与清单不符，拒绝恢复。"
MANIFEST_FORGED = "备份清单已被改动（清单的校验码不符），拒绝恢复。"
MAC_KEY_DIFFERS = (
    "当前的 JUNJIA_MAC_KEY 与备份时不同，无法核对清单，恢复后也无法校验审计哈希链。"
    "请配置备份时使用的密钥后再恢复。"
)
KEYS_MISSING = (
    "备份中的加密数据使用了未配置的密钥：{keys}。"
    "请在 JUNJIA_CRYPTO（JUNJIA_ENCRYPTION_KEYS）中加入这些密钥后再恢复。"
)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Chinese."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest_path: Path
    manifest: dict


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str


@dataclass
class RestoreReport:
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


# --- facts about a database, read through any DB-API cursor ----------------------------------


def _qn(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND n.nspname = current_schema() ORDER BY c.relname"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_qn(table)}")  # noqa: S608 (catalogue names)
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor, tables: list[str] | dict) -> dict[str, str]:
    """The latest applied migration of each app."""
    if "django_migrations" not in tables:
        return {}
    cursor.execute(
        "SELECT app, name FROM django_migrations WHERE id IN "
        "(SELECT MAX(id) FROM django_migrations GROUP BY app)"
    )
    return dict(sorted(cursor.fetchall()))


def _audit_head(cursor) -> dict:
    entries, seals = _qn(AuditEntry._meta.db_table), _qn(AuditSeal._meta.db_table)
    cursor.execute(f"SELECT COUNT(*) FROM {entries}")  # noqa: S608 (model tables)
    count = cursor.fetchone()[0]
    cursor.execute(f"SELECT seq, entry_id, chain_hash FROM {seals} ORDER BY seq DESC LIMIT 1")  # noqa: S608
    seq, entry_id, chain_hash = cursor.fetchone() or (0, None, audit.GENESIS)
    cursor.execute(
        f"SELECT COUNT(*) FROM {entries} e WHERE NOT EXISTS "  # noqa: S608 (model tables)
        f"(SELECT 1 FROM {seals} s WHERE s.entry_id = e.id)"
    )
    return {
        "entries": count,
        "sealed": seq,
        "head_entry_id": entry_id,
        "head_hash": chain_hash,
        "unsealed": cursor.fetchone()[0],
    }


def _column_name(item) -> str:
    return f"{item.model_label}.{item.field}"


def _tokens(item, value) -> list[str]:
    if isinstance(item, rotation.EncryptedColumn):
        return [value] if value else []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return [token for _, token in item.find(value or {}) if token]


def _key_id(token: str) -> str | None:
    try:
        return parse_token(base64.urlsafe_b64decode(token.encode("ascii"))).key_id
    except (CryptoError, binascii.Error, UnicodeEncodeError, ValueError):
        return None


def _key_use(conn, vendor: str) -> dict[str, dict]:
    """Per registered encrypted column: how many values, under which key ids."""
    columns = {}
    for item in rotation.registered():
        model = apps.get_model(item.model_label)
        table = _qn(model._meta.db_table)
        column = _qn(model._meta.get_field(item.field).column)
        # A server-side cursor on PostgreSQL: a million rows are streamed, not held.
        cursor = conn.cursor(name="junjia_backup_scan") if vendor == "postgresql" else conn.cursor()
        key_ids: Counter[str] = Counter()
        unreadable = 0
        try:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
            while rows := cursor.fetchmany(_SCAN_BATCH):
                for (value,) in rows:
                    for token in _tokens(item, value):
                        key_id = _key_id(token)
                        if key_id is None:
                            unreadable += 1
                        else:
                            key_ids[key_id] += 1
        finally:
            cursor.close()
        columns[_column_name(item)] = {
            "values": sum(key_ids.values()) + unreadable,
            "key_ids": sorted(key_ids),
            "unreadable": unreadable,
        }
    return columns


def _facts(conn, vendor: str) -> dict:
    with closing(conn.cursor()) as cursor:
        tables = _row_counts(cursor, vendor)
        facts = {
            "migrations": _migrations(cursor, tables),
            "tables": tables,
            "audit": _audit_head(cursor),
        }
    columns = _key_use(conn, vendor)
    facts["crypto"] = {
        "provider": get_provider().name,
        "key_check": _key_check(),
        "key_ids": sorted({k for column in columns.values() for k in column["key_ids"]}),
        "columns": columns,
    }
    return facts


# --- manifest ----------------------------------------------------------------------------------


def _key_check() -> str:
    """A check value of the MAC key (a MAC of a fixed text): tells a restore, before it starts,
    whether the audit chain and the manifest can be verified with the configured key."""
    return get_provider().mac(b"junjia backup key check", purpose=KEY_CHECK_PURPOSE).hex()[:16]


def _manifest_mac(manifest: dict) -> str:
    body = {key: value for key, value in manifest.items() if key != "mac"}
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return get_provider().mac(data, purpose=MANIFEST_PURPOSE).hex()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path_for(path: Path) -> Path:
    return path.with_suffix(".json")


def read_manifest(path: Path, manifest_path: Path | None = None) -> dict:
    manifest_path = manifest_path or manifest_path_for(path)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"找不到备份清单 {manifest_path}：请与备份文件放在同一目录。") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"备份清单 {manifest_path} 不是有效的 JSON。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"备份清单 {manifest_path} 的格式不受支持。")
    return manifest


# --- backup ------------------------------------------------------------------------------------


def _new_file(directory: Path, stem: str, suffix: str) -> Path:
    """An empty file readable by its owner only, under a name not yet taken."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for n in range(100):
        path = directory / f"{stem}{'' if n == 0 else f'-{n}'}{suffix}"
        if manifest_path_for(path).exists():
            continue
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return path
    raise BackupError(f"无法在 {directory} 中创建备份文件。")


def backup(*, directory: Path | None = None) -> Backup:
    """Back up the default database while it serves; returns the file and its manifest."""
    connection = connections["default"]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {vendor} 数据库。")
    # Before anything is written (or, for SQLite, an empty file made by connecting).
    if vendor == "sqlite" and not Path(_sqlite_file(connection.settings_dict)).is_file():
        raise BackupError(f"找不到数据库文件 {connection.settings_dict['NAME']}。")
    if vendor == "postgresql":
        _pg_tool("pg_dump")
    if AuditEntry._meta.db_table not in connection.introspection.table_names():
        raise BackupError("数据库尚未迁移（没有审计日志表），请先运行 manage.py migrate。")
    directory = Path(directory or settings.JUNJIA_BACKUP_DIR)
    now = timezone.now()
    suffix = ".sqlite3" if vendor == "sqlite" else ".dump"
    path = _new_file(directory, f"junjia-{vendor}-{timezone.localtime(now):%Y%m%d-%H%M%S}", suffix)
    try:
        # Who took a copy of everyone's data is itself recorded — and sealed, so the copy holds
        # its own record and a chain with nothing pending.
        with transaction.atomic():
            audit.record(
                actor=None,
                action=AuditAction.EXPORT,
                object_type="core.backup",
                object_id=path.name,
                object_repr=f"数据库备份 {path.name}",
            )
        audit.seal_pending()
        if vendor == "sqlite":
            facts = _backup_sqlite(connection.settings_dict, path)
        else:
            facts = _backup_postgresql(connection.settings_dict, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "engine": vendor,
        "file": path.name,
        "bytes": path.stat().st_size,
        "sha256": sha256_of(path),
        **facts,
    }
    manifest["mac"] = _manifest_mac(manifest)
    manifest_path = manifest_path_for(path)
    partial = manifest_path.with_suffix(".json.partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.chmod(0o600)
    partial.replace(manifest_path)
    return Backup(path, manifest_path, manifest)


def _sqlite_file(settings_dict) -> str:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("内存中的 SQLite 数据库无法备份。")
    return name


def _backup_sqlite(settings_dict, path: Path) -> dict:
    # One backup step copies every page under one read lock: a consistent copy, while the app
    # (in WAL mode) keeps reading and writing.
    with (
        closing(sqlite3.connect(_sqlite_file(settings_dict), timeout=30)) as source,
        closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)
    with closing(sqlite3.connect(path)) as copy:
        # A self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        (check,) = copy.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise BackupError(f"备份副本的完整性检查未通过：{check}")
        facts = _facts(copy, "sqlite")
        facts["server_version"] = sqlite3.sqlite_version
    return facts


# --- PostgreSQL: connection without the password on any command line --------------------------

_LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "host": "PGHOST",
    "port": "PGPORT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


def _pg_params(settings_dict) -> dict[str, str]:
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        **{key: options.get(key) for key in _LIBPQ_ENV if key in options},
    }
    return {key: str(value) for key, value in values.items() if value}


def _pg_env(settings_dict) -> dict[str, str]:
    """The child's environment: libpq variables from the settings (the password travels as
    PGPASSWORD, never as an argument), and none of the parent's secrets."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "JUNJIA_")) and key not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update({_LIBPQ_ENV[key]: value for key, value in _pg_params(settings_dict).items()})
    return env


def _pg_tool(name: str) -> str:
    directory = settings.JUNJIA_PG_BIN_DIR
    found = shutil.which(name, path=directory) if directory else shutil.which(name)
    if not found:
        raise BackupError(PG_TOOL_MISSING.format(name=name))
    return found


def _run(args: list[str], settings_dict) -> None:
    result = subprocess.run(  # noqa: S603 (fixed program, arguments from settings)
        args, env=_pg_env(settings_dict), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        name = Path(args[0]).name
        raise BackupError(f"{name} 失败（退出码 {result.returncode}）：{result.stderr.strip()}")


def _backup_postgresql(settings_dict, path: Path) -> dict:
    import psycopg

    pg_dump = _pg_tool("pg_dump")
    with psycopg.connect(**_pg_params(settings_dict)) as conn:
        # The manifest's facts and pg_dump read the same exported snapshot, so the counts are
        # those of the file even while the app keeps writing.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={path}",
            ],
            settings_dict,
        )
        facts = _facts(conn, "postgresql")
        facts["server_version"] = conn.execute("SHOW server_version").fetchone()[0]
        conn.rollback()
    return facts


# --- restore -----------------------------------------------------------------------------------


def check_backup(path: Path, manifest: dict) -> None:
    """Refuse, before anything is written, a backup that cannot be restored faithfully here."""
    if manifest.get("crypto", {}).get("key_check") != _key_check():
        raise BackupError(MAC_KEY_DIFFERS)
    if manifest.get("mac") != _manifest_mac(manifest):
        raise BackupError(MANIFEST_FORGED)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path}。")
    if sha256_of(path) != manifest["sha256"]:
        raise BackupError(CHECKSUM_MISMATCH)
    configured = getattr(get_provider(), "key_ids", None)
    if configured is not None:
        missing = sorted(set(manifest["crypto"]["key_ids"]) - set(configured))
        if missing:
            raise BackupError(KEYS_MISSING.format(keys="、".join(missing)))


def restore(
    path: Path,
    *,
    manifest_path: Path | None = None,
    using: str = "default",
    force: bool = False,
    sample: int = SAMPLE_SIZE,
) -> RestoreReport:
    """Restore a backup into the database `using` names, then check it against the manifest."""
    path = Path(path)
    manifest = read_manifest(path, manifest_path)
    check_backup(path, manifest)
    connection = connections[using]
    if connection.vendor != manifest["engine"]:
        raise BackupError(
            f"备份来自 {manifest['engine']} 数据库，不能恢复到 {connection.vendor} 数据库。"
        )
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.close()
        _restore_sqlite(path, settings_dict, force=force)
    else:
        try:
            with connection.cursor() as cursor:
                tables = _tables(cursor, "postgresql")
        except OperationalError as exc:
            raise BackupError(f"无法连接目标数据库（请先建好空库）：{exc}") from exc
        if tables and not force:
            raise BackupError(NOT_EMPTY.format(tables=len(tables)))
        connection.close()
        args = [
            _pg_tool("pg_restore"),
            "--no-password",
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-privileges",
            f"--dbname={settings_dict['NAME']}",
        ]
        _run([*args, *(["--clean", "--if-exists"] if force else []), str(path)], settings_dict)
    connection.close()
    return verify_restored(manifest, using=using, sample=sample)


def _restore_sqlite(path: Path, settings_dict, *, force: bool) -> None:
    target = _sqlite_file(settings_dict)
    with (
        closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target, timeout=30)) as dest,
    ):
        tables = _tables(dest.cursor(), "sqlite")
        if tables and not force:
            raise BackupError(NOT_EMPTY.format(tables=len(tables)))
        # The backup API cannot write into a WAL database of another page size.
        dest.execute("PRAGMA journal_mode=DELETE")
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")


def verify_restored(manifest: dict, *, using: str = "default", sample: int = SAMPLE_SIZE):
    """Rows per table, migration state, decryption and the audit chain, against the manifest."""
    report = RestoreReport()
    connection = connections[using]
    with connection.cursor() as cursor:
        counts = _row_counts(cursor, connection.vendor)
        migrations = _migrations(cursor, counts)
        head = _audit_head(cursor)
    report.checks.append(_check_counts(manifest["tables"], counts))
    report.checks.append(_check_migrations(manifest["migrations"], migrations, using, report))
    report.checks.append(_check_decryption(manifest, using, sample))
    report.checks.append(_check_chain(manifest["audit"], head, using, report))
    return report


def _check_counts(expected: dict[str, int], actual: dict[str, int]) -> Check:
    label = "行数与清单一致 (row counts)"
    wrong = [
        f"{table}：应为 {expected.get(table, '无此表')}，实为 {actual.get(table, '无此表')}"
        for table in sorted(set(expected) | set(actual))
        if expected.get(table) != actual.get(table)
    ]
    if wrong:
        more = f"等 {len(wrong)} 张表" if len(wrong) > 5 else ""
        return Check(label, False, "；".join(wrong[:5]) + more)
    return Check(label, True, f"{len(actual)} 张表，共 {sum(actual.values())} 行")


def _check_migrations(expected: dict, actual: dict, using: str, report: RestoreReport) -> Check:
    label = "迁移状态与清单一致 (migrations)"
    if expected != actual:
        wrong = sorted(
            f"{app}：应为 {expected.get(app, '无')}，实为 {actual.get(app, '无')}"
            for app in set(expected) | set(actual)
            if expected.get(app) != actual.get(app)
        )
        return Check(label, False, "；".join(wrong))
    executor = MigrationExecutor(connections[using])
    applied = set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in applied)
    if unknown:
        return Check(
            label,
            False,
            "备份来自更新的程序版本，本程序没有这些迁移：" + "、".join(unknown[:5]),
        )
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        report.notes.append("备份早于本程序版本：启动服务前请运行 manage.py migrate。")
    return Check(label, True, f"{len(actual)} 个应用")


def _samples(item, using: str, sample: int) -> list[tuple[object, str]]:
    """Up to `sample` (pk, token) pairs, from both ends of the table."""
    model = apps.get_model(item.model_label)
    rows = model._default_manager.using(using).exclude(**{f"{item.field}__isnull": True})
    if isinstance(item, rotation.EncryptedColumn):
        rows = rows.exclude(**{item.field: ""})
        half = max(1, sample // 2)
        picked = dict(rows.order_by("pk").values_list("pk", item.field)[:half])
        picked.update(rows.order_by("-pk").values_list("pk", item.field)[:half])
        return sorted(picked.items(), key=lambda pair: str(pair[0]))
    found = []
    for pk, value in rows.order_by("pk").values_list("pk", item.field)[: sample * 50]:
        found += [(pk, token) for token in _tokens(item, value)]
        if len(found) >= sample:
            break
    return found[:sample]


def _check_decryption(manifest: dict, using: str, sample: int) -> Check:
    label = "加密字段抽样解密 (decryption)"
    provider = get_provider()
    columns = manifest["crypto"]["columns"]
    failures, opened = [], 0
    for item in rotation.registered():
        name = _column_name(item)
        pairs = _samples(item, using, sample)
        if not pairs and columns.get(name, {}).get("values"):
            failures.append(f"{name}：备份中有加密值，恢复后一个也没有")
        for pk, token in pairs:
            try:
                provider.decrypt_text(token, aad=item.aad)
                opened += 1
            except CryptoError as exc:
                failures.append(f"{name} #{pk}：{exc}")
    if failures:
        return Check(label, False, "；".join(failures[:5]))
    if not opened:
        return Check(label, True, f"{len(columns)} 列均无加密值")
    keys = "、".join(manifest["crypto"]["key_ids"])
    return Check(label, True, f"{len(columns)} 列，抽样 {opened} 个值均可解密（密钥 {keys}）")


def _check_chain(expected: dict, head: dict, using: str, report: RestoreReport) -> Check:
    label = "审计哈希链完整 (audit chain)"
    chain = audit.verify_chain(using=using)
    if chain.first_broken_entry_id is not None:
        return Check(label, False, chain.reason)
    if head != expected:
        return Check(
            label,
            False,
            f"链尾与备份不一致：备份时封存至第 {expected['sealed']} 号，恢复后为第 "
            f"{head['sealed']} 号（审计日志 {expected['entries']} → {head['entries']} 条）",
        )
    if head["unsealed"]:
        report.notes.append(
            f"备份时有 {head['unsealed']} 条审计日志尚未封存，服务启动后由定时器封存。"
        )
    return Check(label, True, f"已校验 {chain.checked} 条，链尾与备份一致")

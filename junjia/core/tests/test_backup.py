"""Nothing lost: a backup restored into a fresh database has the same rows, decrypts with the
same keys and its audit chain verifies; a changed file, a missing key or a database in use
are refused. Runs on SQLite and on PostgreSQL (pg_dump and pg_restore)."""

import base64
import hashlib
import io
import json
import sys
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import override_settings

from junjia.cases import services as case_services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import Channel
from junjia.cases.models import CASE_APPLICANT_ID, CASE_APPLICANT_PHONE, Case, ServiceItem
from junjia.core import audit
from junjia.core.crypto import reset_provider
from junjia.core.models import AuditEntry, AuditSeal
from junjia.orgs import services as org_services
from junjia.orgs.models import Region, Station
from junjia.registry import services as registry_services
from junjia.registry.models import RECIPIENT_ID, RECIPIENT_PHONE, Recipient
from junjia.registry.tests.factories import make_id_number

pytestmark = pytest.mark.django_db(transaction=True)

ID_NUMBER = make_id_number(seq=301)
APPLICANT_ID = make_id_number(seq=302)


def _admin_sql(sql: str) -> None:
    """CREATE or DROP DATABASE, from the maintenance database of the test server."""
    import psycopg

    config = connection.settings_dict
    params = {
        "dbname": "postgres",
        "user": config["USER"],
        "password": config["PASSWORD"],
        "host": config["HOST"],
        "port": config["PORT"],
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def fresh(tmp_path):
    """An empty database under its own alias: a new SQLite file, or a newly created PostgreSQL
    database with a unique name (beside pytest's test_<name>), dropped afterwards."""
    config = dict(connection.settings_dict)
    config["OPTIONS"] = {k: v for k, v in config["OPTIONS"].items() if k != "pool"}
    alias = f"restored_{uuid.uuid4().hex[:8]}"
    if connection.vendor == "sqlite":
        config["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        config["NAME"] = f"{config['NAME']}_{alias}"[:63]
        _admin_sql(f'CREATE DATABASE "{config["NAME"]}"')
    # Registered as a connection but not in settings.DATABASES: Django's test case lets such
    # dynamically created connections through, and pytest-django leaves them alone.
    connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    yield alias
    connections[alias].close()
    del connections[alias]
    if config["ENGINE"].endswith("postgresql"):
        _admin_sql(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')


@pytest.fixture
def keys():
    reset_provider()
    yield
    reset_provider()


def _counts(alias: str) -> dict[str, int]:
    models = (Region, Station, Recipient, Case, AuditEntry, AuditSeal)
    return {m._meta.label: m._default_manager.using(alias).count() for m in models}


def _backup(tmp_path):
    out = io.StringIO()
    call_command("backup", dir=str(tmp_path / "backups"), stdout=out)
    (dump,) = [p for p in (tmp_path / "backups").iterdir() if p.suffix != ".json"]
    return dump, out.getvalue()


def _restore(dump, alias, **options):
    out = io.StringIO()
    call_command("restore", str(dump), database=alias, stdout=out, **options)
    return out.getvalue()


def test_restore_drill_same_rows_same_keys_chain_verifies(tree, personas, tmp_path, fresh, keys):
    # Given a little data written through the services (each writes its audit row) …
    load_catalogue()
    village = org_services.region_create(
        actor=personas.sysadmin, parent=tree.regions.town1, code="370202001009", name="村E"
    )
    org_services.station_create(actor=personas.sysadmin, region=village)
    recipient, _ = registry_services.recipient_register(
        actor=personas.clerk_a,
        household_region=tree.regions.village_a,
        id_number=ID_NUMBER,
        name="李卫国",
        phone="13912345678",
    )
    case = case_services.case_open(
        actor=personas.clerk_a,
        item=ServiceItem.objects.get(code="preferential-card"),
        channel=Channel.WINDOW,
        applicant_name="王大明",
        applicant_phone="13812345678",
        applicant_id=APPLICANT_ID,
    )
    assert AuditEntry.objects.count() >= 4
    # … backed up …
    dump, said = _backup(tmp_path)
    assert "备份完成" in said and "t1" in said
    manifest = json.loads(dump.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["engine"] == connection.vendor
    assert manifest["crypto"]["key_ids"] == ["t1"]
    assert manifest["crypto"]["columns"]["registry.Recipient.id_number_enc"]["values"] == 1
    assert manifest["audit"]["unsealed"] == 0

    # … and restored into a fresh database.
    report = _restore(dump, fresh)

    assert "结论：恢复的数据库与备份一致" in report
    assert "失败" not in report
    # The same rows …
    assert _counts(fresh) == _counts("default")
    assert _counts(fresh)["registry.Recipient"] == 1
    copy = Recipient.objects.using(fresh).get(pk=recipient.pk)
    assert (copy.name, copy.id_number_enc) == ("李卫国", recipient.id_number_enc)
    # … decrypting with the same keys …
    assert RECIPIENT_ID.open(copy) == ID_NUMBER
    assert RECIPIENT_PHONE.open(copy) == "13912345678"
    copied_case = Case.objects.using(fresh).get(pk=case.pk)
    assert CASE_APPLICANT_ID.open(copied_case) == APPLICANT_ID
    assert CASE_APPLICANT_PHONE.open(copied_case) == "13812345678"
    # … and an audit chain that verifies, up to the same head.
    chain = audit.verify_chain(using=fresh)
    assert chain.ok
    assert chain.checked == AuditSeal.objects.count() == manifest["audit"]["sealed"]
    assert AuditEntry.objects.using(fresh).filter(object_type="core.backup").count() == 1


def test_a_changed_backup_file_is_refused_and_nothing_is_restored(tmp_path, keys):
    dump, _ = _backup(tmp_path)
    before = _counts("default")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))

    # (The file is checked before the target: these refusals come before "not empty".)
    with pytest.raises(CommandError, match="SHA-256 与清单不符"):
        _restore(dump, "default", force=True)

    # Rewriting the checksum in the manifest does not help: the manifest carries a MAC.
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="备份清单已被改动"):
        _restore(dump, "default", force=True)
    assert _counts("default") == before


def test_a_restore_into_a_database_in_use_is_refused(personas, tmp_path, keys):
    dump, _ = _backup(tmp_path)
    before = _counts("default")

    with pytest.raises(CommandError, match="目标数据库不是空的"):
        _restore(dump, "default")

    assert _counts("default") == before


def test_a_restore_without_the_keys_in_use_is_refused(personas, tmp_path, keys):
    registry_services.recipient_register(
        actor=personas.clerk_a,
        household_region=personas.clerk_a.station.region,
        id_number=ID_NUMBER,
        name="李卫国",
    )
    dump, _ = _backup(tmp_path)
    other_keys = {
        "PROVIDER": "junjia.core.crypto.Sm4GcmProvider",
        "KEYS": {"t2": base64.b64encode(b"fedcba9876543210").decode()},
        "CURRENT_KEY": "t2",
        "MAC_KEY": base64.b64encode(b"m" * 32).decode(),
    }
    with override_settings(JUNJIA_CRYPTO=other_keys):
        reset_provider()
        with pytest.raises(CommandError, match="未配置的密钥：t1"):
            _restore(dump, "default", force=True)
        other_keys["MAC_KEY"] = base64.b64encode(b"n" * 32).decode()
        reset_provider()
        with pytest.raises(CommandError, match="JUNJIA_MAC_KEY 与备份时不同"):
            _restore(dump, "default", force=True)
    reset_provider()
    assert _counts("default")["registry.Recipient"] == 1


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_missing_pg_dump_is_named(tmp_path):
    with (
        override_settings(JUNJIA_PG_BIN_DIR=str(tmp_path)),
        pytest.raises(CommandError, match="找不到 pg_dump"),
    ):
        call_command("backup", dir=str(tmp_path / "backups"), stdout=io.StringIO())
    assert not (tmp_path / "backups").exists()


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_password_reaches_pg_dump_in_its_environment_never_its_arguments(tmp_path):
    record = tmp_path / "pg_dump.json"
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "target = next(a for a in sys.argv if a.startswith('--file='))[len('--file='):]\n"
        "open(target, 'wb').write(b'PGDMP')\n"
        f"json.dump({{'argv': sys.argv, 'env': dict(os.environ)}}, open({str(record)!r}, 'w'))\n"
    )
    fake.chmod(0o755)
    saved = connection.settings_dict["PASSWORD"]
    connection.settings_dict["PASSWORD"] = "pw-not-on-the-command-line"  # trust auth ignores it
    try:
        with override_settings(JUNJIA_PG_BIN_DIR=str(fake.parent)):
            call_command("backup", dir=str(tmp_path / "backups"), stdout=io.StringIO())
    finally:
        connection.settings_dict["PASSWORD"] = saved
    seen = json.loads(record.read_text())
    assert not any("pw-not-on-the-command-line" in arg for arg in seen["argv"])
    assert seen["env"]["PGPASSWORD"] == "pw-not-on-the-command-line"
    assert seen["env"]["PGDATABASE"] == connection.settings_dict["NAME"]
    assert "DATABASE_URL" not in seen["env"]

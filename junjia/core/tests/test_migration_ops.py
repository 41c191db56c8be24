"""Concurrent index builds in migrations: a failed build's INVALID leftover is dropped and
built again; on SQLite the index is built as usual."""

import pytest
from django.db import IntegrityError, connection, models

from junjia.core import migration_ops


def _index_state(name: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
    return None if row is None else ("valid" if row[0] else "invalid")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_an_invalid_leftover_is_dropped_and_a_valid_index_kept():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE mig_ops_t (a integer)")
        cursor.execute("INSERT INTO mig_ops_t VALUES (1), (1)")
    try:
        # A unique index over duplicates fails after creating its entry: INVALID is left.
        with pytest.raises(IntegrityError), connection.cursor() as cursor:
            cursor.execute("CREATE UNIQUE INDEX CONCURRENTLY mig_ops_i ON mig_ops_t (a)")
        assert _index_state("mig_ops_i") == "invalid"
        with connection.schema_editor(atomic=False) as editor:
            migration_ops.drop_invalid_index(editor, "mig_ops_i")
        assert _index_state("mig_ops_i") is None
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX mig_ops_j ON mig_ops_t (a)")
        with connection.schema_editor(atomic=False) as editor:
            migration_ops.drop_invalid_index(editor, "mig_ops_j")
        assert _index_state("mig_ops_j") == "valid"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS mig_ops_t")


@pytest.mark.django_db(transaction=True)
def test_add_and_remove_an_index_on_either_database():
    from junjia.cases.models import Case

    index = models.Index(fields=["accepted_on", "region_key"], name="mig_ops_case_test")
    with connection.schema_editor(atomic=False) as editor:
        migration_ops.add_index(editor, Case, index)
    try:
        with connection.cursor() as cursor:
            names = connection.introspection.get_constraints(cursor, Case._meta.db_table)
        assert "mig_ops_case_test" in names
    finally:
        with connection.schema_editor(atomic=False) as editor:
            migration_ops.remove_index(editor, Case, index)
    with connection.cursor() as cursor:
        names = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    assert "mig_ops_case_test" not in names


def _audit_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "core_auditentry")
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if info["index"] and not info["primary_key"]
    }


def _audit_migration():
    import importlib

    return importlib.import_module("junjia.core.migrations.0006_audit_fewer_indexes")


@pytest.mark.django_db(transaction=True)
def test_the_audit_log_keeps_only_the_indexes_its_queries_use():
    indexes = _audit_indexes()
    columns = sorted(map(tuple, indexes.values()))
    assert columns == [
        ("actor_id",),
        ("at",),
        ("object_type", "object_id"),
        ("region_key",),
        ("subject_id",),
    ]
    assert not any(name.endswith("_like") for name in indexes)
    migration = _audit_migration()
    try:
        with connection.schema_editor() as editor:
            migration.backwards(None, editor)
        back = sorted(map(tuple, _audit_indexes().values()))
        pattern_ops = [("object_type",), ("subject_id",)]
        expected = pattern_ops if connection.vendor == "postgresql" else []
        assert back == sorted([*columns, ("object_type",), *expected])
    finally:
        with connection.schema_editor() as editor:
            migration.forwards(None, editor)
    assert _audit_indexes() == indexes
    # The append-only guard survived: an audit row still cannot be changed.
    from django.db import DatabaseError, transaction

    from junjia.core import audit
    from junjia.core.models import AuditAction, AuditEntry

    entry = audit.record(actor=None, action=AuditAction.CREATE, object_type="t.x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="改")

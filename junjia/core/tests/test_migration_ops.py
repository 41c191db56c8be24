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

    index = models.Index(fields=["flagged_on", "region_key"], name="mig_ops_case_test")
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

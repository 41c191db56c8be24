"""Helpers for migrations that build indexes on live PostgreSQL tables.

An index built CONCURRENTLY takes no write lock, but a build that fails or is interrupted
leaves an INVALID index of that name behind: never used by the planner, and in the way of
the next try ("already exists", or skipped by IF NOT EXISTS). Such a leftover is dropped
before each build, so re-running the migration repairs it."""

from django.db import models


def drop_invalid_index(schema_editor, name: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            [name],
        )
        row = cursor.fetchone()
    if row and row[0]:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def add_index(schema_editor, model, index: models.Index) -> None:
    """The model's index, built CONCURRENTLY on PostgreSQL (use in an atomic = False
    migration); as usual elsewhere."""
    if schema_editor.connection.vendor == "postgresql":
        drop_invalid_index(schema_editor, index.name)
        schema_editor.add_index(model, index, concurrently=True)
    else:
        schema_editor.add_index(model, index)


def remove_index(schema_editor, model, index: models.Index) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(model, index, concurrently=True)
    else:
        schema_editor.remove_index(model, index)

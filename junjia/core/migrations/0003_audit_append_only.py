"""Make the audit log and its seals append-only at the database level.

PostgreSQL: a trigger function refuses UPDATE, DELETE and TRUNCATE. SQLite: BEFORE triggers
abort UPDATE and DELETE. Nothing in the application can change or remove an audit row.
"""

from django.db import migrations

from junjia.core.db_guard import install_statements, remove_statements


def forwards(apps, schema_editor):
    for sql in install_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    for sql in remove_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

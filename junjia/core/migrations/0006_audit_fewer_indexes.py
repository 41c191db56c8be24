"""Three audit-log indexes that no query uses, each paid for on every audited write (a bulk
import writes one audit row per file): the single-column object_type index (the
(object_type, object_id) index serves every object_type filter: the audit page and the
reads log filter by equality), and on PostgreSQL the text-pattern ("_like") indexes of
object_type and subject_id (nothing filters them with LIKE or startswith).

Dropped by name as the database reports them, without rebuilding the table: on SQLite a field
change would copy the append-only table and lose its guard triggers (0003).
"""

from django.db import migrations, models

TABLE = "core_auditentry"


def _unused(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    names = []
    for name, info in constraints.items():
        if not info["index"] or info["primary_key"] or info["unique"]:
            continue
        if info["columns"] == ["object_type"] or (
            info["columns"] == ["subject_id"] and name.endswith("_like")
        ):
            names.append(name)
    return names


def forwards(apps, schema_editor):
    for name in _unused(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}", params=None)


def backwards(apps, schema_editor):
    quote = schema_editor.quote_name
    wanted = [("object_type", "", "")]
    if schema_editor.connection.vendor == "postgresql":
        wanted += [
            ("object_type", "_like", " varchar_pattern_ops"),
            ("subject_id", "_like", " varchar_pattern_ops"),
        ]
    for column, suffix, ops in wanted:
        name = schema_editor._create_index_name(TABLE, [column], suffix=suffix)
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON {quote(TABLE)} ({quote(column)}{ops})", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0005_notification")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_type",
                    field=models.CharField(max_length=80, verbose_name="对象类型"),
                )
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        )
    ]

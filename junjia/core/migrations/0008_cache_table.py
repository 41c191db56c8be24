"""The database cache's table comes with `migrate`: every staff page reads the cache (the
to-do count), so a database migrated without `createcachetable` must not fail them."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Does nothing for other cache backends (Redis in production) or an existing table.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_deadline_events")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]

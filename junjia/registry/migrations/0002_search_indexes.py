"""Indexes for searching and counting recipient files at province scale (PostgreSQL only).

- recip_region_search covers every column a search within a jurisdiction filters or sorts on
  (region key, pinyin, id, status, name, former names, initials). selectors.search reads a
  page's ids first, so in a county the name-fragment search (1–2 Chinese characters, which
  no trigram index can help), the pinyin prefixes, the first page and the capped count are
  index-only scans over the county's entries — about 70 bytes each — instead of visits to
  the wide rows (about 2.4 KB each, one page read per file).
- recip_birth_order and recip_updated_order give the other two sort orders (birth date,
  last change) in index order with the jurisdiction and status at hand, so their pages,
  deep ones included, read about a page's worth of entries (a county's share of them).
- recip_living_approved lists the living approved files (a partial index: drafts, such as
  a fresh import, never enter it), so the per-minute category count refresh (tasks.py)
  joins the memberships to a narrow index instead of scanning the whole table.
- The planner's histogram of region_key gets 1,000 buckets instead of 100: the keys of a
  province are far from uniform (villages of a county share a key prefix), and with 100
  buckets the number of files in a county was underestimated twenty-fold, which led it to
  sort whole counties through the table.

The indexes are built CONCURRENTLY (no write lock on a live registry), hence atomic = False.
They are not in the model's Meta: covering (INCLUDE) indexes and column statistics are
PostgreSQL features, and SQLite needs neither.
"""

from django.db import migrations

from junjia.core.migration_ops import drop_invalid_index

INDEXES = {
    "recip_region_search": (
        "registry_recipient (region_key, name_pinyin, id) "
        "INCLUDE (status, name, former_names, name_initials)"
    ),
    "recip_birth_order": "registry_recipient (birth_date, id) INCLUDE (region_key, status)",
    "recip_updated_order": "registry_recipient (updated_at, id) INCLUDE (region_key, status)",
    "recip_living_approved": (
        "registry_recipient (id) WHERE status = 'approved' AND death_date IS NULL"
    ),
}
STATISTICS = (("registry_recipient", "region_key"), ("registry_categorymembership", "region_key"))


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        drop_invalid_index(schema_editor, name)  # a failed earlier build is built again
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")
    for table, column in STATISTICS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 1000")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    for table, column in STATISTICS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

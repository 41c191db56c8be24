"""The work list's index: each owner's open cases, due soonest first.

selectors.my_work filters owner, open status and the jurisdiction's region_key range, and
orders by due date then creation. With 3,000,000 cases PostgreSQL otherwise combines the
owner and region_key indexes, reading every case of the clerk's station in three years
(hundreds to thousands of heap pages) or every region_key of the county (20,000 index
entries) to keep the dozen cases still open, for each of the eight queries of the work page.
This partial index holds the open cases only (about 1% of the table) in the list's order;
region_key, last, lets the jurisdiction's range be checked inside the index, so one index
scan answers the list and its counts (see bench/cases.py).

Built CONCURRENTLY on PostgreSQL (no write lock on a live case table), hence atomic = False;
the model state gets the index as Case.Meta declares it.
"""

from django.db import migrations, models

from junjia.core import migration_ops

OPEN_STATUSES = [
    "consulted",
    "received",
    "incomplete",
    "notice_issued",
    "accepted",
    "in_progress",
    "sent_up",
]
INDEX = models.Index(
    condition=models.Q(("status__in", OPEN_STATUSES)),
    fields=["owner", "due_on", "created_at", "region_key"],
    name="case_open_owner_due",
)


def forwards(apps, schema_editor):
    migration_ops.add_index(schema_editor, apps.get_model("cases", "Case"), INDEX)


def backwards(apps, schema_editor):
    migration_ops.remove_index(schema_editor, apps.get_model("cases", "Case"), INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="case", index=INDEX)],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]

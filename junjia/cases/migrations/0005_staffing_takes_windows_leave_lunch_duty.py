"""Windows, leave and lunch duty now belong to staffing (staffing 0001 holds them on the same
tables): cases forgets them from its state only — no table is dropped or altered — and a
case's window points at staffing's model, on the same column and table. The content types
follow (auth permissions hang on them); on a fresh database there are none yet."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ("windowpost", "leave", "lunchduty")


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    relabel(apps, "cases", "staffing")


def backwards(apps, schema_editor):
    relabel(apps, "staffing", "cases")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_step_extra"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("staffing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="window",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="staffing.windowpost",
                    ),
                ),
                migrations.DeleteModel(name="WindowPost"),
                migrations.DeleteModel(name="Leave"),
                migrations.DeleteModel(name="LunchDuty"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

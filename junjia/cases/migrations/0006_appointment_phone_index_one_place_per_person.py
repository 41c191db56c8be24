"""Appointments keep a blind index of the phone number (the open bookings of one phone are
counted, issue 12 §3), filled for existing rows by opening each through its declaration; and
one identity number holds at most one open place in a slot."""

from django.db import migrations, models


def fill_phone_index(apps, schema_editor):
    # The declaration (not a copy of its key handling) opens and indexes the number, so the
    # index is the one the service computes for new rows.
    from junjia.cases.models import APPOINTMENT_PHONE

    Appointment = apps.get_model("cases", "Appointment")
    rows = Appointment.objects.exclude(phone_enc="").only("pk", "phone_enc")
    for row in rows.iterator(chunk_size=500):
        phone = APPOINTMENT_PHONE.open(row)
        Appointment.objects.filter(pk=row.pk).update(phone_index=APPOINTMENT_PHONE.lookup(phone))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_staffing_takes_windows_leave_lunch_duty"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="phone_index",
            field=models.CharField(db_index=True, default="", max_length=64),
        ),
        migrations.RunPython(fill_phone_index, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "booked")),
                fields=("slot", "id_index"),
                name="appointment_one_place_per_person",
            ),
        ),
    ]

"""Staffing takes over windows, leave and lunch duty from cases without moving a row: the
models enter staffing's state on the tables cases 0001 created (db_table keeps their names),
and cases 0005 drops them from cases' state only. Nothing is written to the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The tables exist from here on (created by cases 0001).
        ("cases", "0004_step_extra"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="WindowPost",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("region_key", models.BigIntegerField(db_index=True)),
                ("name", models.CharField(max_length=50, verbose_name="窗口/岗位")),
                (
                    "backup",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="B角",
                    ),
                ),
                (
                    "primary",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="A角",
                    ),
                ),
                (
                    "station",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.station",
                    ),
                ),
            ],
            options={
                "verbose_name": "窗口岗位",
                "verbose_name_plural": "窗口岗位",
                "db_table": "cases_windowpost",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("primary", models.F("backup")), _negated=True),
                        name="ab_different_people",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Leave",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("region_key", models.BigIntegerField(db_index=True)),
                ("start_date", models.DateField(verbose_name="开始日期")),
                ("end_date", models.DateField(verbose_name="结束日期")),
                ("reason", models.CharField(blank=True, max_length=100, verbose_name="事由")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="leaves",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "请假",
                "verbose_name_plural": "请假",
                "db_table": "cases_leave",
                "ordering": ["-start_date"],
                "indexes": [
                    models.Index(fields=["user", "start_date", "end_date"], name="leave_user_dates")
                ],
            },
        ),
        migrations.CreateModel(
            name="LunchDuty",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("region_key", models.BigIntegerField(db_index=True)),
                ("date", models.DateField(verbose_name="日期")),
                (
                    "station",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.station",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="值班人员",
                    ),
                ),
            ],
            options={
                "verbose_name": "午间值班",
                "verbose_name_plural": "午间值班",
                "db_table": "cases_lunchduty",
                "constraints": [
                    models.UniqueConstraint(fields=("station", "date"), name="uniq_lunch_duty")
                ],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations, database_operations=[]
        )
    ]

"""Staffing took windows, leave and lunch duty over from cases without moving a row: a
database migrated as it was before (cases 0004, no staffing) keeps every row, its tables and
its content types when migrated on, and back again."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from junjia.core.tests.helpers_migrations import latest, migrate
from junjia.staffing.models import Leave, LunchDuty, WindowPost

BEFORE = [("cases", "0004_step_extra"), ("staffing", None)]
TABLES = {"cases_windowpost", "cases_leave", "cases_lunchduty"}


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_after_it(tree, personas):
    station, a, b = tree.stations.village_a, personas.clerk_a, personas.head_a
    moved_type = ContentType.objects.get_for_model(WindowPost).pk
    tables_before = set(connection.introspection.table_names())
    try:
        # Given a database as the main branch left it, with a window, a leave and a duty
        old = migrate(BEFORE)
        assert ContentType.objects.get(pk=moved_type).app_label == "cases"
        window = old.get_model("cases", "WindowPost").objects.create(
            station_id=station.pk,
            region_key=station.region_key,
            name="综合窗口",
            primary_id=a.pk,
            backup_id=b.pk,
        )
        leave = old.get_model("cases", "Leave").objects.create(
            user_id=a.pk,
            region_key=a.region_key,
            start_date=dt.date(2026, 12, 1),
            end_date=dt.date(2026, 12, 2),
            reason="年休假",
            created_by_id=b.pk,
        )
        duty = old.get_model("cases", "LunchDuty").objects.create(
            station_id=station.pk,
            region_key=station.region_key,
            date=dt.date(2026, 12, 1),
            user_id=b.pk,
        )
    finally:
        # When it is migrated on
        migrate(latest())
    # Then staffing reads the same rows from the same tables, under the same content type
    assert set(connection.introspection.table_names()) == tables_before
    assert tables_before >= TABLES
    assert WindowPost.objects.values_list("pk", "name", "primary_id", "backup_id").get() == (
        window.pk,
        "综合窗口",
        a.pk,
        b.pk,
    )
    assert Leave.objects.values_list("pk", "user_id", "reason").get() == (leave.pk, a.pk, "年休假")
    assert LunchDuty.objects.values_list("pk", "user_id").get() == (duty.pk, b.pk)
    assert ContentType.objects.get_for_model(WindowPost).pk == moved_type
    # and the constraints the tables had still hold
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LunchDuty.objects.create(
            station=station, region_key=station.region_key, date=dt.date(2026, 12, 1), user=a
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WindowPost.objects.create(
            station=station, region_key=station.region_key, name="x", primary=a, backup=a
        )


def test_a_case_s_window_is_staffing_s_on_the_same_column():
    from junjia.cases.models import Case

    field = Case._meta.get_field("window")
    assert field.related_model is WindowPost
    assert (field.column, WindowPost._meta.db_table) == ("window_id", "cases_windowpost")

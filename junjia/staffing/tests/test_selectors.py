"""Who is away, who stands in for whom and who handles a matter today (000 §7 首办负责制,
AB角工作制): the answers other apps get through staffing.api."""

import datetime as dt

import pytest
from freezegun import freeze_time

from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.staffing import api as staffing
from junjia.staffing.models import Leave

from .helpers import NOW, TODAY, make_rota


@pytest.fixture
def rota(db, tree, personas):
    with freeze_time(NOW) as frozen:
        yield make_rota(tree, personas, frozen)


def away(user, start, end, by):
    return Leave.objects.create(
        user=user, region_key=user.region_key, start_date=start, end_date=end, created_by=by
    )


def test_at_work_the_first_handler_alone_handles_their_matters(rota):
    assert staffing.handler_ids(rota.a.pk) == {rota.a.pk}
    assert staffing.stand_ins_for(rota.a2, TODAY) == []
    assert staffing.cover_for(rota.a.pk, TODAY) is None
    assert not staffing.on_leave(rota.a, TODAY)


def test_while_a_is_away_b_handles_a_s_matters_too(rota):
    leave = away(rota.a, TODAY, TODAY + dt.timedelta(days=2), rota.head)
    assert staffing.on_leave(rota.a, TODAY)
    assert staffing.handler_ids(rota.a.pk, TODAY) == {rota.a.pk, rota.a2.pk}
    assert staffing.handler_ids(rota.a.pk) == {rota.a.pk, rota.a2.pk}  # today, by the clock
    assert staffing.stand_ins_for(rota.a2, TODAY) == [rota.a.pk]
    assert staffing.cover_for(rota.a.pk, TODAY) == {"leave": leave, "backups": [rota.a2]}
    assert staffing.leave_on(rota.a.pk, TODAY) == leave
    # the day after the leave, A alone again
    after = TODAY + dt.timedelta(days=3)
    assert staffing.handler_ids(rota.a.pk, after) == {rota.a.pk}
    assert staffing.stand_ins_for(rota.a2, after) == []


def test_b_standing_in_does_not_make_a_stand_in_for_b(rota):
    away(rota.a2, TODAY, TODAY, rota.head)
    assert staffing.handler_ids(rota.a2.pk, TODAY) == {rota.a2.pk}  # B of no window
    assert staffing.stand_ins_for(rota.a, TODAY) == []


def test_every_window_where_the_person_is_a_lends_its_b(rota):
    third = make_staff(rota.station, Role.CLERK, username="clerk_a3")
    staffing.window_save(
        actor=rota.head, station=rota.station, name="优抚岗", primary=rota.a, backup=third
    )
    away(rota.a, TODAY, TODAY, rota.head)
    assert staffing.handler_ids(rota.a.pk, TODAY) == {rota.a.pk, rota.a2.pk, third.pk}
    assert [w.name for w in staffing.windows_as_primary(rota.a.pk)] == ["综合窗口", "优抚岗"]
    assert staffing.cover_for(rota.a.pk, TODAY)["backups"] == [rota.a2, third]


def test_who_of_many_is_away_in_one_query(rota, django_assert_num_queries):
    away(rota.a, TODAY, TODAY, rota.head)
    week_ago, yesterday = TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=1)
    away(rota.personas.clerk_b, week_ago, yesterday, rota.head)
    people = [rota.a.pk, rota.a2.pk, rota.personas.clerk_b.pk]
    with django_assert_num_queries(1):
        assert staffing.users_away(people, TODAY) == {rota.a.pk}


def test_the_demo_counts_and_station_checks(rota):
    assert staffing.has_records()
    assert staffing.station_has_windows(rota.station)
    assert not staffing.station_has_windows(rota.tree.stations.village_c)
    county = rota.tree.regions.county
    assert staffing.totals_between(county.key, county.key_high) == {
        "窗口（AB角）": 2,
        "请假": 0,
        "午间值班": 0,
    }

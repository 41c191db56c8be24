"""What the staffing tests share with the tests of apps that use staffing: a station with
its windows (A and B), and signing in as one of its people."""

import datetime as dt
from types import SimpleNamespace

import pytest
from freezegun import freeze_time

from junjia.core.workdays.services import calendar_seed_from_package
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.staffing import api as staffing

NOW = "2026-12-01 09:30:00+08:00"  # a Tuesday
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def frozen():
    """The clock at NOW (import the fixture into a test module to use it)."""
    with freeze_time(NOW) as freezer:
        yield freezer


def make_rota(tree, personas, frozen) -> SimpleNamespace:
    """Village A with a head, clerks A and A2 on 综合窗口 (A and B), and village B's clerk
    with a window of their own; the package's holiday calendar."""
    calendar_seed_from_package()
    station = tree.stations.village_a
    head = personas.head_a
    a = personas.clerk_a
    a2 = make_staff(station, Role.CLERK, username="clerk_a2", full_name="李二")
    a.full_name = "张一"
    a.save(update_fields=["full_name"])
    window = staffing.window_save(
        actor=head, station=station, name="综合窗口", primary=a, backup=a2
    )
    b2 = make_staff(tree.stations.village_b, Role.CLERK, username="clerk_b2")
    window_b = staffing.window_save(
        actor=personas.head_county,
        station=tree.stations.village_b,
        name="B 窗口",
        primary=personas.clerk_b,
        backup=b2,
    )
    return SimpleNamespace(
        station=station,
        head=head,
        a=a,
        a2=a2,
        window=window,
        window_b=window_b,
        tree=tree,
        personas=personas,
        frozen=frozen,
    )


def as_user(client, user):
    client.logout()
    login_as(client, user)
    return client


def body(response) -> str:
    return response.content.decode()

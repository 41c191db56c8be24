"""Permission-walk classification of the staffing pages (views.py): windows and AB roles,
leave and lunch duty, under their cases addresses.

kind: public / self / list / object / global; kwargs point at village B's objects; the last
value says whether a township-level user would see village B in that list."""

import datetime as dt


def extend_world(world, tree, personas):
    """Village B's window (its clerk A, a second clerk B) and the clerk's leave from today."""
    from django.utils import timezone

    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff
    from junjia.staffing.models import Leave, WindowPost

    station = tree.stations.village_b
    key = station.region_key
    clerk_b = personas.clerk_b
    clerk_b2 = make_staff(station, Role.CLERK, username="rota_clerk_b2")
    today = timezone.localdate()
    world.rota_window_b = WindowPost.objects.create(
        station=station, region_key=key, name="B 综合窗口", primary=clerk_b, backup=clerk_b2
    )
    world.rota_leave_b = Leave.objects.create(
        user=clerk_b,
        region_key=key,
        start_date=today,
        end_date=today + dt.timedelta(days=3),
        reason="B 事假",
        created_by=clerk_b,
    )
    world.rota_clerk_b2 = clerk_b2


ROUTES = {
    # lists and forms whose station pickers list the jurisdiction's stations
    "cases:rota": ("list", None, True),
    "cases:window_create": ("list", None, True),
    "cases:leave": ("list", None, True),
    "cases:lunch": ("list", None, True),
    # village B's objects
    # the AB roles swapped, by village B's head (b_all)
    "cases:window_edit": (
        "object",
        lambda w: {"pk": w.rota_window_b.pk},
        False,
        lambda w: {"name": "B 综合窗口", "primary": w.rota_clerk_b2.pk, "backup": w.staff_b.pk},
    ),
}

"""Reads for the public pages: stations open to booking, their slots, the guide catalogue."""

import datetime as dt
from itertools import groupby

from django.utils import timezone

from junjia.cases import api as cases
from junjia.cases.choices import Area, MaterialForm
from junjia.orgs.api import Level, active_station, active_stations
from junjia.registry.choices import Category

# Counties, townships and villages take appointments from the public (000 §7 预约服务).
BOOKING_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
BOOKING_DAYS = 21
MAX_STATIONS = 200


def booking_stations(query: str = "") -> tuple[list, bool]:
    """Stations that take bookings, matching a place or station name; and whether the list
    was cut short (the person should type a more precise name)."""
    qs = active_stations(BOOKING_LEVELS, query.strip()[:50])
    stations = list(qs[: MAX_STATIONS + 1])
    return stations[:MAX_STATIONS], len(stations) > MAX_STATIONS


def open_slot_counts(stations: list, today: dt.date) -> dict[int, int]:
    """Upcoming slots that still have places, per station."""
    return cases.open_slot_counts(stations, today, BOOKING_DAYS)


def booking_station(pk: int):
    return active_station(pk, BOOKING_LEVELS)


def upcoming_slots(station, *, exclude_pk: int | None = None) -> list:
    """The station's slots that have not begun yet, full ones included (shown as full)."""
    now = timezone.localtime()
    slots = cases.slots_for(station, now.date(), days=BOOKING_DAYS)
    return [
        s for s in slots if s.pk != exclude_pk and (s.date > now.date() or s.start > now.time())
    ]


def slots_by_day(slots: list) -> list[tuple[dt.date, list]]:
    return [(day, list(group)) for day, group in groupby(slots, key=lambda s: s.date)]


def items_for(station) -> list:
    """Service items handled at the station's level, for the booking form."""
    return list(cases.catalogue(station.region.level))


def guides_by_area() -> list[tuple[str, list]]:
    items = cases.catalogue()
    order = {value: i for i, value in enumerate(Area.values)}
    items = sorted(items, key=lambda i: (order.get(i.area, 99), i.code))
    return [
        (Area(area).label if area in Area.values else area, list(group))
        for area, group in groupby(items, key=lambda i: i.area)
    ]


def material_rows(version) -> list[dict]:
    """The version's materials in words: form, count and who needs each (000 §7 公开承诺)."""
    rows = []
    for material in version.materials:
        categories = material.get("categories") or []
        form = material.get("form", "")
        rows.append(
            {
                "name": material["name"],
                "form": MaterialForm(form).label if form in MaterialForm.values else form,
                "count": material.get("count", 1),
                "who": "、".join(
                    Category(c).label if c in Category.values else c for c in categories
                )
                or "所有申请人",
                "note": material.get("note", ""),
            }
        )
    return rows


def level_labels(levels: list[int]) -> str:
    return "、".join(Level(v).label for v in sorted(levels) if v in Level.values)

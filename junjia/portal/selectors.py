"""Reads for the public pages: stations open to booking, their slots, the guide catalogue."""

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.utils import timezone

from junjia.cases import api as cases
from junjia.cases.choices import Area, MaterialForm
from junjia.orgs.api import Level, active_station, active_stations, subtree_range
from junjia.registry.choices import Category

# Counties, townships and villages take appointments from the public (000 §7 预约服务).
BOOKING_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
BOOKING_DAYS = 21
# A search lists at most this many stations: a longer list is no help to anyone reading it
# on a phone; the page asks for a more precise name instead.
MAX_STATIONS = 30


@dataclass
class StationFinder:
    """What the station step of booking shows: the counties to choose from (by city), the
    chosen county's townships, and the stations found by the search or the place chosen —
    none until the visitor has searched or chosen (a province has thousands of stations)."""

    counties: list[tuple[str, list[tuple[str, str]]]]
    county: str = ""
    towns: list[tuple[str, str]] = field(default_factory=list)
    town: str = ""
    query: str = ""
    stations: list = field(default_factory=list)
    cut: bool = False

    @property
    def asked(self) -> bool:
        return bool(self.query or self.county)


def station_finder(*, query: str = "", county: str = "", town: str = "") -> StationFinder:
    """A search by name (station, township or village) over every station that takes
    bookings; or, when no name is typed, the stations of the chosen county — its own centre
    and its townships' stations — or of the chosen township and its villages."""
    query = query.strip()[:50]
    # Counties are offered through their centres: every county has one (五级服务体系).
    centres = list(active_stations((Level.COUNTY,)))
    finder = StationFinder(
        counties=[
            (city, [(s.region.code, s.region.name) for s in group])
            for city, group in groupby(
                centres, key=lambda s: s.region.parent.name if s.region.parent else ""
            )
        ]
    )
    if query:
        finder.query = query
        found = list(active_stations(BOOKING_LEVELS, query)[: MAX_STATIONS + 1])
        finder.stations, finder.cut = found[:MAX_STATIONS], len(found) > MAX_STATIONS
        return finder
    if county not in {s.region.code for s in centres}:
        return finder
    finder.county = county
    inside = list(active_stations(BOOKING_LEVELS, within=subtree_range(county)))
    towns: dict[str, str] = {}
    for station in inside:
        region = station.region
        if region.level == Level.TOWNSHIP:
            towns[region.code] = region.name
        elif region.level == Level.VILLAGE and region.parent is not None:
            towns.setdefault(region.parent.code, region.parent.name)
    finder.towns = sorted(towns.items())
    if town in towns:
        finder.town = town
        low, high = subtree_range(town)
        finder.stations = [s for s in inside if low <= s.region_key <= high]
    else:
        finder.stations = [s for s in inside if s.region.level != Level.VILLAGE]
    return finder


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

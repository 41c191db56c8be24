"""Helpers for the portal tests: identity numbers, slots, the SMS file, CSRF-free pages."""

import datetime as dt
import json
import re

from django.utils import timezone

from junjia.cases.choices import SlotKind
from junjia.cases.models import AppointmentSlot
from junjia.registry.tests.factories import make_id_number

NUMBER = make_id_number(dt.date(1968, 9, 12), male=True, seq=41)
OTHER_NUMBER = make_id_number(dt.date(1972, 3, 5), male=True, seq=77)


def make_slot(station, *, days=3, start=9, capacity=3, kind=SlotKind.VIDEO, booked=0):
    """A slot `days` from today; video slots need no working-day calendar."""
    return AppointmentSlot.objects.create(
        station=station,
        region_key=station.region_key,
        date=timezone.localdate() + dt.timedelta(days=days),
        start=dt.time(start),
        end=dt.time(start + 1),
        kind=kind,
        capacity=capacity,
        booked=booked,
    )


def sms_lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def strip_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

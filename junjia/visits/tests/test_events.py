"""Events that make a visit due, raised by another module through api.py (六必访)."""

import datetime as dt

import pytest

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditEntry
from junjia.registry.tests.factories import make_recipient
from junjia.visits.api import raise_visit_event
from junjia.visits.models import VisitEvent

pytestmark = pytest.mark.django_db


def test_a_module_raises_an_event_for_a_file_in_reach(tree, personas):
    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="甲困难")
    pk = raise_visit_event(
        actor=personas.clerk_a,
        recipient=person,
        kind="hardship",
        occurred_on=dt.date(2026, 6, 1),
        note="因病致困",
        source="cases:7",
    )
    event = VisitEvent.objects.get(pk=pk)
    assert (event.region_key, event.kind, event.source) == (
        person.region_key,
        "hardship",
        "cases:7",
    )
    audit = AuditEntry.objects.get(object_type="visits.visitevent", object_id=str(pk))
    assert audit.subject_id == str(person.pk)


def test_an_event_out_of_reach_or_in_the_future_is_refused(tree, personas):
    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="甲困难")
    with pytest.raises(NotPermitted):
        raise_visit_event(
            actor=personas.clerk_b,
            recipient=person,
            kind="hardship",
            occurred_on=dt.date(2026, 6, 1),
        )
    with pytest.raises(InvalidInput) as refused:
        raise_visit_event(
            actor=personas.clerk_a,
            recipient=person,
            kind="hardship",
            occurred_on=dt.date.today() + dt.timedelta(days=1),
        )
    assert refused.value.field == "occurred_on"
    with pytest.raises(InvalidInput):
        raise_visit_event(
            actor=personas.clerk_a, recipient=person, kind="party", occurred_on=dt.date(2026, 6, 1)
        )
    assert VisitEvent.objects.count() == 0

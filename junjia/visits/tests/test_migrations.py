"""Budget lines typed on visits before the lists existed become each county's list (one per
distinct name, spaces tidied), so the comfort-money ledger's totals match what is offered."""

import datetime as dt

import pytest
from django.utils import timezone

from junjia.core.tests.helpers_migrations import latest, migrate
from junjia.registry.tests.factories import make_recipient
from junjia.visits.models import BudgetLine

BEFORE = [("visits", "0004_events_due")]


@pytest.mark.django_db(transaction=True)
def test_typed_budget_lines_become_the_county_s_list(tree, personas):
    a = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="甲")
    d = make_recipient(tree.regions.village_d, created_by=personas.clerk_a, name="丁")
    try:
        old = migrate(BEFORE)
        Visit = old.get_model("visits", "Visit")
        for person, line in (
            (a, "春节慰问经费"),
            (a, " 春节慰问经费 "),
            (d, "八一慰问金"),
            (a, ""),
        ):
            Visit.objects.create(
                recipient_id=person.pk,
                region_key=person.region_key,
                station_key=person.region_key,
                visited_at=timezone.now() - dt.timedelta(days=1),
                how="home",
                met="本人",
                money_fen=100 if line else 0,
                budget_line=line,
                recorded_by_id=personas.clerk_a.pk,
            )
    finally:
        migrate(latest())
    lines = sorted((b.owner_name, b.name) for b in BudgetLine.objects.all())
    county_a = tree.regions.village_a.parent.parent
    county_d = tree.regions.village_d.parent.parent
    assert [name for _, name in lines] == sorted(["春节慰问经费", "八一慰问金"])
    by_name = {b.name: b for b in BudgetLine.objects.all()}
    assert by_name["春节慰问经费"].region_key == county_a.key
    assert by_name["八一慰问金"].region_key == county_d.key

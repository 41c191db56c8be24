"""Each shipped visit rule against the registry: who is due; who is not — the dead (or, for
a death rule, the living), the wrong category, outside the window."""

import datetime as dt

import pytest

from junjia.registry.choices import Category
from junjia.registry.models import CategoryMembership, Honour
from junjia.registry.tests.factories import make_recipient
from junjia.visits.choices import Anchor, Subject, Timing
from junjia.visits.evaluation import Period, due, lunar_to_solar
from junjia.visits.models import VisitEvent, VisitRule
from junjia.visits.rules import SEED_RULES, load_seed_rules

pytestmark = pytest.mark.django_db

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
YEAR = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
IN, OUT = dt.date(2026, 6, 10), dt.date(2024, 1, 10)  # event dates
BORN_IN, BORN_OUT = dt.date(1940, 6, 15), dt.date(1940, 11, 15)  # anniversaries


def periods(version) -> tuple[Period, Period | None]:
    """A period the rule's window meets, and one it does not (none for a frequency rule)."""
    if version.timing == Timing.LUNAR_DATE:
        festival = lunar_to_solar(2027, version.month, version.day)
        inside = Period(festival - dt.timedelta(days=5), festival)
        return inside, Period(dt.date(2027, 5, 1), dt.date(2027, 5, 31))
    if version.timing == Timing.FIXED_DATE:
        day = dt.date(2026, version.month, version.day)
        return Period(day, day), Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    if version.timing == Timing.FREQUENCY:
        return YEAR, None
    return JUNE, None  # anniversaries and events: the person's date is out instead


def make_person(world, version, *, name, anchor, wrong=False, dead=None, birth=None):
    """A file that matches the rule's "who" (or, with wrong, holds another category)."""
    fields, categories, merit = {}, [Category.RETIRED_SOLDIER], None
    if wrong:
        other = Category.SERVING_FAMILY
        categories = [Category.RETIRED_SOLDIER if other in version.categories else other]
    elif version.categories:
        categories = [version.categories[0]]
    elif version.flags:
        fields[version.flags[0]] = True
    elif version.merits:
        merit = version.merits[0]
    elif version.pension:
        fields["sections"] = {"pension": {"pension_type": "subsidy"}}
    if version.anchor == Anchor.PENSION_APPROVED:
        pension = {**fields.get("sections", {}).get("pension", {})}
        pension["pension_approved_on"] = anchor.isoformat()
        fields["sections"] = {"pension": pension}
    elif version.anchor == Anchor.DISCHARGE:
        fields["discharge_date"] = anchor
    if dead is not None:  # a death rule's date is the death itself
        fields["death_date"] = dead
    person = make_recipient(
        world.regions.village_a,
        created_by=world.clerk,
        name=name,
        categories=categories,
        birth=birth or (anchor if version.anchor == Anchor.BIRTH else BORN_IN),
        **fields,
    )
    if merit:
        Honour.objects.create(recipient=person, kind=merit)
    if version.anchor == Anchor.CATEGORY_START:
        CategoryMembership.objects.filter(recipient=person).update(start_date=anchor)
    if version.anchor == Anchor.RECORDED_EVENT:
        VisitEvent.objects.create(
            recipient=person,
            region_key=person.region_key,
            kind=version.event_kind,
            occurred_on=anchor,
        )
    return person


@pytest.fixture
def world(tree, personas):
    from types import SimpleNamespace

    load_seed_rules()
    return SimpleNamespace(regions=tree.regions, clerk=personas.clerk_a)


def due_in(version, region, period) -> list:
    return list(due(version, low=region.key, high=region.key_high, period=period))


def due_ids(version, region, period) -> set[int]:
    return {d.recipient_id for d in due_in(version, region, period)}


def windows(version, world, period) -> list[tuple]:
    """(recipient, opens, closes) of everyone due in the county."""
    rows = due_in(version, world.regions.county, period)
    return [(d.recipient_id, d.opens, d.closes) for d in rows]


@pytest.mark.parametrize("code", [code for code, _, _ in SEED_RULES])
def test_each_seed_rule_names_who_is_due_and_who_is_not(world, code):
    version = VisitRule.objects.get(code=code).current_version
    inside, outside = periods(version)
    timed_by_person = version.timing in (Timing.ANNIVERSARY, Timing.EVENT)
    anchor_in = BORN_IN if version.timing == Timing.ANNIVERSARY else IN
    anchor_out = BORN_OUT if version.timing == Timing.ANNIVERSARY else OUT
    deceased = version.subject == Subject.DECEASED

    due_person = make_person(
        world, version, name="甲应访", anchor=anchor_in, dead=anchor_in if deceased else None
    )
    # the dead drop out of every rule but a death's; a death rule leaves the living out
    other_side = make_person(
        world,
        version,
        name="乙生死",
        anchor=anchor_in,
        dead=None if deceased else dt.date(2025, 1, 1),
    )
    late = None
    if timed_by_person:
        late = make_person(
            world, version, name="丙窗外", anchor=anchor_out, dead=anchor_out if deceased else None
        )
    wrong = None
    if version.categories or version.flags or version.merits or version.pension:
        wrong = make_person(
            world,
            version,
            name="丁类别",
            anchor=anchor_in,
            wrong=True,
            dead=anchor_in if deceased else None,
        )
    found = due_ids(version, world.regions.county, inside)

    assert due_person.pk in found
    assert other_side.pk not in found
    if late:
        assert late.pk not in found
    if wrong:
        assert wrong.pk not in found
    if outside:
        assert due_ids(version, world.regions.county, outside) == set()
    # another county's range leaves village A's people out
    assert due_ids(version, world.regions.county2, inside) == set()


def test_spring_festival_is_the_lunar_new_year_from_the_library(world):
    version = VisitRule.objects.get(code="spring-festival").current_version
    person = make_person(world, version, name="甲春节", anchor=IN)
    day = Period(dt.date(2027, 2, 6), dt.date(2027, 2, 6))
    # 2027 春节 is 6 February: window 30 days before to 15 days after
    assert windows(version, world, day) == [(person.pk, dt.date(2027, 1, 7), dt.date(2027, 2, 21))]


def test_birthday_counts_the_age_at_that_birthday(world):
    version = VisitRule.objects.get(code="birthday-70").current_version
    turning = make_person(world, version, name="甲七十", anchor=dt.date(1956, 6, 15))
    younger = make_person(world, version, name="乙六九", anchor=dt.date(1957, 6, 15))
    found = due_ids(version, world.regions.county, JUNE)
    assert turning.pk in found
    assert younger.pk not in found


def test_a_29_february_birthday_falls_on_28_february_in_other_years(world):
    version = VisitRule.objects.get(code="birthday-70").current_version
    person = make_person(world, version, name="甲闰日", anchor=dt.date(1948, 2, 29))
    day = Period(dt.date(2026, 2, 28), dt.date(2026, 2, 28))
    assert windows(version, world, day) == [(person.pk, dt.date(2026, 2, 25), dt.date(2026, 3, 3))]


def test_a_new_pension_is_due_within_one_calendar_month(world):
    version = VisitRule.objects.get(code="new-pension").current_version
    person = make_person(world, version, name="甲新批", anchor=dt.date(2026, 1, 31))
    assert windows(version, world, Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == [
        (person.pk, dt.date(2026, 1, 31), dt.date(2026, 2, 28))
    ]
    after = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert due_ids(version, world.regions.county, after) == set()


def test_an_ended_category_no_longer_counts(world):
    version = VisitRule.objects.get(code="martyrs-day").current_version
    person = make_person(world, version, name="甲终止", anchor=IN)
    CategoryMembership.objects.filter(recipient=person).update(end_date=dt.date(2025, 12, 31))
    day = Period(dt.date(2026, 9, 30), dt.date(2026, 9, 30))
    assert due_ids(version, world.regions.county, day) == set()


def test_a_file_not_yet_approved_is_not_due(world):
    version = VisitRule.objects.get(code="contact-coverage").current_version
    draft = make_recipient(
        world.regions.village_a, created_by=world.clerk, name="甲草稿", status="draft"
    )
    assert draft.pk not in due_ids(version, world.regions.county, YEAR)


def test_the_latest_recorded_event_decides_the_window(world):
    version = VisitRule.objects.get(code="hardship").current_version
    person = make_person(world, version, name="甲困难", anchor=dt.date(2026, 6, 1))
    VisitEvent.objects.create(
        recipient=person,
        region_key=person.region_key,
        kind="hardship",
        occurred_on=dt.date(2026, 6, 20),
    )
    window = (person.pk, dt.date(2026, 6, 20), dt.date(2026, 7, 5))
    assert windows(version, world, JUNE) == [window]

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


# --- an event makes a visit due at once, until a visit clears it (六必访) ---------------------

NOW = dt.datetime(2027, 5, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
TODAY = NOW.date()


@pytest.fixture
def seeded(db):
    from junjia.visits.rules import load_seed_rules

    load_seed_rules()


def _event_titles(actor) -> list[str]:
    from junjia.core import todo

    return [
        item.title
        for section in todo.todo_for(actor)
        for item in section["items"]
        if item.label == "事件走访"
    ]


def _visit(actor, person, day: dt.date, how="home"):
    from junjia.visits.recording import visit_record
    from junjia.visits.tests.test_visits import entry

    at = dt.datetime.combine(day, dt.time(10), tzinfo=NOW.tzinfo)
    return visit_record(actor=actor, recipient=person, data=entry(visited_at=at, how=how))[0]


def test_a_return_home_event_is_due_on_the_clerks_list_until_a_home_visit(seeded, tree, personas):
    from freezegun import freeze_time

    from junjia.visits.services import event_record

    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="甲返乡")
    with freeze_time(NOW):
        event = event_record(
            actor=personas.clerk_a, recipient=person, kind="return_home", occurred_on=TODAY
        )
        # Then the return-home rule makes a home visit due within a month, by the village
        assert (event.visit_state, event.opens, event.closes, event.responsible_level) == (
            "due",
            TODAY,
            dt.date(2027, 6, 20),
            5,
        )
        assert [r["rule"] for r in event.reasons] == ["return-home-reported"]
        assert event.station_key == tree.stations.village_a.region_key
        titles = _event_titles(personas.clerk_a)
        assert titles == [f"甲返乡（{person.id_masked}） · 退役返乡（2027-05-20）"]
        assert _event_titles(personas.clerk_b) == [] and _event_titles(personas.head_county) == []
        # a phone call does not clear a home visit; a visit before the event neither
        _visit(personas.clerk_a, person, TODAY, how="phone")
        _visit(personas.clerk_a, person, TODAY - dt.timedelta(days=3))
        event.refresh_from_db()
        assert event.visit_state == "due" and event.visit_id is None
        visit = _visit(personas.clerk_a, person, TODAY)
    event.refresh_from_db()
    assert (event.visit_state, event.visit_id) == ("visited", visit.pk)
    audit = AuditEntry.objects.get(object_type="visits.visit", object_id=str(visit.pk))
    assert audit.extra["events_visited"] == [event.pk]
    with freeze_time(NOW):
        assert _event_titles(personas.clerk_a) == []


def test_an_event_no_rule_covers_makes_nothing_due(seeded, tree, personas):
    from freezegun import freeze_time

    from junjia.visits.services import event_record

    # 身边无子女 is a key visit for pension and subsidy recipients only (000 走访慰问)
    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="乙无子女")
    with freeze_time(NOW):
        event = event_record(
            actor=personas.clerk_a, recipient=person, kind="no_children", occurred_on=TODAY
        )
    assert (event.visit_state, event.reasons, event.closes) == ("", [], None)
    with freeze_time(NOW):
        assert _event_titles(personas.clerk_a) == []


def test_a_clerk_records_an_event_on_the_page_and_sees_it_listed(seeded, client, tree, personas):
    from freezegun import freeze_time

    from junjia.orgs.tests.helpers import login_as

    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="丙困难")
    url = f"/visits/people/{person.pk}/events/new/"
    with freeze_time(NOW):
        login_as(client, personas.clerk_a)
        refused = client.post(url, {"kind": "hardship", "occurred_on": "2027-06-01"})
        assert "事件发生日期不能晚于今天" in refused.content.decode()
        assert VisitEvent.objects.count() == 0
        done = client.post(url, {"kind": "hardship", "occurred_on": "2027-05-18", "note": "因病"})
        assert done.status_code == 302
        page = client.get(done["Location"]).content.decode()
        assert "已为丙困难登记“遇到困难”" in page and "2027-06-02 前入户走访" in page
        assert "遇到困难" in page and "待走访" in page
        listing = client.get("/visits/events/").content.decode()
        found = client.get("/visits/events/?q=丙困难").content.decode()
        assert "丙困难" in listing and person.id_masked in listing
        assert url in found
        assert AuditEntry.objects.filter(extra__page="visits.events").count() == 2
        # village B's clerk neither sees it nor records for the person
        login_as(client, personas.clerk_b)
        assert "丙困难" not in client.get("/visits/events/?state=all").content.decode()
        assert client.get(url).status_code == 404


def test_the_events_api_lists_within_reach_and_records(seeded, client, tree, personas):
    from junjia.orgs.tests.helpers import api_token_key
    from junjia.visits.evaluation import add_months

    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="丁立功")
    day = dt.date.today() - dt.timedelta(days=2)
    body = {"recipient": person.pk, "kind": "merit", "occurred_on": day.isoformat()}
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    made = client.post("/api/v1/visit-events/", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    data = made.json()
    assert (data["kind_label"], data["visit_state"], data["closes"]) == (
        "立功受奖（送喜报）",
        "due",
        add_months(day, 1).isoformat(),
    )
    assert data["id_number"] == person.id_masked
    assert [r["rule"] for r in data["reasons"]] == ["merit-visit"]
    bad = client.post(
        "/api/v1/visit-events/", {**body, "kind": "party"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400 and "kind" in bad.json()
    rows = client.get("/api/v1/visit-events/", **auth).json()
    assert rows["count"] == 1 and rows["results"][0]["name"] == "丁立功"
    other = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_b)}"}
    assert client.get("/api/v1/visit-events/", **other).json()["count"] == 0
    refused = client.post("/api/v1/visit-events/", body, content_type="application/json", **other)
    assert refused.status_code == 404
    assert VisitEvent.objects.count() == 1


def test_the_events_api_is_in_the_openapi_schema(client, personas):
    from junjia.orgs.tests.helpers import login_as

    login_as(client, personas.clerk_a)
    schema = client.get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/visit-events/"]
    assert {op["operationId"] for op in operations.values()} == {
        "visit_events_list",
        "visit_events_create",
    }


def test_the_events_list_puts_what_is_due_first(seeded, tree, personas):
    from freezegun import freeze_time

    from junjia.visits.recording import visit_record
    from junjia.visits.selectors import events_for
    from junjia.visits.services import event_record
    from junjia.visits.tests.test_visits import entry

    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="戊困难")
    with freeze_time(NOW):
        done = event_record(
            actor=personas.clerk_a, recipient=person, kind="hardship", occurred_on=TODAY
        )
        visit_record(actor=personas.clerk_a, recipient=person, data=entry(visited_at=NOW))
        later = event_record(
            actor=personas.clerk_a, recipient=person, kind="major_change", occurred_on=TODAY
        )
        none = event_record(
            actor=personas.clerk_a, recipient=person, kind="no_children", occurred_on=TODAY
        )
    rows = list(events_for(personas.clerk_a, state="all"))
    assert [e.pk for e in rows][:1] == [later.pk]
    assert {e.pk for e in rows} == {done.pk, later.pk, none.pk}
    assert [e.pk for e in events_for(personas.clerk_a, state="none")] == [none.pk]
    assert [e.pk for e in events_for(personas.clerk_a, state="visited")] == [done.pk]

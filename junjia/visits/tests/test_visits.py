"""Recording a visit (issue 13 "Recording a visit"): validation with a message per field,
amounts in fen, the campaign member marked visited (a phone call only where the rule
counts it), the client key's idempotency, scoping, audit, the ledger with its filters and
export, and the API."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditEntry, Job, JobStatus
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.registry.models import RECIPIENT_ID
from junjia.visits import errors
from junjia.visits.choices import MemberState
from junjia.visits.models import Visit
from junjia.visits.recording import VisitInput, visit_record
from junjia.visits.tests.test_campaigns import create, members

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 2, 8, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW + dt.timedelta(hours=2)):
        yield


@pytest.fixture
def campaign(people, personas, django_capture_on_commit_callbacks):
    """市南区's Spring Festival campaign (home visits) and 联系全覆盖 (any contact)."""
    spring = create(personas.head_county, capture=django_capture_on_commit_callbacks)
    contact = create(
        personas.head_county,
        ("contact-coverage",),
        django_capture_on_commit_callbacks,
        name="联系全覆盖",
    )
    return spring, contact


def entry(**kw) -> VisitInput:
    return VisitInput(
        **(
            {"visited_at": NOW, "how": "home", "met": "本人", "volunteer_visitors": "志愿者张三"}
            | kw
        )
    )


def test_recording_marks_the_member_visited_and_audits(campaign, people, personas):
    spring, contact = campaign
    wang = people["pensioner_a"]
    member = members(spring)["王抚恤"]
    data = entry(
        visitors=[personas.clerk_a, personas.head_county],
        situations={"health_situation": "身体尚可", "needs_situation": "希望修缮房屋"},
        needs_found="房屋漏雨",
        money_fen=50050,
        budget_line="春节慰问经费",
        goods="米、油",
    )
    visit, created = visit_record(actor=personas.clerk_a, recipient=wang, data=data, member=member)
    assert created and visit.counted
    visit.refresh_from_db()
    assert (visit.money_fen, visit.money_yuan) == (50050, "500.50")
    assert (visit.member_id, visit.campaign_id) == (member.pk, spring.pk)
    assert visit.station_key == wang.region_key  # village A has its own station
    assert visit.health_situation == "身体尚可" and visit.family_situation == ""
    assert set(visit.visitors.all()) == {personas.clerk_a, personas.head_county}
    member.refresh_from_db()
    assert member.visit_state == MemberState.VISITED
    # the person's member in the contact campaign is not the one recorded from: untouched
    assert members(contact)["王抚恤"].visit_state == MemberState.DUE
    row = AuditEntry.objects.get(object_type="visits.visit", action="create")
    assert row.subject_id == f"recipient:{wang.pk}"
    assert row.changes["money_fen"] == [None, 50050]
    assert row.extra["members_visited"] == [member.pk]


def test_a_visit_from_the_person_counts_for_every_campaign_due(campaign, people, personas):
    # any level's visit counts: the county head visits village A's person at home
    spring, contact = campaign
    visit, _ = visit_record(
        actor=personas.head_county, recipient=people["pensioner_a"], data=entry()
    )
    assert visit.counted
    assert members(spring)["王抚恤"].visit_state == MemberState.VISITED
    assert members(contact)["王抚恤"].visit_state == MemberState.VISITED


def test_a_phone_call_counts_only_where_the_rule_counts_it(campaign, people, personas):
    # 春节走访 is a home visit (000); 联系全覆盖 counts a phone call (003 第41项)
    spring, contact = campaign
    visit, _ = visit_record(
        actor=personas.clerk_a, recipient=people["pensioner_a"], data=entry(how="phone")
    )
    assert visit.counted
    assert members(spring)["王抚恤"].visit_state == MemberState.DUE
    assert members(contact)["王抚恤"].visit_state == MemberState.VISITED
    # recorded from the Spring Festival member: kept, linked, not counted
    member = members(spring)["王抚恤"]
    call, _ = visit_record(
        actor=personas.clerk_a,
        recipient=people["pensioner_a"],
        data=entry(how="phone"),
        member=member,
    )
    assert (call.member_id, call.counted) == (member.pk, False)
    member.refresh_from_db()
    assert member.visit_state == MemberState.DUE


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"visited_at": None}, "visited_at", errors.NO_VISITED_AT),
        ({"visited_at": NOW + dt.timedelta(days=1)}, "visited_at", errors.VISIT_IN_FUTURE),
        ({"how": "letter"}, "how", errors.BAD_HOW),
        ({"met": " "}, "met", errors.NO_MET),
        ({"volunteer_visitors": ""}, "visitors", errors.NO_VISITORS),
        ({"money_fen": -1}, "money_fen", errors.BAD_MONEY),
        ({"money_fen": 1.5}, "money_fen", errors.BAD_MONEY),
        ({"money_fen": 10_000_001}, "money_fen", errors.MONEY_TOO_LARGE),
        ({"money_fen": 100}, "budget_line", errors.NO_BUDGET_LINE),
        ({"client_key": "k" * 65}, "client_key", errors.BAD_CLIENT_KEY),
    ],
)
def test_bad_input_is_refused_by_field_and_writes_nothing(
    campaign, people, personas, change, field, message
):
    with pytest.raises(InvalidInput) as refused:
        visit_record(actor=personas.clerk_a, recipient=people["pensioner_a"], data=entry(**change))
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert Visit.objects.count() == 0
    assert members(campaign[0])["王抚恤"].visit_state == MemberState.DUE


def test_a_visitor_who_cannot_reach_the_person_is_refused(campaign, people, personas):
    # village B's clerk is no visitor of village A's person
    data = entry(visitors=[personas.clerk_b])
    with pytest.raises(InvalidInput) as refused:
        visit_record(actor=personas.clerk_a, recipient=people["pensioner_a"], data=data)
    assert refused.value.field == "visitors"
    assert Visit.objects.count() == 0


def test_the_member_must_be_the_person(campaign, people, personas):
    other = members(campaign[0])["李定补"]
    with pytest.raises(InvalidInput):
        visit_record(
            actor=personas.head_county,
            recipient=people["pensioner_a"],
            data=entry(),
            member=other,
        )
    assert Visit.objects.count() == 0


def test_a_village_clerk_cannot_record_for_a_person_outside_her_station(people, personas):
    with pytest.raises(NotPermitted):
        visit_record(actor=personas.clerk_a, recipient=people["pensioner_b"], data=entry())
    # a leader reads but does not record
    with pytest.raises(NotPermitted):
        visit_record(actor=personas.leader_county, recipient=people["pensioner_b"], data=entry())
    assert Visit.objects.count() == 0


def test_the_same_client_key_records_once_per_user(people, personas):
    wang = people["pensioner_a"]
    first, created = visit_record(
        actor=personas.clerk_a, recipient=wang, data=entry(client_key="k-1")
    )
    again, created_again = visit_record(
        actor=personas.clerk_a, recipient=wang, data=entry(client_key="k-1", met="配偶")
    )
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Visit.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="visits.visit").count() == 1
    # another user's same key is another record
    other, created_other = visit_record(
        actor=personas.head_a, recipient=wang, data=entry(client_key="k-1")
    )
    assert created_other and other.pk != first.pk
    assert Visit.objects.count() == 2


def _visit(actor, person, **kw):
    return visit_record(actor=actor, recipient=person, data=entry(**kw))[0]


def test_pages_record_show_and_scope(client, campaign, people, personas):
    spring, _ = campaign
    member = members(spring)["王抚恤"]
    login_as(client, personas.clerk_a)
    url = reverse("visits:visit_new_member", kwargs={"pk": spring.pk, "member": member.pk})
    form = client.get(url)
    assert form.status_code == 200 and "王抚恤" in form.content.decode()
    body = {
        "visited_at": "2027-02-08T09:30",
        "how": "home",
        "met": "本人",
        "visitors": [personas.clerk_a.pk],
        "money": "300.5",
        "budget_line": "",
        "client_key": "page-1",
    }
    refused = client.post(url, body)
    assert refused.status_code == 200
    assert errors.NO_BUDGET_LINE in refused.content.decode()
    assert Visit.objects.count() == 0
    done = client.post(url, body | {"budget_line": "春节慰问经费"})
    visit = Visit.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/visits/records/{visit.pk}/")
    assert visit.money_fen == 30050 and visit.member_id == member.pk
    # posting the same form again (a double tap) records nothing more
    client.post(url, body | {"budget_line": "春节慰问经费"})
    assert Visit.objects.count() == 1
    detail = client.get(done["Location"]).content.decode()
    assert "300.50 元" in detail and people["pensioner_a"].id_masked in detail
    assert RECIPIENT_ID.open(people["pensioner_a"]) not in detail
    person = client.get(reverse("visits:person_visits", kwargs={"recipient": visit.recipient_id}))
    assert "入户走访" in person.content.decode()
    # village B's clerk sees nothing of it and cannot record for A's person
    login_as(client, personas.clerk_b)
    assert client.get(done["Location"]).status_code == 404
    assert client.get(url).status_code == 404
    new = reverse("visits:visit_new", kwargs={"recipient": people["pensioner_a"].pk})
    assert client.get(new).status_code == 404
    assert "王抚恤" not in client.get(reverse("visits:ledger")).content.decode()
    assert AuditEntry.objects.filter(action="view", object_type="visits.visit").exists()


def test_the_timeline_shows_every_visit(people, personas):
    from junjia.visits.selectors import person_timeline

    _visit(personas.clerk_a, people["pensioner_a"])
    _visit(
        personas.clerk_a, people["pensioner_a"], how="phone", visited_at=NOW - dt.timedelta(days=1)
    )
    events = person_timeline(people["pensioner_a"], personas.clerk_a)
    assert [e["title"] for e in events] == ["走访慰问（入户走访）", "走访慰问（电话联系）"]
    assert person_timeline(people["pensioner_a"], personas.clerk_b) == []


def test_ledger_filters_and_export(
    client, campaign, people, personas, django_capture_on_commit_callbacks
):
    spring, _ = campaign
    a, c = people["pensioner_a"], people["merit_c"]
    _visit(personas.clerk_a, a, money_fen=20000, budget_line="春节慰问经费", goods="米")
    _visit(personas.clerk_a, a, how="phone", visited_at=NOW - dt.timedelta(days=3))
    _visit(personas.head_county, c, how="meeting")
    login_as(client, personas.head_county)
    url = reverse("visits:ledger")

    def names(**query):
        page = client.get(url, query).context["page"]
        return sorted((v.recipient.name, v.how) for v in page.object_list)

    assert names() == [("王抚恤", "home"), ("王抚恤", "phone"), ("赵立功", "meeting")]
    assert names(how="phone") == [("王抚恤", "phone")]
    assert names(start="2027-02-06", end="2027-02-08") == [
        ("王抚恤", "home"),
        ("赵立功", "meeting"),
    ]
    assert names(end="2027-02-05") == [("王抚恤", "phone")]
    assert names(campaign=spring.pk) == [("王抚恤", "home")]
    assert names(station=c.region_key) == [("赵立功", "meeting")]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"how": "home", "export": "xlsx"})
    job = Job.objects.get(kind="visits.ledger_export")
    assert response["Location"] == reverse("orgs:job_detail", kwargs={"pk": job.pk})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 1
    sheet = load_workbook(io.BytesIO(job.result_file.read()))["走访台账"]
    rows = list(sheet.values)
    assert rows[0][:5] == ("走访时间", "服务站", "姓名", "身份证号码（脱敏）", "走访方式")
    assert len(rows) == 2
    assert rows[1][2:5] == ("王抚恤", a.id_masked, "入户走访")
    assert rows[1][9:12] == ("200.00", "春节慰问经费", "米")
    text = " ".join(str(v) for row in rows for v in row)
    assert RECIPIENT_ID.open(a) not in text
    exported = AuditEntry.objects.get(action="export", object_type="visits.visit")
    assert exported.extra["rows"] == 1 and exported.extra["filter"]["how"] == "home"
    assert exported.extra["job"] == str(job.pk)
    # village A's clerk exports her station's only
    login_as(client, personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url, {"export": "xlsx"})
    mine = Job.objects.get(kind="visits.ledger_export", started_by=personas.clerk_a)
    own = load_workbook(io.BytesIO(mine.result_file.read()))["走访台账"]
    assert {row[2] for row in list(own.values)[1:]} == {"王抚恤"}


def test_api_create_is_idempotent_and_scoped(client, campaign, people, personas):
    spring, _ = campaign
    a = people["pensioner_a"]
    clerk = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    clerk_b = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_b)}"}
    url = reverse("api:visit-list")
    member = members(spring)["王抚恤"]
    body = {
        "recipient": a.pk,
        "member": member.pk,
        "visited_at": NOW.isoformat(),
        "how": "home",
        "met": "本人",
        "visitors": [personas.clerk_a.pk],
        "money_fen": 50000,
        "budget_line": "春节慰问经费",
    }
    bad = client.post(url, body | {"money_fen": -5}, content_type="application/json", **clerk)
    assert bad.status_code == 400 and bad.json() == {"money_fen": [errors.BAD_MONEY]}
    key = {"HTTP_IDEMPOTENCY_KEY": "phone-7"}
    made = client.post(url, body, content_type="application/json", **clerk, **key)
    assert made.status_code == 201
    data = made.json()
    assert data["money_fen"] == 50000 and data["counted"] and data["id_number"] == a.id_masked
    again = client.post(url, body, content_type="application/json", **clerk, **key)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    by_field = client.post(
        url, body | {"client_key": "phone-7"}, content_type="application/json", **clerk
    )
    assert by_field.status_code == 200 and by_field.json()["id"] == data["id"]
    assert Visit.objects.count() == 1
    member.refresh_from_db()
    assert member.visit_state == MemberState.VISITED
    # village B's clerk: not her person, not her visit
    out = client.post(url, body, content_type="application/json", **clerk_b, **key)
    assert out.status_code == 404
    assert client.get(url, **clerk_b).json()["results"] == []
    detail = reverse("api:visit-detail", kwargs={"pk": data["id"]})
    assert client.get(detail, **clerk_b).status_code == 404
    assert client.get(detail, **clerk).json()["met"] == "本人"
    listed = client.get(url, {"recipient": a.pk}, **clerk).json()["results"]
    assert [v["id"] for v in listed] == [data["id"]]
    assert Visit.objects.count() == 1


def test_the_schema_lists_the_visits_api(client, personas):
    login_as(client, personas.head_county)
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    assert {"/api/v1/visits/", "/api/v1/visits/{id}/"} <= set(schema["paths"])
    assert "Idempotency-Key" in str(schema["paths"]["/api/v1/visits/"]["post"]["parameters"])

"""Petition pages and API: content restricted to handlers, their heads and the jurisdiction's
leaders (a clerk of the same station who is not a handler sees only that it exists), every
view audited, the steps as buttons, refusals naming the field, the work list and to-do."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from junjia.core.models import AuditEntry
from junjia.core.todo import todo_for
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.petitions.choices import PetitionStatus as S
from junjia.petitions.models import Petition
from junjia.petitions.permissions import can_read_content, content_scope

from .factories import PETITIONER, register

pytestmark = pytest.mark.django_db
MATTER = "伤残抚恤金自2025年起未按新标准发放。"


@pytest.fixture
def w(tree, personas):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        other = make_staff(tree.stations.village_a, Role.CLERK, username="clerk_a2")
        petition = register(personas.clerk_a)
        yield type("W", (), {"p": petition, "other": other, **vars(personas)})


@pytest.mark.parametrize(
    ("who", "sees", "reads"),
    [
        ("clerk_a", True, True),  # the first handler
        ("other", True, False),  # same station, not a handler
        ("head_a", True, True),  # the handler's head
        ("reviewer_town", True, False),  # a reviewer above: exists only
        ("head_county", True, True),  # a head above
        ("leader_county", True, True),  # the jurisdiction's leader
        ("clerk_b", False, False),  # the neighbouring village
        ("head_county2", False, False),  # another county
    ],
)
def test_content_restriction_persona_matrix(w, client, who, sees, reads):
    user = getattr(w, who)
    assert can_read_content(user, w.p) is reads
    assert Petition.objects.filter(content_scope(user), pk=w.p.pk).exists() is reads
    login_as(client, user)
    before = AuditEntry.objects.filter(object_id=str(w.p.pk), action="view").count()
    response = client.get(reverse("petitions:detail", args=[w.p.pk]))
    assert response.status_code == (200 if sees else 404)
    body = response.content.decode()
    assert (MATTER in body) is reads
    if sees:
        assert w.p.number in body and S(w.p.status).label in body
        assert ("内容仅限办理人" in body) is not reads
        views = AuditEntry.objects.filter(object_id=str(w.p.pk), action="view")
        assert views.count() == before + 1
        assert views.order_by("-id").first().extra["content"] is reads
    listing = client.get(reverse("petitions:list")).content.decode()
    assert (w.p.number in listing) is sees
    assert ("王某某" in listing) is reads
    api = client.get(reverse("api:petition-detail", args=[w.p.pk]))
    assert api.status_code == (200 if sees else 404)
    if sees:
        data = api.json()
        assert (data["content"] is not None) is reads
        assert (data["steps"] is not None) is reads and data["number"] == w.p.number


def test_a_non_handler_cannot_act_or_download(w, client):
    login_as(client, w.other)
    response = client.post(
        reverse("petitions:act", args=[w.p.pk]), {"to": "accepted", "told_by": "written"}
    )
    assert response.status_code == 403
    api = client.post(
        reverse("api:petition-action", args=[w.p.pk]),
        {"action": "accepted", "told_by": "written"},
        content_type="application/json",
    )
    assert api.status_code == 403
    w.p.refresh_from_db()
    assert w.p.status == S.REGISTERED


def test_registration_page_and_a_refusal_naming_the_field(w, client):
    login_as(client, w.clerk_a)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        page = client.get(reverse("petitions:new"))
        assert page.status_code == 200 and "信访渠道" in page.content.decode()
        data = {
            "channel": "visit",
            "received_on": "2026-03-02",
            "id_number": PETITIONER,
            "petitioner_name": "王某某",
            "matter_type": "housing",
            "matter": "住房困难",
            "demands": "帮扶",
            "people_count": "3",
            "is_group": "on",
            "representatives": "甲",
        }
        refused = client.post(reverse("petitions:new"), data)
        assert refused.status_code == 200 and "5 人及以上" in refused.content.decode()
        data |= {"is_group": "", "matter_type": "pension"}
        merged = client.post(reverse("petitions:new"), data, follow=True)
        assert "已并入首件" in merged.content.decode()
    w.p.refresh_from_db()
    assert w.p.repeat_count == 1


def test_steps_from_the_page_and_a_missing_input_named(w, client):
    login_as(client, w.clerk_a)
    url = reverse("petitions:act", args=[w.p.pk])
    detail = client.get(reverse("petitions:detail", args=[w.p.pk])).content.decode()
    assert 'id="step-accepted"' in detail and 'id="step-not_accepted"' in detail
    said = client.post(url, {"to": "accepted"}, follow=True).content.decode()
    assert "告知信访人的方式：请选择告知信访人的方式。" in said
    client.post(url, {"to": "accepted", "told_by": "written"})
    w.p.refresh_from_db()
    assert w.p.status == S.ACCEPTED
    rest = client.post(
        reverse("api:petition-action", args=[w.p.pk]),
        {"action": "transferred", "department": "区人社局"},
        content_type="application/json",
    )
    assert rest.status_code == 400 and rest.json() == {
        "receipt": ["请填写转送回执编号（对方单位签收凭证）。"]
    }
    wrong = client.post(
        reverse("api:petition-action", args=[w.p.pk]),
        {"action": "rechecked", "opinion": "x"},
        content_type="application/json",
    )
    assert wrong.status_code == 409 and "concluded" in wrong.json()["allowed"]


def test_the_handler_sees_it_on_her_home_page_with_its_deadline(w):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        sections = todo_for(w.clerk_a, today=dt.date(2026, 3, 2))
    items = [i for s in sections for i in s["items"] if i.label == "信访"]
    assert [i.title for i in items] == [f"信访件 {w.p.number}（村A退役军人服务站）"]
    assert items[0].due_on == dt.date(2026, 3, 17)
    assert not [i for s in todo_for(w.other) for i in s["items"] if i.label == "信访"]


def test_work_list_queries_are_fixed(w, client, django_assert_max_num_queries):
    for n in range(5):
        register(w.clerk_a, matter_type=["housing", "medical", "education", "retired", "other"][n])
    login_as(client, w.clerk_a)
    client.get(reverse("petitions:list"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("petitions:list"))
    assert response.status_code == 200


def test_a_review_is_taken_up_at_the_level_above_from_the_page(w, client, tree):
    from junjia.petitions import services

    p = services.petition_step(actor=w.clerk_a, petition=w.p, to=S.ACCEPTED, told_by="written")
    services.petition_step(
        actor=w.clerk_a, petition=p, to=S.CONCLUDED, reply="答复", satisfaction="unsatisfied"
    )
    town_clerk = make_staff(tree.stations.town1, Role.CLERK, username="town_clerk")
    login_as(client, town_clerk)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert MATTER not in page and 'id="step-review"' in page  # taking it needs no content
    client.post(reverse("petitions:act", args=[p.pk]), {"to": "review"})
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert MATTER in page and "复查中" in page  # now its handler


def test_a_handed_down_petition_is_read_and_taken_up_below(w, client, tree):
    from junjia.petitions import services

    town_clerk = make_staff(tree.stations.town1, Role.CLERK, username="town_clerk")
    p = register(town_clerk, matter_type="housing")
    p = services.petition_step(actor=town_clerk, petition=p, to=S.ACCEPTED, told_by="written")
    services.petition_step(
        actor=town_clerk, petition=p, to=S.HANDED_DOWN, station=tree.stations.village_a.pk
    )
    assert can_read_content(w.other, Petition.objects.get(pk=p.pk))  # waiting at her station
    assert not can_read_content(w.clerk_b, Petition.objects.get(pk=p.pk))
    login_as(client, w.other)
    client.post(reverse("petitions:act", args=[p.pk]), {"to": "in_progress"})
    p.refresh_from_db()
    assert p.owner == w.other and p.status == S.IN_PROGRESS
    assert not can_read_content(w.clerk_a, p)  # a colleague who did not take it

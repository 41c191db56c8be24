"""A need found on a visit becomes a government-service case (issue 13 "A need found becomes,
from the visit, a case … linked both ways"): a clerk who opens cases does it from the visit
page through cases.api; the case names the visit as its source and links back, the visit lists
the cases opened from it with their status. Without the cases capability, no button and 403."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from junjia.cases import api as cases_api
from junjia.cases.catalogue import load_catalogue
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditEntry
from junjia.orgs.tests.helpers import login_as
from junjia.registry.tests.factories import make_recipient
from junjia.visits.tests.test_visits import _visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(tree, personas):
    load_catalogue()
    person = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="王需求")
    at = timezone.now() - dt.timedelta(hours=1)
    return _visit(personas.clerk_a, person, needs_found="希望申领优待证", visited_at=at)


def test_a_clerk_opens_a_case_from_the_visit_and_each_links_to_the_other(client, visit, personas):
    login_as(client, personas.clerk_a)
    detail = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    url = reverse("visits:visit_case_new", args=[visit.pk])
    assert url in detail and "尚未由此走访接件办理" in detail
    form = client.get(url)
    assert form.context["form"]["need"].value() == "希望申领优待证"
    # no item chosen: said under the field, nothing opened
    refused = client.post(url, {"item": "", "need": "希望申领优待证"})
    assert refused.status_code == 200 and refused.context["form"].errors["item"]
    done = client.post(url, {"item": "preferential-card", "need": "希望申领优待证，行动不便"})
    assert done.status_code == 302
    case_page = client.get(done["Location"]).content.decode()
    day = timezone.localtime(visit.visited_at).strftime("%Y-%m-%d")
    assert f"走访记录 {day}" in case_page
    assert reverse("visits:visit_detail", args=[visit.pk]) in case_page
    assert "走访发现的需求：希望申领优待证，行动不便" in case_page
    opened = cases_api.cases_from_source(personas.clerk_a, f"visits:{visit.pk}")
    assert [(c["item"], c["status"]) for c in opened] == [("优待证申领", "已接件")]
    detail = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    assert opened[0]["number"] in detail and "已接件" in detail
    created = AuditEntry.objects.get(object_type="cases.case", action="create")
    assert created.extra["source"] == f"visits:{visit.pk}"


def test_without_the_cases_capability_there_is_no_way_to_open_one(client, visit, personas):
    # the county's leader reads visits but does not open cases at a window
    reviewer = personas.leader_county
    assert not cases_api.can_open_cases(reviewer)
    login_as(client, reviewer)
    detail = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    assert reverse("visits:visit_case_new", args=[visit.pk]) not in detail
    url = reverse("visits:visit_case_new", args=[visit.pk])
    assert client.get(url).status_code == 403
    # village B's clerk cannot reach the visit at all
    login_as(client, personas.clerk_b)
    assert client.get(url).status_code == 404


def test_the_api_refuses_an_empty_need(visit, personas):
    with pytest.raises(InvalidInput) as refused:
        cases_api.case_open_for_need(
            actor=personas.clerk_a,
            item_code="preferential-card",
            recipient=visit.recipient,
            need=" ",
            source_ref=f"visits:{visit.pk}",
            source_label="走访记录",
        )
    assert refused.value.field == "need"
    assert cases_api.cases_from_source(personas.clerk_a, f"visits:{visit.pk}") == []

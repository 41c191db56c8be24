"""The comfort-money ledger (慰问金台账): the visits where money or goods were given, with
totals per budget line and overall, filtered and scoped, every page audited; the export as a
job with the totals sheet and the 签收 column; the A4 print page with the sign-off."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from junjia.core.models import AuditEntry, Job
from junjia.orgs.tests.helpers import login_as
from junjia.registry.models import RECIPIENT_ID
from junjia.visits import models
from junjia.visits.tests.test_visits import NOW, _visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW + dt.timedelta(hours=2)):
        yield


@pytest.fixture
def given(people, personas):
    """Three comfort payments on two budget lines, goods only once, and a plain visit."""
    a, b, c = people["pensioner_a"], people["pensioner_b"], people["merit_c"]
    _visit(personas.clerk_a, a, money_fen=50000, budget_line="春节慰问经费", goods="米、油")
    _visit(personas.clerk_b, b, money_fen=30050, budget_line="春节慰问经费")
    _visit(
        personas.head_county,
        c,
        money_fen=100000,
        budget_line="县级重点优抚对象慰问金",
        visited_at=NOW - dt.timedelta(days=10),
    )
    _visit(personas.clerk_a, a, goods="慰问信", visited_at=NOW - dt.timedelta(days=1))
    _visit(personas.clerk_a, a, how="phone")  # nothing given: not in the ledger
    return a, b, c


def _page(client, **query):
    return client.get(reverse("visits:comfort_ledger"), query).context


def test_the_county_sees_every_comfort_with_totals_per_budget_line(client, given, personas):
    a = given[0]
    login_as(client, personas.head_county)
    ctx = _page(client)
    rows = sorted((v.recipient.name, v.money_fen, v.goods) for v in ctx["page"].object_list)
    assert rows == [
        ("李定补", 30050, ""),
        ("王抚恤", 0, "慰问信"),
        ("王抚恤", 50000, "米、油"),
        ("赵立功", 100000, ""),
    ]
    totals = [(x["name"], x["visits"], x["money_yuan"]) for x in ctx["lines"]]
    assert totals == [
        ("县级重点优抚对象慰问金", 1, "1000.00"),
        ("春节慰问经费", 2, "800.50"),
        ("（仅慰问品，无经费）", 1, "0.00"),
    ]
    assert ctx["total"] == {"visits": 4, "money_fen": 180050, "money_yuan": "1800.50"}
    # by budget line, by dates, by station
    assert _page(client, budget_line="春节慰问经费")["total"]["money_fen"] == 80050
    assert _page(client, budget_line="-")["total"]["visits"] == 1
    assert _page(client, end="2027-01-31")["total"]["money_fen"] == 100000
    assert _page(client, station=a.region_key)["total"]["money_fen"] == 50000
    page = client.get(reverse("visits:comfort_ledger")).content.decode()
    assert a.id_masked in page and RECIPIENT_ID.open(a) not in page and "未签收" in page
    seen = AuditEntry.objects.filter(extra__page="visits.comfort")
    assert seen.count() == 6 and seen.last().object_repr == "慰问金台账"


def test_a_village_clerk_sees_her_station_only(client, given, personas):
    login_as(client, personas.clerk_a)
    ctx = _page(client)
    assert {v.recipient.name for v in ctx["page"].object_list} == {"王抚恤"}
    assert ctx["total"] == {"visits": 2, "money_fen": 50000, "money_yuan": "500.00"}


def test_the_signed_column_reads_the_signature_or_the_signed_form(given):
    visit = models.Visit.objects.filter(money_fen=50000).get()
    assert visit.is_signed is False
    visit.signature = "visits/signatures/1.png"
    assert visit.is_signed is True
    visit.signature, visit.signed_form_photo = "", "visits/signatures/2.jpg"
    assert visit.is_signed is True


def test_the_export_is_a_job_with_totals_and_the_signed_column(
    client, given, personas, django_capture_on_commit_callbacks
):
    a, _, _ = given
    login_as(client, personas.head_county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("visits:comfort_ledger"), {"export": "xlsx"})
    job = Job.objects.get(kind="visits.ledger_export")
    assert response["Location"] == reverse("orgs:job_detail", kwargs={"pk": job.pk})
    job.refresh_from_db()
    book = load_workbook(io.BytesIO(job.result_file.read()))
    rows = list(book["慰问金台账"].values)
    assert rows[0] == (
        "走访日期",
        "服务站",
        "姓名",
        "身份证号码（脱敏）",
        "慰问金（元）",
        "经费来源",
        "慰问品",
        "走访人员",
        "走访计划",
        "签收",
    )
    assert len(rows) == 5 and {r[9] for r in rows[1:]} == {"未签收"}
    wang = next(r for r in rows[1:] if r[6] == "米、油")
    assert wang[2:6] == ("王抚恤", a.id_masked, "500.00", "春节慰问经费")
    assert list(book["按经费来源合计"].values)[1:] == [
        ("县级重点优抚对象慰问金", 1, "1000.00"),
        ("春节慰问经费", 2, "800.50"),
        ("（仅慰问品，无经费）", 1, "0.00"),
        ("合计", 4, "1800.50"),
    ]
    text = " ".join(str(v) for row in rows for v in row)
    assert RECIPIENT_ID.open(a) not in text
    exported = AuditEntry.objects.get(action="export")
    assert (exported.extra["ledger"], exported.extra["rows"]) == ("comfort", 4)


def test_the_print_page_has_the_sign_off_and_totals(client, given, people, personas):
    login_as(client, personas.head_county)
    page = client.get(reverse("visits:comfort_print"), {"budget_line": "春节慰问经费"})
    text = page.content.decode()
    assert "经办人签字" in text and "负责人签字" in text and "领取人签字" in text
    assert "李定补" in text and "赵立功" not in text
    assert "合计（2 人次）" in text and "800.50" in text
    assert AuditEntry.objects.filter(extra__page="visits.comfort.print").count() == 1


# --- budget lines (经费来源) -----------------------------------------------------------------


def test_a_county_keeps_its_budget_lines_and_the_visit_form_offers_them(client, people, personas):
    from junjia.core.errors import InvalidInput, NotPermitted
    from junjia.visits import services

    a = people["pensioner_a"]
    # a village clerk cannot set one up; the county head can, once per name
    with pytest.raises(NotPermitted):
        services.budget_line_add(actor=personas.clerk_a, name="春节慰问经费")
    line = services.budget_line_add(actor=personas.head_county, name=" 春节慰问经费 ")
    assert (line.name, line.region_key) == ("春节慰问经费", personas.head_county.station.region_key)
    with pytest.raises(InvalidInput) as taken:
        services.budget_line_add(actor=personas.head_county, name="春节慰问经费")
    assert taken.value.field == "name"
    # the form offers the county's lines; a name not on the list is refused, nothing written
    login_as(client, personas.clerk_a)
    form = client.get(reverse("visits:visit_new", args=[a.pk])).context["form"]
    assert list(form.fields["budget_line"].choices) == [
        ("", "请选择"),
        ("春节慰问经费", "春节慰问经费"),
    ]
    with pytest.raises(InvalidInput) as refused:
        _visit(personas.clerk_a, a, money_fen=100, budget_line="春节经费")
    assert refused.value.field == "budget_line" and "请从列表中选择" in str(refused.value)
    assert models.Visit.objects.count() == 0
    _visit(personas.clerk_a, a, money_fen=100, budget_line="春节慰问经费")
    # retired: no longer offered, the visit keeps its name; elsewhere (no list) text is free
    services.budget_line_retire(actor=personas.head_county, line=line)
    form = client.get(reverse("visits:visit_new", args=[a.pk])).context["form"]
    assert form.fields["budget_line"].__class__.__name__ == "CharField"
    assert models.Visit.objects.get().budget_line == "春节慰问经费"
    page = client.get(reverse("visits:budget_lines")).content.decode()
    assert "春节慰问经费" in page and "已停用" in page


def test_only_the_keeping_county_retires_a_line(client, people, personas):
    from junjia.core.errors import NotPermitted
    from junjia.visits import services

    line = services.budget_line_add(actor=personas.head_county, name="县级重点优抚对象慰问金")
    with pytest.raises(NotPermitted):
        services.budget_line_retire(actor=personas.head_county2, line=line)
    login_as(client, personas.clerk_a)
    url = reverse("visits:budget_line_retire", args=[line.pk])
    assert client.post(url).status_code == 403
    line.refresh_from_db()
    assert line.retired_at is None


def test_a_signing_sheet_too_long_to_print_is_narrowed_first(client, given, personas, monkeypatch):
    from junjia.visits import comfort_views

    monkeypatch.setattr(comfort_views, "PRINT_LIMIT", 3)
    login_as(client, personas.head_county)
    response = client.get(reverse("visits:comfort_print"), {"end": "2027-02-28"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("visits:comfort_ledger") + "?end=2027-02-28"
    assert "本次打印有 4 条，超过 3 条" in response.content.decode()
    assert not AuditEntry.objects.filter(extra__page="visits.comfort.print").exists()


def test_the_api_lists_the_budget_lines_a_visit_may_name(client, people, personas):
    from junjia.orgs.tests.helpers import api_token_key
    from junjia.visits import services

    kept = services.budget_line_add(actor=personas.head_county, name="春节慰问经费")
    old = services.budget_line_add(actor=personas.head_county, name="旧经费")
    services.budget_line_retire(actor=personas.head_county, line=old)
    services.budget_line_add(actor=personas.head_county2, name="市北区慰问金")
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_key(personas.clerk_a)}"}
    url = reverse("api:visit-budget-line-list")
    rows = client.get(url, **auth).json()["results"]
    assert [(r["name"], r["retired_at"] is None) for r in rows] == [
        ("春节慰问经费", True),
        ("旧经费", False),
    ]
    a = people["pensioner_a"]
    mine = client.get(url, {"recipient": a.pk}, **auth).json()["results"]
    assert [r["id"] for r in mine] == [kept.pk]
    # another village's person: not found
    other = people["pensioner_d"]
    assert client.get(url, {"recipient": other.pk}, **auth).status_code == 404

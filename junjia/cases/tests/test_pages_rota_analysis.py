"""满意度分析 (000 §9; 003 #57 ≥ 90%): rates by station, item, clerk and month; the county
sees its stations side by side; each bar drills down to the evaluated cases behind it."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from junjia.cases import services
from junjia.cases.choices import RatingChannel
from junjia.cases.models import Evaluation

from . import test_pages_rota as base
from .test_pages_rota import as_user, body, completed_case

frozen, rota = base.frozen, base.rota  # the shared fixtures


def rate(case, score):
    return services.evaluation_submit(case=case, score=score, comment="", channel=RatingChannel.QR)


@pytest.fixture
def rated(rota):
    """Village A: 非常满意, 满意 (by A), 不满意 (by A2); village B: two 非常满意."""
    a1 = rate(completed_case(rota.a, name="甲一"), 5)
    a2 = rate(completed_case(rota.a, name="甲二"), 4)
    a3 = rate(completed_case(rota.a2, name="甲三"), 2)
    b1 = rate(completed_case(rota.personas.clerk_b, name="乙一"), 5)
    b2 = rate(completed_case(rota.personas.clerk_b, name="乙二", code="employment-register"), 5)
    return SimpleNamespace(a1=a1, a2=a2, a3=a3, b1=b1, b2=b2)


def rows_of(response):
    return [(r["label"], r["total"], r["satisfied"], r["rate"]) for r in response.context["rows"]]


def test_the_county_sees_its_stations_side_by_side(client, rota, rated):
    response = as_user(client, rota.personas.head_county).get(reverse("cases:analysis"))
    assert response.status_code == 200
    assert rows_of(response) == [
        ("村A退役军人服务站", 3, 2, 66.7),
        ("村B退役军人服务站", 2, 2, 100.0),
    ]
    html = body(response)
    assert '<script id="analysis-data" type="application/json">' in html
    assert '<div id="analysis-chart" class="chart"' in html
    assert "/static/cases/analysis.js" in html and "/static/vendor/echarts/echarts.min.js" in html
    chart = response.context["chart"]
    assert (chart["kind"], chart["labels"], chart["rates"], chart["totals"]) == (
        "bar",
        ["村A退役军人服务站", "村B退役军人服务站"],
        [66.7, 100.0],
        [3, 2],
    )
    assert chart["drill"] == "/cases/analysis/cases/?by=station&period=365&label="
    assert '<td data-label="满意率" class="overdue">66.7% 未达标</td>' in html
    assert response.context["rate"] == 80.0


def test_a_village_head_compares_items_and_clerks(client, rota, rated):
    as_user(client, rota.head)
    assert rows_of(client.get(reverse("cases:analysis"))) == [("优待证申领", 3, 2, 66.7)]
    assert rows_of(client.get(reverse("cases:analysis"), {"by": "clerk"})) == [
        ("张一", 2, 2, 100.0),
        ("李二", 1, 0, 0.0),
    ]


def test_by_month_draws_a_line(client, rota, rated):
    october = timezone.make_aware(dt.datetime(2026, 10, 15, 10))
    Evaluation.objects.filter(pk=rated.a1.pk).update(created_at=october)
    response = as_user(client, rota.head).get(reverse("cases:analysis"), {"by": "month"})
    assert rows_of(response) == [("2026-10", 1, 1, 100.0), ("2026-12", 2, 1, 50.0)]
    assert response.context["chart"]["kind"] == "line"


def test_the_period_limits_what_is_counted(client, rota, rated):
    january = timezone.make_aware(dt.datetime(2026, 1, 10, 10))
    Evaluation.objects.filter(pk=rated.a3.pk).update(created_at=january)
    as_user(client, rota.head)
    assert rows_of(client.get(reverse("cases:analysis"), {"period": "90"})) == [
        ("优待证申领", 2, 2, 100.0)
    ]
    assert rows_of(client.get(reverse("cases:analysis"), {"period": "all"})) == [
        ("优待证申领", 3, 2, 66.7)
    ]


def test_a_bar_drills_down_to_its_cases(client, rota, rated):
    as_user(client, rota.personas.head_county)
    url = reverse("cases:analysis_cases")
    response = client.get(url, {"by": "station", "period": "365", "label": "村A退役军人服务站"})
    numbers = [e.case.number for e in response.context["rows"]]
    assert sorted(numbers) == sorted(e.case.number for e in (rated.a1, rated.a2, rated.a3))
    html = body(response)
    assert "评价明细：村A退役军人服务站" in html
    assert f'href="/cases/loops/{rated.a3.loop.pk}/"' in html  # the bad one links to its loop
    response = client.get(
        url, {"by": "station", "period": "365", "label": "村A退役军人服务站", "only": "bad"}
    )
    assert [e.pk for e in response.context["rows"]] == [rated.a3.pk]
    response = client.get(url, {"by": "clerk", "label": "李二"})
    assert [e.pk for e in response.context["rows"]] == [rated.a3.pk]
    response = client.get(url, {"by": "month", "label": "2026-12"})
    assert len(response.context["rows"]) == 5
    assert client.get(url, {"by": "month", "label": "十二月"}).status_code == 404


def test_the_drill_down_link_of_each_row_matches_its_bar(client, rota, rated):
    response = as_user(client, rota.personas.head_county).get(reverse("cases:analysis"))
    drill = response.context["rows"][1]["drill"]
    assert drill == (
        "/cases/analysis/cases/?by=station&period=365"
        "&label=%E6%9D%91B%E9%80%80%E5%BD%B9%E5%86%9B%E4%BA%BA%E6%9C%8D%E5%8A%A1%E7%AB%99"
    )
    assert sorted(e.pk for e in client.get(drill).context["rows"]) == sorted(
        [rated.b1.pk, rated.b2.pk]
    )


def test_analysis_is_scoped_and_gated(client, rota, rated):
    response = as_user(client, rota.head).get(reverse("cases:analysis_cases"))
    assert "乙一" not in body(response)
    assert len(response.context["rows"]) == 3
    response = as_user(client, rota.personas.head_county2).get(reverse("cases:analysis"))
    assert rows_of(response) == []
    assert "所选时间范围内还没有评价。" in body(response)
    assert 'id="analysis-chart"' not in body(response)
    for name in ("cases:analysis", "cases:analysis_cases"):
        assert as_user(client, rota.a).get(reverse(name)).status_code == 403


def test_the_chart_data_is_valid_json_for_the_script(client, rota, rated):
    html = body(as_user(client, rota.personas.head_county).get(reverse("cases:analysis")))
    start = html.index('<script id="analysis-data" type="application/json">') + len(
        '<script id="analysis-data" type="application/json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["labels"] == ["村A退役军人服务站", "村B退役军人服务站"] and data["target"] == 90

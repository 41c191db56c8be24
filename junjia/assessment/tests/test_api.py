"""/api/v1/score-sheets/ and /api/v1/assessments/: scoped like the pages, refusals in the
shared shapes (a row's missing note under its field), reads audited, in the schema."""

import pytest
from django.test import Client

from junjia.assessment.choices import AssessmentStatus
from junjia.assessment.models import Assessment, Scoring
from junjia.assessment.tests.factories import api_body, loaded_version, open_round, township_head
from junjia.core.models import AuditEntry
from junjia.orgs.tests.helpers import api_token_key

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")


def test_score_sheets(personas):
    version = loaded_version()
    client = api(personas.clerk_a)
    (listed,) = client.get("/api/v1/score-sheets/").json()
    assert (listed["declared_total"], listed["rows_total"], listed["sum_difference"]) == (
        100,
        100,
        0,
    )
    assert (listed["pass_mark"], listed["pass_inclusive"], listed["bonus_cap"]) == (90, True, 10)
    detail = client.get(f"/api/v1/score-sheets/{version.pk}/").json()
    rows = [row for group in detail["groups"] for row in group["rows"]]
    assert len(rows) == 61
    assert rows[56] | {} == {
        "number": 57,
        "code": "village-station-2023:57",
        "standard": "满意度达到90%以上",
        "kind": "scored",
        "points": 1.0,
        "conditions": [],
    }
    assert detail["groups"][-1]["rows"][0]["conditions"][0] == "发生重大群体性事件的"
    assert client.get("/api/v1/score-sheets/999999/").status_code == 404


def test_assessments_within_reach(tree, personas):
    found = open_round(personas)
    head = township_head(tree)

    def stations(user, **params):
        body = api(user).get("/api/v1/assessments/", params).json()
        return sorted(row["station"] for row in body["results"])

    assert stations(head) == ["村A退役军人服务站", "村B退役军人服务站"]
    assert stations(personas.head_county, round=found.pk) == [
        "村A退役军人服务站",
        "村B退役军人服务站",
        "村C退役军人服务站",
    ]
    assert stations(personas.head_county2) == []
    assert api(head).get("/api/v1/assessments/", {"round": "x"}).json() == {
        "round": ["考核轮次应为数字 id。"]
    }


def test_scoring_and_submitting_through_the_api(tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    client = api(head)
    url = f"/api/v1/assessments/{a.pk}/"
    body = api_body(found.version)
    body["rows"][26]["score"] = 2  # row 27, no note
    refused = client.post(url + "scores/", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"note_27": ["第27项扣了 1 分，请填写扣分说明。"]}
    assert Scoring.objects.count() == 0
    body["rows"][26]["note"] = "两户档案缺照片"
    body["claims"] = [{"row": 58, "points": 4, "matter": "老兵调解室"}]
    saved = client.post(url + "scores/", body, content_type="application/json").json()
    (scoring,) = saved["scorings"]
    assert (scoring["total"], scoring["bonus_applied"], scoring["passed"]) == (103, 4, True)
    submitted = client.post(url + "submit/", content_type="application/json")
    assert submitted.status_code == 200
    assert (submitted.json()["status"], submitted.json()["total"]) == ("submitted", 103)
    again = client.post(url + "scores/", body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["status"] == AssessmentStatus.SUBMITTED
    detail = client.get(url)
    assert detail.status_code == 200
    assert AuditEntry.objects.filter(
        object_type="assessment.assessment", action="view", extra__page="assessment.api.detail"
    ).exists()


def test_refusals(tree, personas):
    found = open_round(personas)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    url = f"/api/v1/assessments/{a.pk}/"
    body = api_body(found.version)
    # the village's own clerk sees the assessment but does not score it
    assert api(personas.clerk_a).get(url).status_code == 200
    assert (
        api(personas.clerk_a)
        .post(url + "scores/", body, content_type="application/json")
        .status_code
        == 403
    )
    # another county: not found
    assert api(personas.head_county2).get(url).status_code == 404
    # submitting before scoring
    refused = api(township_head(tree)).post(url + "submit/", content_type="application/json")
    assert (refused.status_code, refused.json()) == (
        400,
        {"detail": "尚未评分，请先逐项评分并保存。"},
    )
    assert Scoring.objects.count() == 0


def test_the_schema_describes_the_operations_with_the_shared_refusals(personas):
    schema = api(personas.clerk_a).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/score-sheets/",
        "/api/v1/score-sheets/{id}/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{id}/",
        "/api/v1/assessments/{id}/scores/",
        "/api/v1/assessments/{id}/submit/",
    ):
        operations = schema["paths"][path]
        for operation in operations.values():
            ref = operation["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Refusal", path


def test_ids_past_the_database_range_are_not_found(personas):
    client = api(personas.head_county)
    huge = 2**70
    assert client.get("/api/v1/assessments/", {"round": str(huge)}).status_code == 400
    assert client.get(f"/api/v1/assessments/{huge}/").status_code == 404
    assert client.get(f"/api/v1/score-sheets/{huge}/").status_code == 404

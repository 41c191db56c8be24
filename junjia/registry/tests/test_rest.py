"""Registry API, reads and registration: token and session callers, jurisdiction (404
outside), masking in every answer, audit of every showing, reveal, one person one file."""

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from junjia.core.models import AuditEntry
from junjia.core.personal import check_character
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.registry import errors, forms
from junjia.registry.choices import Category, FileStatus
from junjia.registry.models import RECIPIENT_ID, RECIPIENT_PHONE, Recipient
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db

LIST = "/api/v1/recipients/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def file_url(recipient, suffix: str = "") -> str:
    return f"/api/v1/recipients/{recipient.pk}/{suffix}"


def audit_extra(entry) -> dict:
    return {k: v for k, v in entry.extra.items() if k != "request_id"}


def assert_masked(body: str, *plain: str) -> None:
    """No plain number, no ciphertext and no blind index in an answer."""
    for value in plain:
        assert value not in body
    for secret in ("_enc", "_index", '"enc"'):
        assert secret not in body


@pytest.fixture
def files(personas, tree):
    """Two files of village A and one of village B, with numbers and phones."""
    a1 = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="张三",
        id_number=make_id_number(dt.date(1950, 3, 4), seq=21),
        phone="13800001234",
        birth=dt.date(1950, 3, 4),
    )
    a2 = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="李四",
        id_number=make_id_number(dt.date(1990, 1, 1), seq=22),
        phone="13900005678",
        birth=dt.date(1990, 1, 1),
        categories=[Category.MARTYR_FAMILY],
        empty_nest=True,
    )
    b = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="乙某某",
        id_number=make_id_number(dt.date(1960, 1, 1), seq=23),
        phone="13700009999",
        birth=dt.date(1960, 1, 1),
    )
    return a1, a2, b


def plain_values(*recipients) -> list[str]:
    values = []
    for r in recipients:
        values.append(RECIPIENT_ID.open(r))
        if r.phone_enc:
            values.append(RECIPIENT_PHONE.open(r))
    return values


# --- authentication ---------------------------------------------------------------------------


def test_anonymous_gets_nothing(files):
    response = APIClient().get(LIST)
    assert response.status_code == 401  # no credentials: the token scheme asks for them
    assert "乙某某" not in response.content.decode()


def test_session_callers_use_the_same_api(client, personas, files):
    login_as(client, personas.clerk_a)
    response = client.get(LIST)
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["李四", "张三"]


def test_session_writes_need_the_csrf_token(personas, tree, files):
    client = APIClient(enforce_csrf_checks=True)
    login_as(client, personas.clerk_a)
    response = client.post(
        LIST,
        {"household_region": "370202001001", "id_number": make_id_number(), "name": "王五"},
        format="json",
    )
    assert response.status_code == 403
    assert Recipient.objects.count() == 3


def test_staff_without_the_registry_capability_are_refused(personas, files):
    response = api_for(personas.sysadmin).get(LIST)
    assert response.status_code == 403  # administrators may not use tokens at all
    client = APIClient()
    login_as(client, personas.sysadmin)
    assert client.get(LIST).status_code == 403
    assert client.get(file_url(files[0])).status_code == 404


# --- list and search ----------------------------------------------------------------------------


def test_list_is_the_jurisdiction_masked_and_audited_once(personas, files):
    a1, a2, b = files
    response = api_for(personas.clerk_a).get(LIST, {"q": ""})
    assert response.status_code == 200
    data = response.json()
    assert (data["count"], data["count_capped"], data["next"]) == (2, False, None)
    row = next(r for r in data["results"] if r["name"] == "张三")
    assert row == {
        "id": a1.pk,
        "name": "张三",
        "gender": "M",
        "gender_label": "男",
        "birth_date": "1950-03-04",
        "id_masked": a1.id_masked,
        "phone_masked": "138****1234",
        "household_region": {"code": "370202001001", "name": "山东省青岛市市南区甲街道村A"},
        "status": "approved",
        "status_label": "已通过",
        "review_level": None,
        "death_date": None,
        "last_verified_at": row["last_verified_at"],
        "categories": ["retired_soldier"],
    }
    body = response.content.decode()
    assert "乙某某" not in body
    assert_masked(body, *plain_values(a1, a2, b))
    entry = AuditEntry.objects.get(object_type="registry.recipient_list")
    assert (entry.action, entry.actor_id) == ("view", personas.clerk_a.pk)
    assert audit_extra(entry) == {"sort": "name"}


def test_township_sees_both_villages(personas, files):
    data = api_for(personas.reviewer_town).get(LIST).json()
    assert [r["name"] for r in data["results"]] == ["李四", "乙某某", "张三"]


def test_search_by_initials_number_tail_phone_and_filters(personas, files):
    a1, _, _ = files
    client = api_for(personas.clerk_a)

    def names(**params):
        return [r["name"] for r in client.get(LIST, params).json()["results"]]

    assert names(q="zs") == ["张三"]
    assert names(q="lisi") == ["李四"]
    assert names(q=RECIPIENT_ID.open(a1)[-6:]) == ["张三"]
    assert names(q="13900005678") == ["李四"]
    assert names(q="乙某某") == []
    assert names(category=Category.MARTYR_FAMILY) == ["李四"]
    assert names(flag="empty_nest") == ["李四"]
    assert names(age_min=70) == ["张三"]
    assert names(age_max=40) == ["李四"]
    assert names(status="draft") == []
    assert names(sort="birth") == ["张三", "李四"]
    entries = AuditEntry.objects.filter(object_type="registry.recipient_list").order_by("id")
    assert audit_extra(entries[0]) == {"q": "zs", "sort": "name"}
    assert audit_extra(entries[7]) == {"age_min": "70", "sort": "name"}


def test_keyset_pages_walk_the_whole_list(personas, tree, files):
    for n in range(3):
        make_recipient(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name=f"王{'一二三'[n]}",
            id_number=make_id_number(seq=30 + n),
        )
    client = api_for(personas.clerk_a)
    seen, cursor = [], ""
    while True:
        data = client.get(LIST, {"page_size": 2, "after": cursor}).json()
        assert data["count"] == 5
        seen += [r["name"] for r in data["results"]]
        if data["next"] is None:
            break
        cursor = data["next"]
    assert seen == ["李四", "王二", "王三", "王一", "张三"]


def test_list_queries_do_not_grow_with_rows(personas, tree, files, django_assert_max_num_queries):
    client = api_for(personas.reviewer_town)
    client.get(LIST)  # warm the session, token and policy caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(5):
        make_recipient(
            tree.regions.village_b,
            created_by=personas.clerk_b,
            name="赵六",
            id_number=make_id_number(seq=40 + n),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        data = client.get(LIST).json()
    assert len(data["results"]) == 8


# --- the file ---------------------------------------------------------------------------------


def test_detail_is_the_whole_file_masked_and_audited(personas, files):
    a1, _, _ = files
    response = api_for(personas.clerk_a).get(file_url(a1))
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "张三" and data["id_masked"] == a1.id_masked
    assert [s["key"] for s in data["sections"]] == [
        "basic",
        "party",
        "service",
        "placement",
        "employment",
        "training",
        "pension",
        "hardship",
    ]
    assert data["sections"][0]["values"]["phone"] == "138****1234"
    assert data["categories"] == [
        {
            "category": "retired_soldier",
            "label": "退役士兵",
            "start_date": None,
            "end_date": None,
            "disability_grade": None,
            "disability_cause": "",
        }
    ]
    assert [d["kind"] for d in data["missing_documents"]] == [
        "id_card",
        "household_register",
        "photo",
        "discharge_certificate",
        "diploma",
    ]
    assert data["change"] is None
    assert [h["action"] for h in data["history"]] == ["建档"]
    assert data["flags"] == {
        "combat_veteran": False,
        "pre1949_veteran": False,
        "empty_nest": False,
        "migrant_family": False,
    }
    assert_masked(response.content.decode(), *plain_values(a1))
    entry = AuditEntry.objects.get(action="view", subject_id=f"recipient:{a1.pk}")
    assert audit_extra(entry) == {"page": "api:recipient-detail"}


def test_file_of_the_neighbouring_village_is_404_and_not_audited(personas, files):
    _, _, b = files
    for suffix in ("", "reveal/", "submit/"):
        response = api_for(personas.clerk_a).get(file_url(b, suffix))
        assert response.status_code == 404, suffix
        assert "乙某某" not in response.content.decode()
    assert not AuditEntry.objects.filter(subject_id=f"recipient:{b.pk}").exists()


def test_post_only_action_answers_405_inside_the_jurisdiction(personas, files):
    assert api_for(personas.clerk_a).get(file_url(files[0], "submit/")).status_code == 405


# --- reveal ---------------------------------------------------------------------------------


def test_reveal_needs_the_capability(personas, files):
    a1, _, _ = files
    response = api_for(personas.clerk_a).post(
        file_url(a1, "reveal/"), {"field": "id_number"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有查看完整证件号码和电话的权限。"}
    assert not AuditEntry.objects.filter(subject_id=f"recipient:{a1.pk}").exists()


def test_reveal_shows_one_value_and_is_audited(personas, files):
    a1, _, b = files
    client = api_for(personas.head_a)
    response = client.post(file_url(a1, "reveal/"), {"field": "id_number"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"value": RECIPIENT_ID.open(a1)}
    assert response["Cache-Control"] == "no-store"
    response = client.post(file_url(a1, "reveal/"), {"field": "phone"}, format="json")
    assert response.json() == {"value": "13800001234"}
    entries = AuditEntry.objects.filter(action="view", subject_id=f"recipient:{a1.pk}")
    assert [e.extra["revealed"] for e in entries.order_by("id")] == ["id_number", "phone"]
    response = client.post(file_url(a1, "reveal/"), {"field": "name"}, format="json")
    assert response.status_code == 400
    assert client.post(file_url(b, "reveal/"), {"field": "phone"}, format="json").status_code == 404
    assert entries.count() == 2


# --- registration -------------------------------------------------------------------------------


def _register(client, **data):
    body = {"household_region": "370202001001", "name": "王五", "phone": "13812345678", **data}
    return client.post(LIST, body, format="json")


def test_register_opens_a_draft_with_facts_from_the_number(personas, tree):
    number = make_id_number(dt.date(1975, 8, 1), male=False)
    response = _register(api_for(personas.clerk_a), id_number=number, gender="F")
    assert response.status_code == 201
    data = response.json()
    recipient = Recipient.objects.get()
    assert data["id"] == recipient.pk
    assert (data["status"], data["gender"], data["birth_date"]) == ("draft", "F", "1975-08-01")
    assert (data["id_masked"], data["phone_masked"]) == (recipient.id_masked, "138****5678")
    assert data["warnings"] == []
    assert [h["action"] for h in data["history"]] == ["建档"]
    assert_masked(response.content.decode(), number, "13812345678")
    assert AuditEntry.objects.filter(
        action="create", subject_id=f"recipient:{recipient.pk}"
    ).exists()


def test_register_accepts_a_15_digit_number_and_warns_on_an_unknown_county(personas, tree):
    response = _register(api_for(personas.clerk_a), id_number="110101750801001")
    assert response.status_code == 201
    data = response.json()
    assert data["id_masked"] == "110101********001" + check_character("11010119750801001")
    assert (data["gender"], data["birth_date"]) == ("M", "1975-08-01")
    assert data["warnings"] == [
        "身份证号码中的地址码 110101 不在现行行政区划代码中（可能是已撤销或调整的旧代码），请核对。"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"id_number": "1234"},
            {"id_number": ["身份证号码应为 18 位（或旧版 15 位），您输入了 4 位。"]},
        ),
        ({"id_number": ""}, {"id_number": ["请填写身份证号码。"]}),
        ({"phone": "12345"}, {"phone": ["手机号码应为 11 位中国大陆手机号，以 13–19 开头。"]}),
        (
            {"household_region": "370202001002"},
            {"household_region": [forms.REGION_UNKNOWN.format(code="370202001002")]},
        ),
        ({"name": " "}, {"name": ["请填写姓名。"]}),
        ({"gender": "F"}, {"detail": "性别与身份证号码不符（身份证号码显示为男）。"}),
        (
            {"birth_date": "1975-08-02"},
            {"detail": "出生日期与身份证号码不符（身份证号码显示为 1975-08-01）。"},
        ),
    ],
)
def test_register_refusals_are_in_chinese_and_write_nothing(personas, tree, data, expected):
    number = make_id_number(dt.date(1975, 8, 1), male=True)
    response = _register(api_for(personas.clerk_a), **{"id_number": number, **data})
    assert response.status_code == 400
    assert response.json() == expected
    assert not Recipient.objects.exists()
    assert not AuditEntry.objects.filter(object_type="registry.recipient").exists()


def test_household_must_be_a_township_or_village(personas, tree):
    response = _register(
        api_for(personas.head_county), household_region="370202", id_number=make_id_number()
    )
    assert response.status_code == 400
    assert response.json() == {"detail": errors.HOUSEHOLD_LEVEL}
    assert not Recipient.objects.exists()
    assert not AuditEntry.objects.filter(object_type="registry.recipient").exists()


def test_register_needs_the_edit_capability(personas, tree):
    response = _register(api_for(personas.reviewer_town), id_number=make_id_number())
    assert response.status_code == 403
    assert not Recipient.objects.exists()


def test_duplicate_elsewhere_names_only_the_station(personas, tree):
    number = make_id_number(dt.date(1970, 1, 1))
    other = make_recipient(
        tree.regions.village_d,
        created_by=personas.head_county2,
        name="王五",
        id_number=number,
        phone="13711112222",
    )
    response = _register(api_for(personas.clerk_a), id_number=number, name="王小五")
    assert response.status_code == 409
    assert response.json() == {
        "detail": errors.DUPLICATE.format(station="村D退役军人服务站"),
        "station": "村D退役军人服务站",
        "transfer_possible": True,
    }
    body = response.content.decode()
    for leak in ("王五", other.id_masked, "137****2222", "370203001001", str(other.pk)):
        assert leak not in body
    assert Recipient.objects.count() == 1


def test_duplicate_in_own_jurisdiction_offers_no_transfer(personas, tree, files):
    a1, _, b = files
    client = api_for(personas.clerk_a)
    response = _register(client, id_number=RECIPIENT_ID.open(a1))
    assert response.status_code == 409
    assert response.json()["transfer_possible"] is False
    response = _register(client, id_number=RECIPIENT_ID.open(b))
    assert response.json() == {
        "detail": errors.DUPLICATE.format(station="村B退役军人服务站"),
        "station": "村B退役军人服务站",
        "transfer_possible": True,
    }
    assert Recipient.objects.count() == 3


def test_withdrawn_draft_frees_the_number(personas, tree):
    client = api_for(personas.clerk_a)
    number = make_id_number()
    first = _register(client, id_number=number).json()
    response = client.post(f"{LIST}{first['id']}/withdraw/", {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, FileStatus.WITHDRAWN)
    assert _register(client, id_number=number).status_code == 201


def test_every_registry_route_is_in_the_schema(personas):
    response = api_for(personas.clerk_a).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    ours = sorted(p for p in paths if p.startswith(("/api/v1/recipients", "/api/v1/transfers")))
    assert ours == [
        "/api/v1/recipients/",
        "/api/v1/recipients/counts/",
        "/api/v1/recipients/review-queue/",
        "/api/v1/recipients/{id}/",
        "/api/v1/recipients/{id}/approve/",
        "/api/v1/recipients/{id}/categories/",
        "/api/v1/recipients/{id}/change/approve/",
        "/api/v1/recipients/{id}/change/return/",
        "/api/v1/recipients/{id}/change/submit/",
        "/api/v1/recipients/{id}/change/withdraw/",
        "/api/v1/recipients/{id}/family/",
        "/api/v1/recipients/{id}/honours/",
        "/api/v1/recipients/{id}/plan/",
        "/api/v1/recipients/{id}/return/",
        "/api/v1/recipients/{id}/reveal/",
        "/api/v1/recipients/{id}/sections/{key}/",
        "/api/v1/recipients/{id}/submit/",
        "/api/v1/recipients/{id}/withdraw/",
        "/api/v1/transfers/",
        "/api/v1/transfers/{id}/decide/",
    ]
    assert set(paths["/api/v1/recipients/"]) == {"get", "post"}


def test_list_rows_written_out_equal_what_drf_fields_give(tree, personas):
    """RecipientRowOut writes its rows out by hand for speed: the result must be exactly what
    the declared fields would give, for a living and a deceased, unverified file."""
    from rest_framework import serializers

    from junjia.registry.rest import RecipientRowOut

    region = tree.stations.village_a.region
    living = make_recipient(region, created_by=personas.clerk_a, phone="13912345678")
    dead = make_recipient(
        region,
        created_by=personas.clerk_a,
        name="李四",
        status=FileStatus.DRAFT,
        male=False,
        categories=(Category.RETIRED_SOLDIER, Category.MARTYR_FAMILY),
        death_date=dt.date(2024, 3, 1),
    )
    for recipient in Recipient.objects.filter(pk__in=[living.pk, dead.pk]).select_related(
        "household_region"
    ):
        out = RecipientRowOut(recipient)
        generic = serializers.Serializer.to_representation(out, recipient)
        assert out.data == generic
    assert RecipientRowOut(dead).data["death_date"] == "2024-03-01"
    assert RecipientRowOut(dead).data["last_verified_at"] is None

"""Registry API, writes: sections and lists validated by the pages' forms, collection and
upward review, returns, change requests with their differences — through the same services,
with refusals that change nothing."""

import datetime as dt

import pytest

from junjia.core.models import AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.registry import errors
from junjia.registry.choices import Category, ChangeStatus, FileStatus
from junjia.registry.models import ChangeRequest, Recipient
from junjia.registry.tests.factories import make_id_number, make_recipient
from junjia.registry.tests.test_rest import LIST, api_for, assert_masked, file_url

pytestmark = pytest.mark.django_db

SOLDIER = {"category": Category.RETIRED_SOLDIER, "start_date": "2002-12-01"}


@pytest.fixture
def county_reviewer(tree):
    return make_staff(tree.stations.county, Role.REVIEWER, username="reviewer_county")


def register(client, **data) -> dict:
    body = {
        "household_region": "370202001001",
        "id_number": make_id_number(dt.date(1978, 2, 3)),
        "name": "张三",
        "phone": "13812345678",
        **data,
    }
    response = client.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def url(data: dict, suffix: str = "") -> str:
    return f"{LIST}{data['id']}/{suffix}"


# --- sections -------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    response = client.patch(
        url(created, "sections/basic/"),
        {"former_names": "张老三", "combat_veteran": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    basic = response.json()["sections"][0]["values"]
    assert (basic["name"], basic["former_names"], basic["ethnicity"]) == ("张三", "张老三", "汉族")
    assert (basic["combat_veteran"], basic["phone"]) == (True, "138****5678")
    recipient = Recipient.objects.get(pk=created["id"])
    assert (recipient.former_names, recipient.combat_veteran) == ("张老三", True)
    assert recipient.phone_masked == "138****5678"
    assert response.json()["flags"]["combat_veteran"] is True
    update = AuditEntry.objects.filter(action="update", subject_id=f"recipient:{recipient.pk}")
    assert update.get().changes == {
        "基本信息·曾用名": ["", "张老三"],
        "基本信息·参战参试": ["否", "是"],
    }
    view = AuditEntry.objects.get(action="view", subject_id=f"recipient:{recipient.pk}")
    assert view.extra["page"] == "api:recipient-section"


def test_patch_renames_with_pinyin_and_clears_the_phone(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    response = client.patch(
        url(created, "sections/basic/"), {"name": "李四", "phone": ""}, format="json"
    )
    assert response.status_code == 200
    recipient = Recipient.objects.get(pk=created["id"])
    assert (recipient.name, recipient.name_initials, recipient.phone_masked) == ("李四", "ls", "")
    assert [r["name"] for r in client.get(LIST, {"q": "ls"}).json()["results"]] == ["李四"]


def test_patch_service_dates_use_the_section_rules(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    response = client.patch(
        url(created, "sections/service/"),
        {"enlistment_date": "2010-01-01", "discharge_date": "2009-01-01", "branch": "navy"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"discharge_date": ["退役时间应晚于入伍时间。"]}
    response = client.patch(
        url(created, "sections/service/"), {"unit": "某部", "rank": "上士"}, format="json"
    )
    assert response.status_code == 200
    recipient = Recipient.objects.get(pk=created["id"])
    assert recipient.enlistment_date is None and recipient.branch == ""
    assert recipient.sections["service"]["unit"] == "某部"


@pytest.mark.parametrize(
    ("key", "data", "expected"),
    [
        (
            "basic",
            {"phone": "12345"},
            {"phone": ["手机号码应为 11 位中国大陆手机号，以 13–19 开头。"]},
        ),
        ("basic", {"name": ""}, {"name": ["该字段是必填项。"]}),
        ("basic", {"id_number": "1"}, {"id_number": ["未知字段。"]}),
        (
            "hardship",
            {"hardship": "rich"},
            {"hardship": ["选择一个有效的选项。 rich 不在可用的选项中。"]},
        ),
    ],
)
def test_patch_refusals_change_nothing(personas, tree, key, data, expected):
    client = api_for(personas.clerk_a)
    created = register(client)
    before = Recipient.objects.get(pk=created["id"])
    response = client.patch(url(created, f"sections/{key}/"), data, format="json")
    assert response.status_code == 400
    assert response.json() == expected
    after = Recipient.objects.get(pk=created["id"])
    assert (after.name, after.phone_enc, after.sections, after.hardship) == (
        before.name,
        before.phone_enc,
        before.sections,
        before.hardship,
    )


def test_unknown_section_is_404(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    assert client.patch(url(created, "sections/secret/"), {}, format="json").status_code == 404


def test_edits_need_the_edit_capability_and_the_jurisdiction(personas, tree):
    file_b = make_recipient(tree.regions.village_b, created_by=personas.clerk_b, name="乙某某")
    response = api_for(personas.clerk_a).patch(
        file_url(file_b, "sections/basic/"), {"name": "改名"}, format="json"
    )
    assert response.status_code == 404
    response = api_for(personas.reviewer_town).patch(
        file_url(file_b, "sections/basic/"), {"name": "改名"}, format="json"
    )
    assert response.status_code == 403
    response = api_for(personas.reviewer_town).put(
        file_url(file_b, "categories/"), {"items": []}, format="json"
    )
    assert response.status_code == 403
    file_b.refresh_from_db()
    assert file_b.name == "乙某某"
    assert file_b.categories.count() == 1


# --- lists ------------------------------------------------------------------------------------


def test_categories_are_checked_row_by_row(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    items = [
        SOLDIER,
        {"category": Category.DISABLED_SOLDIER},
        {"category": Category.MARTYR_FAMILY, "start_date": "2020-01-01", "end_date": "2019-01-01"},
        {"category": "king"},
    ]
    response = client.put(url(created, "categories/"), {"items": items}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "items": [
            {},
            {"non_field_errors": [errors.DISABILITY_NEEDS_GRADE]},
            {"end_date": [errors.END_BEFORE_START]},
            {"category": ["选择一个有效的选项。 king 不在可用的选项中。"]},
        ]
    }
    assert Recipient.objects.get(pk=created["id"]).categories.count() == 0
    items = [
        SOLDIER,
        {"category": Category.DISABLED_SOLDIER, "disability_grade": 6, "disability_cause": "war"},
    ]
    response = client.put(url(created, "categories/"), {"items": items}, format="json")
    assert response.status_code == 200
    assert [
        (c["category"], c["start_date"], c["disability_grade"], c["disability_cause"])
        for c in response.json()["categories"]
    ] == [("disabled_soldier", None, 6, "war"), ("retired_soldier", "2002-12-01", None, "")]
    assert [d["kind"] for d in response.json()["missing_documents"]][-1] == (
        "disability_certificate"
    )


def test_honours_family_and_plan(personas, tree):
    client = api_for(personas.clerk_a)
    created = register(client)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.put(
        url(created, "honours/"),
        {"items": [{"kind": "second_class", "awarded_on": future}]},
        format="json",
    )
    assert response.json() == {"items": [{"awarded_on": ["时间不能晚于今天。"]}]}
    response = client.put(
        url(created, "honours/"),
        {"items": [{"kind": "second_class", "title": "抗洪", "awarded_on": "1998-09-01"}]},
        format="json",
    )
    assert response.json()["honours"] == [
        {"kind": "second_class", "label": "二等功", "title": "抗洪", "awarded_on": "1998-09-01"}
    ]
    response = client.put(
        url(created, "family/"),
        {"items": [{"name": "王芳", "relationship": "spouse", "birth_year": 1980}]},
        format="json",
    )
    assert response.json()["family"] == [
        {
            "name": "王芳",
            "relationship": "spouse",
            "relationship_label": "配偶",
            "birth_year": 1980,
            "note": "",
        }
    ]
    response = client.put(url(created, "plan/"), {"plan": "每季度走访一次。"}, format="json")
    assert response.json()["plan"] == "每季度走访一次。"
    response = client.put(url(created, "family/"), {"items": "x"}, format="json")
    assert response.json() == {"items": ["请提交 items 列表。"]}


# --- collection and review ------------------------------------------------------------------


def test_review_flow_village_township_county(personas, tree, county_reviewer):
    clerk = api_for(personas.clerk_a)
    created = register(clerk)
    clerk.put(url(created, "categories/"), {"items": [SOLDIER]}, format="json")
    response = clerk.post(url(created, "submit/"))
    assert response.status_code == 200
    assert response.json() == {
        "id": created["id"],
        "status": "submitted",
        "status_label": "审核中",
        "review_level": 4,
        "review_level_label": "乡镇（街道）",
        "change": None,
    }
    # The clerk may not review; the county may not skip the township.
    assert clerk.post(url(created, "approve/")).status_code == 403
    response = api_for(county_reviewer).post(url(created, "approve/"))
    assert response.status_code == 403
    assert response.json() == {"detail": "该档案当前应由乡镇（街道）审核人审核。"}
    town = api_for(personas.reviewer_town)
    queue = town.get(f"{LIST}review-queue/").json()
    assert [f["id"] for f in queue["files"]] == [created["id"]]
    response = town.post(url(created, "approve/"), {"remark": "属实"}, format="json")
    assert (response.json()["status"], response.json()["review_level"]) == ("submitted", 3)
    assert town.get(f"{LIST}review-queue/").json()["files"] == []
    response = api_for(county_reviewer).post(url(created, "approve/"), {}, format="json")
    assert response.status_code == 400  # documents are missing: the reason is required
    assert list(response.json()) == ["remark"]
    response = api_for(county_reviewer).post(
        url(created, "approve/"), {"remark": "原件已核验"}, format="json"
    )
    assert (response.json()["status"], response.json()["review_level"]) == ("approved", None)
    detail = clerk.get(url(created)).json()
    assert [(h["action"], h["station_name"], h["remark"]) for h in detail["history"]] == [
        ("建档", "村A退役军人服务站", ""),
        ("提交审核", "村A退役军人服务站", ""),
        ("审核通过（上报）", "甲街道退役军人服务站", "属实"),
        ("审核通过", "市南区退役军人服务站", "原件已核验"),
    ]
    assert detail["approved_at"] is not None
    statuses = AuditEntry.objects.filter(
        subject_id=f"recipient:{created['id']}", changes__has_key="status"
    ).order_by("id")
    assert [e.changes["status"] for e in statuses] == [
        ["draft", "submitted"],
        ["submitted", "submitted"],
        ["submitted", "approved"],
    ]


def test_return_needs_a_reason_then_goes_back_to_the_clerk(personas, tree):
    clerk = api_for(personas.clerk_a)
    created = register(clerk)
    clerk.put(url(created, "categories/"), {"items": [SOLDIER]}, format="json")
    clerk.post(url(created, "submit/"))
    town = api_for(personas.reviewer_town)
    response = town.post(url(created, "return/"), {"reason": " "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [errors.REASON_REQUIRED]}
    assert Recipient.objects.get(pk=created["id"]).status == FileStatus.SUBMITTED
    response = town.post(url(created, "return/"), {"reason": "缺退役证"}, format="json")
    assert response.json()["status"] == "returned"
    history = clerk.get(url(created)).json()["history"]
    assert (history[-1]["action"], history[-1]["remark"]) == ("退回", "缺退役证")
    response = clerk.patch(url(created, "sections/basic/"), {"former_names": "x"}, format="json")
    assert response.status_code == 200
    assert clerk.post(url(created, "submit/")).json()["status"] == "submitted"


def test_illegal_transitions_answer_the_workflow_message(personas, tree):
    clerk = api_for(personas.clerk_a)
    created = register(clerk)
    response = clerk.post(url(created, "submit/"))
    assert response.json() == {"detail": errors.NO_CATEGORY}
    response = api_for(personas.reviewer_town).post(
        url(created, "return/"), {"reason": "缺材料"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "当前状态为“草稿”，不能执行此操作（不能变为“已退回”）。",
        "status": "draft",
        "status_label": "草稿",
        "allowed": ["submitted", "withdrawn"],
    }
    approved = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="王五")
    response = clerk.post(file_url(approved, "withdraw/"))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "当前状态为“已通过”，不能执行此操作（不能变为“已撤回”）。",
        "status": "approved",
        "status_label": "已通过",
        "allowed": [],
    }
    response = clerk.post(file_url(approved, "change/submit/"))
    assert response.json() == {"detail": errors.NOT_OPEN_CHANGE}
    assert Recipient.objects.get(pk=created["id"]).status == FileStatus.DRAFT
    assert Recipient.objects.get(pk=approved.pk).status == FileStatus.APPROVED


def test_review_queue_needs_the_review_capability(personas):
    assert api_for(personas.clerk_a).get(f"{LIST}review-queue/").status_code == 403


# --- change requests ------------------------------------------------------------------------


def test_change_request_on_an_approved_file(personas, tree, county_reviewer):
    approved = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="王五",
        phone="13811112222",
        id_number=make_id_number(seq=77),
    )
    clerk = api_for(personas.clerk_a)
    response = clerk.patch(
        file_url(approved, "sections/service/"),
        {"enlistment_date": "1998-12-01", "discharge_date": "2002-12-01", "branch": "navy"},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "approved"
    assert data["sections"][2]["values"]["branch"] == ""  # the approved version stays
    assert data["change"]["status"] == "draft"
    assert {"section": "服役信息", "field": "军种", "old": "", "new": "海军"} in data["change"][
        "diff"
    ]
    # A second edit goes into the same change request and the PATCH starts from it.
    response = clerk.patch(
        file_url(approved, "sections/basic/"), {"phone": "13933334444"}, format="json"
    )
    diff = response.json()["change"]["diff"]
    assert {
        "section": "基本信息",
        "field": "手机号码",
        "old": "138****2222",
        "new": "139****4444",
    } in diff
    assert {"section": "服役信息", "field": "军种", "old": "", "new": "海军"} in diff
    assert_masked(response.content.decode(), "13933334444", "13811112222")
    assert ChangeRequest.objects.filter(recipient=approved).count() == 1

    response = clerk.post(file_url(approved, "change/submit/"), {"reason": "补录"}, format="json")
    assert (response.json()["status"], response.json()["review_level"]) == ("submitted", 4)
    # While the change is under review the file cannot be edited.
    response = clerk.patch(file_url(approved, "sections/basic/"), {"name": "x"}, format="json")
    assert response.json() == {"detail": errors.NOT_EDITABLE}
    town = api_for(personas.reviewer_town)
    queue = town.get(f"{LIST}review-queue/").json()
    assert [(c["recipient"]["id"], c["reason"]) for c in queue["changes"]] == [
        (approved.pk, "补录")
    ]
    town.post(file_url(approved, "change/approve/"))
    approved.refresh_from_db()
    assert approved.branch == ""
    response = api_for(county_reviewer).post(file_url(approved, "change/approve/"))
    assert response.json()["status"] == ChangeStatus.APPROVED
    approved.refresh_from_db()
    assert (approved.branch, approved.discharge_date) == ("navy", dt.date(2002, 12, 1))
    assert approved.phone_masked == "139****4444"
    detail = clerk.get(file_url(approved)).json()
    assert detail["change"] is None
    assert [h["action"] for h in detail["history"]][-3:] == [
        "提交审核",
        "审核通过（上报）",
        "审核通过",
    ]


def test_change_return_and_withdraw(personas, tree):
    approved = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="王五")
    clerk = api_for(personas.clerk_a)
    clerk.put(file_url(approved, "plan/"), {"plan": "新计划"}, format="json")
    clerk.post(file_url(approved, "change/submit/"))
    town = api_for(personas.reviewer_town)
    response = town.post(file_url(approved, "change/return/"), {}, format="json")
    assert response.json() == {"reason": [errors.REASON_REQUIRED]}
    response = town.post(file_url(approved, "change/return/"), {"reason": "不实"}, format="json")
    assert response.json()["status"] == ChangeStatus.RETURNED
    detail = clerk.get(file_url(approved)).json()
    assert detail["change"]["status"] == "returned"
    assert detail["change"]["diff"] == [
        {"section": "一人一策", "field": "一人一策", "old": "", "new": "新计划"}
    ]
    response = clerk.post(file_url(approved, "change/withdraw/"))
    assert response.json()["status"] == ChangeStatus.WITHDRAWN
    approved.refresh_from_db()
    assert approved.plan == ""
    assert clerk.get(file_url(approved)).json()["change"] is None


# --- counts ---------------------------------------------------------------------------------


def test_counts_by_category_in_the_jurisdiction(personas, tree):
    make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="甲")
    make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="乙",
        categories=[Category.RETIRED_SOLDIER, Category.MARTYR_FAMILY],
    )
    make_recipient(tree.regions.village_b, created_by=personas.clerk_b, name="丙")
    response = api_for(personas.clerk_a).get(f"{LIST}counts/")
    assert response.status_code == 200
    counts = {c["category"]: (c["label"], c["count"]) for c in response.json()["categories"]}
    assert len(counts) == len(Category.values)
    assert counts["retired_soldier"] == ("退役士兵", 2)
    assert counts["martyr_family"] == ("烈士遗属", 1)
    assert counts["disabled_soldier"] == ("伤残军人", 0)
    town = {
        c["category"]: c["count"]
        for c in api_for(personas.reviewer_town).get(f"{LIST}counts/").json()["categories"]
    }
    assert town["retired_soldier"] == 3


def test_approving_a_draft_is_refused_with_the_workflow_message(personas, tree):
    clerk = api_for(personas.clerk_a)
    created = register(clerk)
    response = api_for(personas.head_a).post(url(created, "approve/"))
    assert response.status_code == 409
    assert response.json()["detail"].startswith("当前状态为“草稿”")
    assert Recipient.objects.get(pk=created["id"]).status == FileStatus.DRAFT

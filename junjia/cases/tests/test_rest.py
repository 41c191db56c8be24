"""Cases API (/api/v1/cases/, /api/v1/service-items/): jurisdiction (404 outside, lists leave
other places out), masking in every answer, an audit row for every list, showing and write,
each action's rule answered under its field in Chinese, illegal transitions as 409, and the
OpenAPI schema. The fixtures here serve the other test_rest_* modules too."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from junjia.cases import errors, services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import CaseStatus, Channel, ExtensionStatus
from junjia.cases.models import Case, CaseStep, Extension, Handover
from junjia.cases.rest import case_actions
from junjia.core.models import AuditEntry, Notification
from junjia.core.workdays import add_working_days
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.orgs.api_permissions import ADMIN_TOKEN_REFUSED
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import api_token_key, login_as
from junjia.registry.models import RECIPIENT_ID
from junjia.registry.tests.factories import make_id_number, make_recipient
from junjia.staffing import api as staffing

NOW = "2026-12-01 09:30:00+08:00"  # a Tuesday, a working day
TODAY = dt.date(2026, 12, 1)
CASES = "/api/v1/cases/"
WALK_IN_ID = "11010519491231002X"
WALK_IN_PHONE = "13912345678"
FILE_PHONE = "13800001234"

CARD_MATERIALS = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}


def api_for(user) -> APIClient:
    """A token caller, as an outside system would call."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def assert_masked(body: str, *plain: str) -> None:
    """No plain number, no ciphertext and no blind index in an answer."""
    for value in plain:
        assert value not in body
    for secret in ("_enc", "_index", "id_number"):
        assert secret not in body


def views_of(obj, page: str | None = None):
    rows = AuditEntry.objects.filter(
        action="view", object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )
    return rows.filter(extra__page=page) if page else rows


@pytest.fixture
def frozen():
    with freeze_time(NOW) as freezer:
        yield freezer


@pytest.fixture
def world(db, tree, personas, frozen):
    """Village A: clerk A and A2 on 综合窗口 (A and B), the head; a file of village A with a
    phone. Village B's clerk. The other county's head sees neither."""
    calendar_seed_from_package()
    load_catalogue()
    station = tree.stations.village_a
    a, head = personas.clerk_a, personas.head_a
    a2 = make_staff(station, Role.CLERK, username="clerk_a2", full_name="李二")
    a.full_name = "张一"
    a.save(update_fields=["full_name"])
    staffing.window_save(actor=head, station=station, name="综合窗口", primary=a, backup=a2)
    person = make_recipient(
        tree.regions.village_a,
        created_by=a,
        name="赵大",
        id_number=make_id_number(dt.date(1960, 2, 3), seq=41),
        phone=FILE_PHONE,
        birth=dt.date(1960, 2, 3),
    )
    return SimpleNamespace(
        a=a,
        a2=a2,
        head=head,
        b=personas.clerk_b,
        county=personas.head_county,
        leader=personas.leader_county,
        other_county=personas.head_county2,
        sysadmin=personas.sysadmin,
        person=person,
        tree=tree,
        frozen=frozen,
    )


def item(code="preferential-card"):
    from junjia.cases.models import ServiceItem

    return ServiceItem.objects.get(code=code)


def open_case(actor, code="preferential-card", received=None, **kw):
    kw.setdefault("applicant_name", "王大明")
    kw.setdefault("applicant_phone", WALK_IN_PHONE)
    return services.case_open(
        actor=actor,
        item=item(code),
        channel=kw.pop("channel", Channel.WINDOW),
        received=received if received is not None else {},
        **kw,
    )


def accepted_case(world, **kw) -> Case:
    case = open_case(world.a, received=CARD_MATERIALS, **kw)
    return services.case_accept(actor=world.a, case=case)


def completed_case(world, code="employment-register", **kw) -> Case:
    materials = {"居民身份证": {"state": "ok"}, "退役证（转业证、离退休证）": {"state": "ok"}}
    materials["学历证明"] = {"state": "ok"}
    case = open_case(kw.pop("actor", world.a), code=code, received=materials, **kw)
    actor = case.owner
    case = services.case_accept(actor=actor, case=case)
    return services.case_complete(actor=actor, case=case, result="已推荐岗位")


def url(case, suffix="") -> str:
    return f"{CASES}{case.pk}/{suffix}"


def state(case) -> tuple:
    """What a refused action must leave alone."""
    case.refresh_from_db()
    return (
        case.status,
        case.due_on,
        case.result,
        case.refusal_reason,
        case.materials,
        CaseStep.objects.filter(case=case).count(),
        Extension.objects.filter(case=case).count(),
        AuditEntry.objects.exclude(action__in=["view", "security.refused"]).count(),
    )


# --- authentication and jurisdiction ---------------------------------------------------------


def test_anonymous_gets_nothing(world):
    open_case(world.a)
    response = APIClient().get(CASES)
    assert response.status_code == 401  # no credentials: the token scheme asks for them
    assert "王大明" not in response.content.decode()


def test_the_list_holds_the_callers_jurisdiction_only(world):
    mine = open_case(world.a, applicant_name="甲申请人")
    theirs = open_case(world.b, applicant_name="乙申请人")

    def numbers(user):
        response = api_for(user).get(CASES)
        assert response.status_code == 200
        return {row["number"] for row in response.json()["results"]}

    assert numbers(world.a) == {mine.number}
    assert numbers(world.b) == {theirs.number}
    assert numbers(world.county) == {mine.number, theirs.number}
    assert numbers(world.other_county) == set()


def test_another_countys_head_gets_404_on_every_case_route_and_nothing_changes(world):
    case = open_case(world.a, received=CARD_MATERIALS)
    before = state(case)
    client = api_for(world.other_county)
    assert client.get(url(case)).status_code == 404
    for suffix, payload in [
        ("move/", {"to": "accepted"}),
        ("accept/", {}),
        ("complete/", {"result": "已办"}),
        ("refuse/", {"reason": "不符合条件"}),
        ("withdraw/", {}),
        ("materials/", {"received": CARD_MATERIALS}),
        ("extensions/", {"days": 3, "reason": "等待"}),
        ("doorstep/", {"outcome": "已上门"}),
        ("handovers/", {"direction": "in", "items": ["身份证"], "counterpart": "某人"}),
    ]:
        response = client.post(url(case, suffix), payload, format="json")
        assert response.status_code == 404, suffix
        assert response.json() == {"detail": "未找到，或不在您的辖区内。"}
    assert state(case) == before
    assert not views_of(case).exists()


def test_a_village_clerk_cannot_reach_the_neighbouring_villages_case(world):
    theirs = open_case(world.b)
    assert api_for(world.a).get(url(theirs)).status_code == 404
    assert api_for(world.county).get(url(theirs)).status_code == 200


def test_token_callers_meet_the_security_policy(world):
    case = open_case(world.a)
    response = api_for(world.sysadmin).get(url(case))
    assert response.status_code == 403
    assert response.json() == {"detail": ADMIN_TOKEN_REFUSED}
    world.a.must_change_password = True
    world.a.save(update_fields=["must_change_password"])
    assert api_for(world.a).get(url(case)).status_code == 403


def test_session_callers_use_the_same_api(client, world):
    case = open_case(world.a)
    login_as(client, world.a)
    response = client.get(url(case))
    assert response.status_code == 200
    assert response.json()["number"] == case.number


def test_a_leader_sees_cases_but_may_not_act_on_them(world):
    case = open_case(world.a, received=CARD_MATERIALS)
    client = api_for(world.leader)
    assert client.get(url(case)).status_code == 200
    before = state(case)
    response = client.post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有执行此操作的权限。"}
    assert state(case) == before


# --- masking and audit -----------------------------------------------------------------------


def test_a_walk_ins_number_and_phone_are_masked_in_list_and_detail(world):
    case = open_case(world.a, applicant_id=WALK_IN_ID)
    client = api_for(world.a)
    listing = client.get(CASES)
    detail = client.get(url(case))
    for response in (listing, detail):
        body = response.content.decode()
        assert_masked(body, WALK_IN_ID, WALK_IN_PHONE)
    applicant = detail.json()["applicant"]
    assert applicant == {
        "name": "王大明",
        "id_masked": "110105********002X",
        "phone_masked": "139****5678",
        "recipient": None,
    }


def test_a_person_on_file_is_shown_with_the_files_masked_values(world):
    case = open_case(world.a, recipient=world.person, applicant_phone="")
    response = api_for(world.a).get(url(case))
    assert_masked(
        response.content.decode(),
        RECIPIENT_ID.open(world.person),
        FILE_PHONE,
    )
    assert response.json()["applicant"] == {
        "name": "赵大",
        "id_masked": world.person.id_masked,
        "phone_masked": "138****1234",
        "recipient": world.person.pk,
    }


def test_every_list_and_every_showing_is_one_audit_row(world):
    case = open_case(world.a, recipient=world.person)
    client = api_for(world.a)
    lists = AuditEntry.objects.filter(object_type="cases.case_list", action="view")
    client.get(CASES, {"status": "received", "q": "13912345678"})
    client.get(CASES)
    assert lists.count() == 2
    first = lists.order_by("pk").first()
    assert first.actor_id == world.a.pk
    assert first.extra["status"] == "received"
    assert first.extra["q"] == "139****5678"  # never a whole phone number in the log
    client.get(url(case))
    row = views_of(case, "api:case-detail").get()
    assert (row.actor_id, row.subject_id, row.region_key) == (
        world.a.pk,
        f"recipient:{world.person.pk}",
        case.region_key,
    )


def test_the_list_and_a_case_take_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_for(world.county)

    def queries(path) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    first = open_case(world.a, recipient=world.person)
    queries(CASES)  # warm the per-process caches (security policy, calendar)
    few = queries(CASES)
    one = queries(url(first))
    for actor in (world.a, world.a2, world.b):
        case = open_case(actor, received=CARD_MATERIALS)
        case = services.case_accept(actor=actor, case=case)
        services.extension_request(actor=actor, case=case, days=2, reason="等待")
    last = open_case(world.a2, recipient=world.person)
    services.case_recheck(actor=world.a, case=last, received=CARD_MATERIALS)
    assert queries(CASES) == few
    assert queries(url(last)) == one


def test_a_refused_list_writes_no_audit_row(world):
    before = AuditEntry.objects.exclude(action="security.refused").count()
    assert api_for(world.sysadmin).get(CASES).status_code == 403
    assert AuditEntry.objects.exclude(action="security.refused").count() == before


# --- the list's filters ------------------------------------------------------------------------


def test_my_work_and_the_deadline_filters(world):
    late = accepted_case(world, applicant_name="超期者")
    Case.objects.filter(pk=late.pk).update(due_on=TODAY - dt.timedelta(days=1))
    soon = accepted_case(world, applicant_name="将到期")
    Case.objects.filter(pk=soon.pk).update(due_on=add_working_days(TODAY, 1))
    open_case(world.a, applicant_name="未受理")
    open_case(world.a2, applicant_name="别人的")
    client = api_for(world.a)

    def names(**params):
        response = client.get(CASES, params)
        assert response.status_code == 200, response.json()
        return [row["applicant"]["name"] for row in response.json()["results"]]

    assert names(due="overdue") == ["超期者"]
    assert names(due="soon") == ["将到期"]
    assert names(owner="me") == ["超期者", "将到期", "未受理"]
    assert names(q="将到") == ["将到期"]
    assert names(q=soon.number[-4:]) == ["将到期"]
    overdue = client.get(CASES, {"due": "overdue"}).json()["results"][0]
    assert overdue["overdue"] is True


def test_unknown_filter_values_are_refused_by_name(world):
    client = api_for(world.a)
    assert client.get(CASES, {"status": "lost"}).json() == {"status": ["未知的状态“lost”。"]}
    assert client.get(CASES, {"station": "x"}).json() == {"station": ["应为正整数。"]}
    response = client.get(CASES, {"due": "later"})
    assert response.status_code == 400
    assert "overdue" in response.json()["due"][0]


# --- opening a case ----------------------------------------------------------------------------


def test_opening_a_walk_in_case(world):
    response = api_for(world.a).post(
        CASES,
        {
            "item": "preferential-card",
            "channel": "window",
            "applicant_name": "王大明",
            "applicant_id": WALK_IN_ID,
            "applicant_phone": WALK_IN_PHONE,
            "received": {
                "居民身份证": {"state": "ok"},
                "近期免冠照片": {"state": "defective", "note": "非近期照片"},
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert_masked(response.content.decode(), WALK_IN_ID, WALK_IN_PHONE)
    case = Case.objects.get(pk=data["id"])
    assert (case.status, case.owner, case.station) == (
        CaseStatus.RECEIVED,
        world.a,
        world.tree.stations.village_a,
    )
    states = {m["name"]: m["state"] for m in data["materials"]}
    assert states["近期免冠照片"] == "defective"
    assert states["退役证（转业证、离退休证）"] == "missing"
    assert data["notice"]["defective"] == [{"name": "近期免冠照片", "note": "非近期照片"}]
    # what the caller may do now: not accept while materials are missing (as on the page)
    assert [t["to"] for t in data["allowed"]] == ["incomplete", "refused", "withdrawn"]
    assert data["can_handle"] is True
    assert AuditEntry.objects.filter(
        action="create", object_type="cases.case", object_id=str(case.pk)
    ).exists()


def test_opening_a_case_for_a_person_on_file(world):
    response = api_for(world.a).post(
        CASES,
        {"item": "preferential-card", "channel": "window", "recipient": world.person.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["applicant"]["name"] == "赵大"
    assert Case.objects.get().recipient == world.person


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"channel": "doorstep"}, "doorstep_condition", errors.DOORSTEP_CONDITION),
        (
            {"channel": "proxy", "proxy_authorisation": "委托书"},
            "proxy_requester",
            "代办须登记委托人。",
        ),
        ({"item": "no-such-item"}, "item", "没有该服务事项，或本级不办理该事项。"),
        (
            {"applicant_name": ""},
            "applicant_name",
            "请填写申请人姓名，或在上方查找并选择档案中的服务对象。",
        ),
    ],
)
def test_opening_a_case_names_the_field_that_breaks_the_rule(world, payload, field, message):
    data = {"item": "preferential-card", "channel": "window", "applicant_name": "王大明"}
    response = api_for(world.a).post(CASES, {**data, **payload}, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Case.objects.exists()


def test_the_materials_check_is_the_pages(world):
    client = api_for(world.a)
    base = {"item": "preferential-card", "channel": "window", "applicant_name": "王大明"}
    response = client.post(
        CASES, {**base, "received": {"近期免冠照片": {"state": "defective"}}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "received": {"近期免冠照片": ["请说明“近期免冠照片”哪里有误（将写入一次性告知单）。"]}
    }
    response = client.post(CASES, {**base, "received": {"户口本": "ok"}}, format="json")
    assert response.json() == {"received": {"户口本": ["该事项没有名为“户口本”的材料。"]}}
    assert not Case.objects.exists()


def test_an_item_not_handled_at_the_callers_level_is_refused(world):
    # unemployment-register is handled at county and township level only.
    response = api_for(world.a).post(
        CASES,
        {"item": "unemployment-register", "channel": "window", "applicant_name": "王大明"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["item"] == ["没有该服务事项，或本级不办理该事项。"]


# --- the workflow ------------------------------------------------------------------------------


def test_acceptance_with_materials_missing_is_refused_under_materials(world):
    case = open_case(world.a, received={"居民身份证": {"state": "ok"}})
    before = state(case)
    response = api_for(world.a).post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"materials": [errors.MATERIALS_INCOMPLETE]}
    assert state(case) == before


def test_acceptance_sets_the_due_date_and_audits_write_and_answer(world):
    case = open_case(world.a, received=CARD_MATERIALS)
    response = api_for(world.a).post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "accepted"
    assert data["due_on"] == add_working_days(TODAY, 20).isoformat()
    write = AuditEntry.objects.filter(
        action="update", object_type="cases.case", object_id=str(case.pk)
    ).get()
    assert write.changes == {"status": ["received", "accepted"]}
    assert views_of(case, "api:case-accept").count() == 1


def test_completion_needs_a_result(world):
    case = services.case_move(actor=world.a, case=accepted_case(world), to="in_progress")
    client = api_for(world.a)
    before = state(case)
    response = client.post(url(case, "complete/"), {"result": "  "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"result": [errors.RESULT_REQUIRED]}
    assert state(case) == before
    response = client.post(url(case, "complete/"), {"result": "已制发优待证"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["result"]) == ("completed", "已制发优待证")
    assert response.json()["delay_service"] is False


def test_refusal_needs_a_reason(world):
    case = open_case(world.a)
    client = api_for(world.a)
    before = state(case)
    response = client.post(url(case, "refuse/"), {}, format="json")
    assert (response.status_code, response.json()) == (400, {"reason": [errors.REASON_REQUIRED]})
    assert state(case) == before
    response = client.post(url(case, "refuse/"), {"reason": "不属于优待对象"}, format="json")
    assert response.status_code == 200
    assert response.json()["notice"]["refusal_reason"] == "不属于优待对象"


def test_an_illegal_transition_is_409_with_what_is_allowed(world):
    case = completed_case(world)
    client = api_for(world.a)
    before = state(case)
    response = client.post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "当前状态为“已办结”，不能执行此操作（不能变为“已受理”）。",
        "status": "completed",
        "status_label": "已办结",
        "allowed": [],
    }
    assert state(case) == before
    fresh = open_case(world.a)
    before = state(fresh)
    response = client.post(url(fresh, "move/"), {"to": "sent_up"}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed"] == ["incomplete", "accepted", "refused", "withdrawn"]
    assert state(fresh) == before


def test_move_names_an_unknown_target(world):
    case = open_case(world.a)
    response = api_for(world.a).post(url(case, "move/"), {"to": "done"}, format="json")
    assert (response.status_code, response.json()) == (400, {"to": ["未知的目标状态“done”。"]})


def test_the_move_route_follows_the_whole_incomplete_path(world):
    case = open_case(world.a, received={"居民身份证": {"state": "ok"}})
    client = api_for(world.a)
    response = client.post(url(case, "move/"), {"to": "incomplete"}, format="json")
    assert response.json()["status"] == "incomplete"
    response = client.post(url(case, "move/"), {"to": "notice_issued"}, format="json")
    assert response.json()["status"] == "notice_issued"
    assert response.json()["notice"]["missing"][0]["name"] == "近期免冠照片"
    response = client.post(url(case, "withdraw/"), {"remark": "申请人不办了"}, format="json")
    assert response.json()["status"] == "withdrawn"
    assert response.json()["history"][-1]["remark"] == "申请人不办了"


def test_only_the_first_handler_acts_and_b_while_a_is_away(world):
    case = open_case(world.a, received=CARD_MATERIALS)
    before = state(case)
    response = api_for(world.a2).post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": errors.NOT_HANDLER.format(owner="张一")}
    assert state(case) == before
    staffing.leave_record(actor=world.head, user=world.a, start=TODAY, end=TODAY)
    response = api_for(world.a2).post(url(case, "accept/"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["handlers"] == sorted([world.a.pk, world.a2.pk])


# --- materials, extensions, doorstep, hand-overs -----------------------------------------------


def test_the_person_returns_to_another_clerk_with_the_materials(world):
    case = open_case(world.a, received={"居民身份证": {"state": "ok"}})
    services.case_mark_incomplete(actor=world.a, case=case)
    services.case_issue_notice(actor=world.a, case=case)
    response = api_for(world.a2).post(
        url(case, "materials/"), {"received": CARD_MATERIALS}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["owner"]["id"]) == ("received", world.a.pk)
    assert response.json()["notice"]["complete"] is True
    assert Notification.objects.filter(user=world.a, text__contains="已补交材料").exists()


def test_materials_of_a_case_already_accepted_are_not_rechecked(world):
    case = accepted_case(world)
    before = state(case)
    response = api_for(world.a).post(
        url(case, "materials/"), {"received": {"居民身份证": "missing"}}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == case_actions.NOT_RECHECKABLE.format(status="已受理")
    assert state(case) == before


def test_an_extension_is_requested_with_a_reason_and_decided_by_the_head(world):
    case = accepted_case(world)
    clerk, head = api_for(world.a), api_for(world.head)
    before = state(case)
    response = clerk.post(url(case, "extensions/"), {"days": 5}, format="json")
    assert (response.status_code, response.json()) == (400, {"reason": [errors.EXTENSION_REASON]})
    response = clerk.post(url(case, "extensions/"), {"days": 61, "reason": "x"}, format="json")
    assert response.json() == {"days": ["延长的工作日数应在 1 到 60 之间。"]}
    assert state(case) == before
    # Two working days: the package's calendar stops at the end of 2026.
    response = clerk.post(url(case, "extensions/"), {"days": 2, "reason": "等待县级审核"})
    assert response.status_code == 201
    extension = Extension.objects.get(pk=response.json()["id"])
    decide = url(case, f"extensions/{extension.pk}/decide/")
    response = clerk.post(decide, {"approve": True}, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": errors.EXTENSION_DECIDER})
    due = case.due_on
    response = head.post(decide, {"approve": True}, format="json")
    assert response.status_code == 200
    assert response.json()["due_on"] == add_working_days(due, 2).isoformat()
    assert response.json()["extensions"][0]["status"] == ExtensionStatus.APPROVED
    response = head.post(decide, {"approve": False}, format="json")
    assert (response.status_code, response.json()["detail"]) == (409, "该延期申请已处理。")


def test_an_extension_outside_the_clock_is_409(world):
    case = open_case(world.a)
    response = api_for(world.a).post(
        url(case, "extensions/"), {"days": 3, "reason": "等待"}, format="json"
    )
    assert (response.status_code, response.json()) == (409, {"detail": errors.NOT_IN_CLOCK})
    assert not Extension.objects.exists()


def test_an_extension_of_another_case_is_not_found_here(world):
    case, other = accepted_case(world), accepted_case(world)
    extension = services.extension_request(actor=world.a, case=other, days=2, reason="等待")
    response = api_for(world.head).post(
        url(case, f"extensions/{extension.pk}/decide/"), {"approve": True}, format="json"
    )
    assert response.status_code == 404
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING


def test_the_doorstep_outcome_is_recorded_on_doorstep_cases_only(world):
    window = open_case(world.a)
    client = api_for(world.a)
    response = client.post(url(window, "doorstep/"), {"outcome": "已上门"}, format="json")
    assert (response.status_code, response.json()) == (409, {"detail": case_actions.NOT_DOORSTEP})
    case = open_case(world.a, channel=Channel.DOORSTEP, doorstep={"condition": "行动不便"})
    response = client.post(url(case, "doorstep/"), {"outcome": " "}, format="json")
    assert (response.status_code, response.json()) == (400, {"outcome": ["请填写上门办理情况。"]})
    response = client.post(url(case, "doorstep/"), {"outcome": "当场办结"}, format="json")
    assert response.status_code == 200
    assert response.json()["doorstep"]["outcome"] == "当场办结"


def test_a_proxy_hand_over_gets_a_receipt(world):
    proxy = {"requester": "王小明", "relationship": "儿子", "authorisation": "书面委托书"}
    case = open_case(world.a, channel=Channel.PROXY, proxy=proxy)
    client = api_for(world.a)
    response = client.post(
        url(case, "handovers/"), {"direction": "in", "items": [], "counterpart": ""}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"items": ["请填写交接的材料。"], "counterpart": ["请填写交接人。"]}
    response = client.post(
        url(case, "handovers/"),
        {"direction": "in", "items": ["居民身份证复印件 1 份"], "counterpart": "王小明"},
        format="json",
    )
    assert response.status_code == 201
    handover = Handover.objects.get()
    assert response.json()["receipt_no"] == handover.receipt_no
    assert handover.items == ["居民身份证复印件 1 份"]
    window = open_case(world.a)
    response = client.post(
        url(window, "handovers/"),
        {"direction": "in", "items": ["身份证"], "counterpart": "某人"},
        format="json",
    )
    assert (response.status_code, response.json()) == (409, {"detail": case_actions.NOT_PROXY})


# --- the catalogue -----------------------------------------------------------------------------


def test_the_catalogue_by_level_and_one_items_versions(world):
    client = api_for(world.a)
    village = {row["code"] for row in client.get("/api/v1/service-items/", {"level": 5}).json()}
    county = {row["code"] for row in client.get("/api/v1/service-items/", {"level": 3}).json()}
    assert "preferential-card" in village
    assert "unemployment-register" in county - village
    response = client.get("/api/v1/service-items/preferential-card/")
    assert response.status_code == 200
    assert response.json()["current_version"]["time_limit_days"] == 20
    assert [v["number"] for v in response.json()["versions"]] == [1]
    assert client.get("/api/v1/service-items/none/").status_code == 404
    response = client.get("/api/v1/service-items/", {"level": 9})
    assert response.json() == {"level": ["层级应为 1（省）到 5（村、社区）。"]}


# --- the schema -------------------------------------------------------------------------------


def test_every_cases_route_is_in_the_schema_without_warnings(world):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache
    assert not GENERATOR_STATS._error_cache
    response = api_for(world.a).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    prefixes = ("/api/v1/cases", "/api/v1/appointments", "/api/v1/evaluations", "/api/v1/service")
    assert sorted(p for p in paths if p.startswith(prefixes)) == [
        "/api/v1/appointments/",
        "/api/v1/appointments/slots/",
        "/api/v1/appointments/{id}/",
        "/api/v1/appointments/{id}/cancel/",
        "/api/v1/appointments/{id}/mark/",
        "/api/v1/appointments/{id}/reschedule/",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/",
        "/api/v1/cases/{id}/accept/",
        "/api/v1/cases/{id}/complete/",
        "/api/v1/cases/{id}/doorstep/",
        "/api/v1/cases/{id}/extensions/",
        "/api/v1/cases/{id}/extensions/{extension}/decide/",
        "/api/v1/cases/{id}/handovers/",
        "/api/v1/cases/{id}/materials/",
        "/api/v1/cases/{id}/move/",
        "/api/v1/cases/{id}/refuse/",
        "/api/v1/cases/{id}/withdraw/",
        "/api/v1/evaluations/",
        "/api/v1/evaluations/{id}/",
        "/api/v1/evaluations/{id}/loop/",
        "/api/v1/service-items/",
        "/api/v1/service-items/{code}/",
    ]
    for listed in ("/api/v1/cases/", "/api/v1/appointments/", "/api/v1/evaluations/"):
        assert set(paths[listed]) == {"get", "post"}

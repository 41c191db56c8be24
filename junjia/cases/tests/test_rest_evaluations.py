"""Evaluations API (/api/v1/evaluations/): the jurisdiction's ratings, a paper form's rating
entered by staff for a completed case only (the service of 纸质评价录入), a rating below 满意
opening the closed loop, and one rating with where its loop stands; audited and in reach only."""

import pytest

from junjia.cases import errors, services
from junjia.cases.choices import LoopStage
from junjia.cases.models import Evaluation, LoopRecord, RectificationLoop
from junjia.cases.rest import evaluations as rest
from junjia.core.models import AuditEntry

from . import test_rest as base
from .test_rest import WALK_IN_PHONE, api_for, assert_masked, completed_case, open_case, views_of

frozen, world = base.frozen, base.world  # the shared fixtures

LIST = "/api/v1/evaluations/"


def state():
    return (
        Evaluation.objects.count(),
        RectificationLoop.objects.count(),
        AuditEntry.objects.exclude(action="view").count(),
    )


def paper(case, score=5, comment=""):
    return {"case_number": case.number, "score": score, "comment": comment}


def test_a_paper_rating_of_a_completed_case(world):
    case = completed_case(world)
    response = api_for(world.a).post(LIST, paper(case, 5, "服务很好"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["score"], data["score_label"], data["channel"], data["loop"]) == (
        5,
        "非常满意",
        "paper",
        None,
    )
    evaluation = Evaluation.objects.get()
    assert (evaluation.case, evaluation.entered_by, evaluation.comment) == (
        case,
        world.a,
        "服务很好",
    )
    assert AuditEntry.objects.filter(
        action="create", object_type="cases.evaluation", object_id=str(evaluation.pk)
    ).exists()


def test_a_rating_below_satisfied_opens_the_closed_loop(world):
    case = completed_case(world)
    response = api_for(world.a).post(LIST, paper(case, 2, "等候太久"), format="json")
    assert response.status_code == 201
    loop = response.json()["loop"]
    assert (loop["stage"], loop["stage_label"], loop["owner"]) == (
        "found",
        "差评发现",
        str(world.head),
    )
    assert [s["state"] for s in loop["stages"]] == ["current", "todo", "todo", "todo", "todo"]
    assert loop["records"] == []


def test_a_case_not_completed_cannot_be_rated(world):
    case = open_case(world.a)
    before = state()
    response = api_for(world.a).post(LIST, paper(case), format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"case_number": [errors.NOT_COMPLETED]},
    )
    assert state() == before


def test_a_case_is_rated_once(world):
    case = completed_case(world)
    client = api_for(world.a)
    assert client.post(LIST, paper(case, 4), format="json").status_code == 201
    before = state()
    response = client.post(LIST, paper(case, 1), format="json")
    assert (response.status_code, response.json()) == (409, {"detail": errors.ALREADY_RATED})
    assert state() == before


def test_a_case_outside_the_jurisdiction_is_not_found_by_number(world):
    theirs = completed_case(world, actor=world.b)
    before = state()
    response = api_for(world.a).post(LIST, paper(theirs), format="json")
    assert (response.status_code, response.json()) == (400, {"case_number": [rest.NO_SUCH_CASE]})
    assert state() == before


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"score": 6}, "score", "评价应为 1 到 5 之间的整数。"),
        ({"score": None}, "score", None),
        ({"case_number": ""}, "case_number", "请填写办件编号。"),
    ],
)
def test_a_paper_form_names_the_field_that_is_wrong(world, payload, field, message):
    case = completed_case(world)
    before = state()
    response = api_for(world.a).post(LIST, {**paper(case), **payload}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message:
        assert response.json()[field] == [message]
    assert state() == before


def test_a_leader_may_read_ratings_but_not_enter_them(world):
    case = completed_case(world)
    client = api_for(world.leader)
    before = state()
    assert client.post(LIST, paper(case), format="json").status_code == 403
    assert state() == before
    assert client.get(LIST).status_code == 200


def _rate(case, score, actor):
    return services.evaluation_submit(
        case=case, score=score, comment="", channel="paper", entered_by=actor
    )


def test_the_list_is_scoped_filtered_masked_and_audited(world):
    good = _rate(completed_case(world), 5, world.a)
    bad = _rate(completed_case(world), 1, world.a)
    theirs = _rate(completed_case(world, actor=world.b), 2, world.b)

    def ids(user, **params):
        response = api_for(user).get(LIST, params)
        assert response.status_code == 200, response.json()
        assert_masked(response.content.decode(), WALK_IN_PHONE)
        return [row["id"] for row in response.json()["results"]]

    assert ids(world.a) == [bad.pk, good.pk]
    assert set(ids(world.county)) == {good.pk, bad.pk, theirs.pk}
    assert ids(world.other_county) == []
    assert ids(world.a, below="true") == [bad.pk]
    assert ids(world.a, loop="open") == [bad.pk]
    assert ids(world.a, loop="none") == [good.pk]
    assert ids(world.a, score=5) == [good.pk]
    rows = AuditEntry.objects.filter(object_type="cases.evaluation_list", actor_id=world.a.pk)
    assert rows.count() == 5
    assert rows.filter(extra__loop="open").count() == 1
    response = api_for(world.a).get(LIST, {"loop": "half"})
    assert response.status_code == 400
    assert list(response.json()) == ["loop"]


def test_one_rating_shows_its_loop_and_is_audited(world):
    case = completed_case(world, recipient=world.person, applicant_phone="")
    evaluation = _rate(case, 2, world.a)
    services.loop_advance(
        actor=world.head, loop=evaluation.loop, record="已调取监控核实", next_owner=world.a
    )
    response = api_for(world.head).get(f"{LIST}{evaluation.pk}/")
    assert response.status_code == 200
    loop = response.json()["loop"]
    assert (loop["stage"], loop["owner"]) == (LoopStage.VERIFY, str(world.a))
    assert [s["state"] for s in loop["stages"]] == ["done", "current", "todo", "todo", "todo"]
    assert [(r["stage"], r["text"]) for r in loop["records"]] == [("found", "已调取监控核实")]
    row = views_of(evaluation, "api:evaluation-detail").get()
    assert (row.actor_id, row.subject_id) == (world.head.pk, f"recipient:{world.person.pk}")
    shown = api_for(world.head).get(f"/api/v1/cases/{case.pk}/").json()["evaluation"]
    assert (shown["score"], shown["loop"]["stage"]) == (2, LoopStage.VERIFY)


def test_another_countys_head_gets_404_for_a_rating(world):
    evaluation = _rate(completed_case(world), 2, world.a)
    response = api_for(world.other_county).get(f"{LIST}{evaluation.pk}/")
    assert response.status_code == 404
    assert not views_of(evaluation).exists()


def _loop_url(evaluation):
    return f"{LIST}{evaluation.pk}/loop/"


def test_the_head_walks_a_bad_rating_through_the_closed_loop(world):
    evaluation = _rate(completed_case(world), 1, world.a)
    head = api_for(world.head)
    response = head.post(
        _loop_url(evaluation), {"record": "已调取监控核实", "next_owner": world.a.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    loop = response.json()["loop"]
    assert (loop["stage"], loop["owner"]) == (LoopStage.VERIFY, str(world.a))
    # The owner of the stage moves it on without naming anyone: the owner stays.
    owner = api_for(world.a)
    for record in ("情况属实", "已向服务对象致歉并整改", "回访满意"):
        response = owner.post(_loop_url(evaluation), {"record": record}, format="json")
        assert response.status_code == 200, response.json()
    assert response.json()["loop"]["stage"] == LoopStage.IMPROVE
    # The last stage has no next owner: one sent is ignored, whoever it names.
    response = head.post(
        _loop_url(evaluation), {"record": "纳入窗口服务规范", "next_owner": 0}, format="json"
    )
    loop = response.json()["loop"]
    assert loop["stage"] == LoopStage.CLOSED and loop["closed_at"]
    assert [r["stage"] for r in loop["records"]] == [
        "found",
        "verify",
        "rectify",
        "revisit",
        "improve",
    ]
    assert (
        AuditEntry.objects.filter(
            action="update", object_type="cases.rectificationloop", actor_id=world.a.pk
        ).count()
        == 3
    )
    again = head.post(_loop_url(evaluation), {"record": "再记一次"}, format="json")
    assert (again.status_code, again.json()) == (409, {"detail": errors.LOOP_CLOSED})
    empty = head.post(_loop_url(evaluation), {}, format="json")  # the state first, not the body
    assert (empty.status_code, empty.json()) == (409, {"detail": errors.LOOP_CLOSED})


def test_the_loop_refuses_with_the_field_or_the_reason(world):
    evaluation = _rate(completed_case(world), 2, world.a)
    blank = api_for(world.head).post(_loop_url(evaluation), {"record": " "}, format="json")
    assert (blank.status_code, blank.json()) == (400, {"record": [errors.LOOP_RECORD_REQUIRED]})
    stranger = api_for(world.head).post(
        _loop_url(evaluation), {"record": "核实", "next_owner": world.b.pk}, format="json"
    )
    assert (stranger.status_code, stranger.json()) == (
        400,
        {"next_owner": [errors.LOOP_OWNER_STATION]},
    )
    # Clerk A2 of the same station neither owns the stage nor heads the station.
    a2 = api_for(world.a2).post(_loop_url(evaluation), {"record": "核实"}, format="json")
    assert (a2.status_code, a2.json()["detail"]) == (403, errors.LOOP_NOT_YOURS)
    a2_empty = api_for(world.a2).post(_loop_url(evaluation), {}, format="json")
    assert (a2_empty.status_code, a2_empty.json()["detail"]) == (403, errors.LOOP_NOT_YOURS)
    other = api_for(world.other_county).post(
        _loop_url(evaluation), {"record": "核实"}, format="json"
    )
    assert other.status_code == 404
    good = _rate(completed_case(world), 5, world.a)
    none = api_for(world.head).post(_loop_url(good), {"record": "核实"}, format="json")
    assert (none.status_code, none.json()) == (409, {"detail": errors.LOOP_NONE})
    # Nothing of the loop was written by the refusals.
    assert RectificationLoop.objects.get(evaluation=evaluation).stage == LoopStage.FOUND
    assert not LoopRecord.objects.exists()
    assert not AuditEntry.objects.filter(object_type="cases.rectificationloop").exists()

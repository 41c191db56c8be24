"""Pages of 回访台账 (000 §7 跟踪服务), 差评整改 and 纸质评价录入 (000 §9): the ledger and its
follow-up work, the closed loop stage by stage, paper ratings; scoping and refusals."""

import datetime as dt

import pytest
from django.urls import reverse

from junjia.cases import errors, services
from junjia.cases.choices import CallbackStatus, LoopStage, RatingChannel
from junjia.cases.models import Callback, Evaluation, LoopRecord, RectificationLoop
from junjia.core.models import AuditEntry, Notification

from . import test_pages_rota as base
from .test_pages_rota import as_user, body, completed_case

frozen, rota = base.frozen, base.rota  # the shared fixtures


@pytest.fixture
def employment(rota):
    """A completed employment case of clerk A: it gets a callback due in 10 working days."""
    return completed_case(rota.a, code="employment-register", name="孙就业")


def state():
    return (
        list(Callback.objects.order_by("pk").values_list("status", "outcome")),
        Evaluation.objects.count(),
        list(RectificationLoop.objects.order_by("pk").values_list("stage", "owner_id", "due_on")),
        LoopRecord.objects.count(),
        AuditEntry.objects.exclude(action="security.refused").count(),
    )


# --- 回访台账 -------------------------------------------------------------------------------


def test_the_ledger_lists_callbacks_due_in_the_jurisdiction(client, rota, employment):
    other = completed_case(rota.personas.clerk_b, code="employment-register", name="村B的人")
    Callback.objects.filter(case=employment).update(due_on=dt.date(2026, 11, 30))
    html = body(as_user(client, rota.a).get(reverse("cases:callbacks")))
    assert employment.number in html and "孙就业" in html
    assert other.number not in html and "村B的人" not in html
    assert '<td data-label="回访期限" class="overdue">2026-11-30 已超期</td>' in html
    assert f'href="/cases/{employment.pk}/"' in html


def test_a_satisfied_callback_is_recorded(client, rota, employment):
    callback = Callback.objects.get(case=employment)
    as_user(client, rota.a2)
    response = client.post(
        reverse("cases:callback_record", args=[callback.pk]),
        {"outcome": "已在物流公司上岗", "satisfaction": "5"},
    )
    assert response["Location"] == "/cases/callbacks/"
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.done_by) == (
        CallbackStatus.DONE,
        5,
        rota.a2,
    )
    assert Callback.objects.filter(case=employment).count() == 1
    assert "回访已记录。" in body(client.get(response["Location"]))


def test_an_unsatisfied_callback_creates_follow_up_work_and_says_so(client, rota, employment):
    callback = Callback.objects.get(case=employment)
    as_user(client, rota.head)
    response = client.post(
        reverse("cases:callback_record", args=[callback.pk]),
        {"outcome": "岗位不合适，仍未就业", "satisfaction": "2"},
    )
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.FOLLOW_UP
    follow = Callback.objects.get(case=employment, status=CallbackStatus.DUE)
    assert (follow.owner, follow.due_on) == (rota.a, dt.date(2026, 12, 8))
    assert Notification.objects.filter(user=rota.a, text__contains="需继续跟进").count() == 1
    html = body(client.get(response["Location"]))
    assert "回访已记录：不满意或问题未解决，已为首办人 张一 生成跟进回访，期限 2026-12-08。" in html
    html = body(client.get(reverse("cases:callbacks"), {"show": "all"}))
    assert '<span class="badge bad">需继续跟进</span>' in html
    assert '<span class="badge warn">待回访</span>' in html


def test_a_callback_without_an_outcome_is_refused(client, rota, employment):
    callback = Callback.objects.get(case=employment)
    as_user(client, rota.a)
    before = state()
    response = client.post(
        reverse("cases:callback_record", args=[callback.pk]), {"outcome": "", "satisfaction": "4"}
    )
    assert "该字段是必填项。" in body(response)
    assert state() == before


def test_a_recorded_callback_is_shown_not_recorded_again(client, rota, employment):
    callback = Callback.objects.get(case=employment)
    services.callback_record(
        actor=rota.a, callback=callback, outcome="已上岗", satisfaction=4, follow_up=False
    )
    as_user(client, rota.a)
    url = reverse("cases:callback_record", args=[callback.pk])
    html = body(client.get(url))
    assert 'id="callback-form"' not in html and "已上岗" in html
    before = state()
    response = client.post(url, {"outcome": "再记一次"})
    assert response["Location"] == url
    assert "该回访已记录。" in body(client.get(url))
    assert state() == before


def test_callbacks_of_another_village_are_not_found(client, rota):
    other = completed_case(rota.personas.clerk_b, code="employment-register", name="村B的人")
    callback = Callback.objects.get(case=other)
    as_user(client, rota.head)
    before = state()
    url = reverse("cases:callback_record", args=[callback.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "x"}).status_code == 404
    assert state() == before


# --- 差评整改 ---------------------------------------------------------------------------------


@pytest.fixture
def bad(rota):
    case = completed_case(rota.a, name="周差评")
    evaluation = services.evaluation_submit(
        case=case, score=2, comment="等候太久，窗口没人", channel=RatingChannel.QR
    )
    return evaluation.loop


def test_the_head_sees_open_loops_with_stage_owner_and_due_date(client, rota, bad):
    html = body(as_user(client, rota.head).get(reverse("cases:loops")))
    assert bad.evaluation.case.number in html and "周差评" in html
    assert '<span class="badge warn">差评发现</span>' in html
    assert '<td data-label="本环节期限">2026-12-02</td>' in html
    rota.frozen.move_to("2026-12-03 09:00:00+08:00")
    html = body(as_user(client, rota.head).get(reverse("cases:loops")))
    assert '<td data-label="本环节期限" class="overdue">2026-12-02 已超期</td>' in html


def test_the_loop_is_walked_to_closed_stage_by_stage(client, rota, bad):
    as_user(client, rota.head)
    url = reverse("cases:loop_detail", args=[bad.pk])
    html = body(client.get(url))
    assert "等候太久，窗口没人" in html and "扫码评价" in html
    assert f'href="/cases/{bad.evaluation.case_id}/"' in html
    assert "记录并进入“问题核实”" in html
    steps = [
        ("收到差评，已登记", rota.a2),
        ("核实：午间窗口无人", None),
        ("已安排午间值班", None),
        ("电话回访，表示满意", None),
        ("纳入月度分析", None),
    ]
    for text, owner in steps:
        data = {"record": text, **({"next_owner": owner.pk} if owner else {})}
        response = client.post(reverse("cases:loop_advance", args=[bad.pk]), data)
        assert response["Location"] == url
    bad.refresh_from_db()
    assert bad.stage == LoopStage.CLOSED
    assert bad.owner == rota.a2
    assert list(bad.records.values_list("stage", "text")) == [
        ("found", "收到差评，已登记"),
        ("verify", "核实：午间窗口无人"),
        ("rectify", "已安排午间值班"),
        ("revisit", "电话回访，表示满意"),
        ("improve", "纳入月度分析"),
    ]
    html = body(client.get(url))
    assert "已记录“改进提升”，差评整改已闭环。" in html
    assert '<strong id="loop-stage">已闭环</strong>' in html
    assert 'id="loop-form"' not in html
    assert (
        bad.evaluation.case.number
        not in body(client.get(reverse("cases:loops"))).split('id="closed-loops"')[0]
    )


def test_the_next_owner_can_record_their_stage(client, rota, bad):
    services.loop_advance(actor=rota.head, loop=bad, record="收到差评", next_owner=rota.a2)
    as_user(client, rota.a2)
    response = client.post(reverse("cases:loop_advance", args=[bad.pk]), {"record": "已核实"})
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.stage == LoopStage.RECTIFY


def test_someone_who_is_neither_owner_nor_head_cannot_advance(client, rota, bad):
    as_user(client, rota.a)
    url = reverse("cases:loop_detail", args=[bad.pk])
    assert 'id="loop-form"' not in body(client.get(url))
    before = state()
    response = client.post(reverse("cases:loop_advance", args=[bad.pk]), {"record": "我来推进"})
    assert "只有责任人或站长可以推进差评整改。" in body(client.get(response["Location"]))
    assert state() == before


def test_an_empty_record_or_an_owner_from_another_station_is_refused(client, rota, bad):
    as_user(client, rota.head)
    before = state()
    url = reverse("cases:loop_advance", args=[bad.pk])
    assert "该字段是必填项。" in body(client.post(url, {"record": "  "}))
    response = client.post(url, {"record": "转交", "next_owner": rota.personas.clerk_b.pk})
    assert "选择一个有效的选项" in body(response)
    assert state() == before


def test_loops_of_another_village_are_not_found(client, rota):
    case = completed_case(rota.personas.clerk_b, name="村B的人")
    loop = services.evaluation_submit(
        case=case, score=1, comment="", channel=RatingChannel.SMS
    ).loop
    as_user(client, rota.head)
    before = state()
    assert client.get(reverse("cases:loop_detail", args=[loop.pk])).status_code == 404
    assert (
        client.post(reverse("cases:loop_advance", args=[loop.pk]), {"record": "x"}).status_code
        == 404
    )
    assert "村B的人" not in body(client.get(reverse("cases:loops")))
    assert state() == before


# --- 纸质评价录入 ------------------------------------------------------------------------------


def test_a_bad_paper_rating_opens_the_loop(client, rota):
    case = completed_case(rota.a, name="吴纸质")
    as_user(client, rota.head)
    html = body(client.get(reverse("cases:evaluation_paper")))
    assert case.number in html  # completed and unrated: offered for entry
    response = client.post(
        reverse("cases:evaluation_paper"),
        {"case_number": f" {case.number} ", "score": "2", "comment": "材料要求说得不清楚"},
    )
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.entered_by, evaluation.score, evaluation.comment) == (
        RatingChannel.PAPER,
        rota.head,
        2,
        "材料要求说得不清楚",
    )
    assert response["Location"] == f"/cases/loops/{evaluation.loop.pk}/"
    html = body(client.get(response["Location"]))
    assert f"已录入 {case.number} 的评价“不满意”；低于“满意”，已启动差评整改。" in html
    assert f"纸质评价表（{rota.head} 录入）" in html


def test_a_good_paper_rating_opens_no_loop(client, rota):
    case = completed_case(rota.a)
    as_user(client, rota.a)
    response = client.post(
        reverse("cases:evaluation_paper"), {"case_number": case.number, "score": "5"}
    )
    assert response["Location"] == "/cases/evaluations/paper/"
    assert not RectificationLoop.objects.exists()
    assert f"已录入 {case.number} 的评价“非常满意”。" in body(client.get(response["Location"]))


def test_paper_ratings_are_refused_for_unknown_open_foreign_or_rated_cases(client, rota):
    rated = completed_case(rota.a)
    services.evaluation_submit(case=rated, score=5, comment="", channel=RatingChannel.QR)
    open_case = services.case_open(
        actor=rota.a,
        item=rated.item_version.item,
        channel="window",
        applicant_name="未办结",
    )
    foreign = completed_case(rota.personas.clerk_b)
    as_user(client, rota.head)
    before = state()
    for number, message in (
        ("370202001001-20261201-9999", "未找到该办件，或不在您的辖区内。"),
        (foreign.number, "未找到该办件，或不在您的辖区内。"),
        (open_case.number, errors.NOT_COMPLETED),
        (rated.number, errors.ALREADY_RATED),
    ):
        response = client.post(
            reverse("cases:evaluation_paper"), {"case_number": number, "score": "1"}
        )
        assert message in body(response), number
    assert state() == before


def test_a_leader_cannot_enter_paper_ratings(client, rota):
    response = as_user(client, rota.personas.leader_county).get(reverse("cases:evaluation_paper"))
    assert response.status_code == 403


# --- the number to call -----------------------------------------------------------------------


def test_the_callback_clerk_reveals_the_phone_number_in_one_audited_click(client, rota, employment):
    callback = Callback.objects.get(case=employment)
    client = as_user(client, rota.a)
    page = body(client.get(reverse("cases:callback_record", args=[callback.pk])))
    assert "139****5678" in page and "13912345678" not in page
    url = reverse("cases:callback_reveal_phone", args=[callback.pk])
    assert f'hx-post="{url}"' in page

    response = client.post(url, HTTP_HX_REQUEST="true")

    html = body(response)
    assert (
        '<a class="revealed" href="tel:13912345678" data-revealed="phone">13912345678</a>' in html
    )
    assert "no-store" in response["Cache-Control"]
    row = AuditEntry.objects.filter(action="view", object_type="cases.case").latest("pk")
    assert row.object_id == str(employment.pk) and row.actor_id == rota.a.pk
    assert row.extra["revealed"] == "phone" and row.extra["callback"] == callback.pk
    # without htmx: the whole page, the number shown once, nothing in the URL
    whole = body(client.post(url))
    assert 'href="tel:13912345678"' in whole and 'id="callback-form"' in whole


def test_the_number_is_not_revealed_outside_the_jurisdiction_or_once_recorded(
    client, rota, employment
):
    callback = Callback.objects.get(case=employment)
    url = reverse("cases:callback_reveal_phone", args=[callback.pk])
    before = AuditEntry.objects.filter(action="view", object_type="cases.case").count()
    assert as_user(client, rota.personas.clerk_b).post(url).status_code == 404
    assert as_user(client, rota.a).get(url).status_code == 405  # never through a link
    services.callback_record(
        actor=rota.a, callback=callback, outcome="已上岗", satisfaction=4, follow_up=False
    )
    refused = as_user(client, rota.a).post(url, HTTP_HX_REQUEST="true")
    assert "回访已记录，不再显示完整电话号码。" in body(refused)
    assert "13912345678" not in body(refused)
    assert AuditEntry.objects.filter(action="view", object_type="cases.case").count() == before

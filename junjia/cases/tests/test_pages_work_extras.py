"""On the case page (000 §7): extensions with a reason and the head's approval, the doorstep
outcome (done on the spot, or the procedure and time limit explained), and the proxy
hand-overs of materials with a receipt for each."""

import datetime as dt

from django.urls import reverse

from junjia.cases import services
from junjia.cases.choices import Channel, ExtensionStatus, HandoverDirection
from junjia.cases.models import Case, CaseStep, Extension, Handover
from junjia.core.models import AuditAction, AuditEntry
from junjia.core.workdays import add_working_days
from junjia.staffing.models import Leave

from . import test_pages_work as base
from .test_pages_work import (
    TODAY,
    accepted_case,
    as_user,
    body,
    messages_of,
    new_case,
    view_rows,
)

frozen, work = base.frozen, base.work  # the shared fixtures

PROXY = {"requester": "卫小明", "relationship": "儿子", "authorisation": "书面委托书一份"}


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def ask(client, case, days="5", reason="等待县级服务中心审核"):
    return client.post(
        reverse("cases:extension_request", args=[case.pk]),
        {"days": days, "reason": reason},
        follow=True,
    )


def decide(client, extension, decision):
    return client.post(
        reverse("cases:extension_decide", args=[extension.pk]), {"decision": decision}, follow=True
    )


# --- extensions -----------------------------------------------------------------------------


def test_an_extension_is_requested_with_a_reason_and_approved_by_the_head(client, work):
    case = accepted_case(work.a, due=dt.date(2026, 12, 10))
    client = as_user(client, work.a)

    page = client.get(detail(case))
    asked = ask(client, case)

    assert "申请延期（须站长批准）" in body(page)
    assert asked.redirect_chain[-1][0] == detail(case) + "#extensions"
    assert "已提交延期申请，待站长批准。" in messages_of(asked)
    html = body(asked)
    assert "申请延长 5 个工作日" in html and "待批准" in html
    assert "批准延期" not in html  # the clerk cannot decide
    extension = Extension.objects.get()

    approved = decide(as_user(client, work.head), extension, "approve")

    case.refresh_from_db()
    due = add_working_days(dt.date(2026, 12, 10), 5)
    assert due == dt.date(2026, 12, 17)
    assert case.due_on == due and case.extended_days == 5
    assert f"已批准延期 5 个工作日，新的办结期限 {due:%Y-%m-%d}。" in messages_of(approved)
    html = body(approved)
    assert "已延长 5 个工作日" in html and "已批准" in html
    assert "赵站长" in html
    steps = list(CaseStep.objects.filter(case=case).values_list("action", "actor"))
    assert steps[-2:] == [("申请延期 5 个工作日", work.a.pk), ("批准延期", work.head.pk)]


def test_the_head_may_refuse_an_extension_and_decides_only_once(client, work):
    case = accepted_case(work.a)
    extension = services.extension_request(actor=work.a, case=case, days=3, reason="资料待补")
    due = case.due_on
    client = as_user(client, work.head)

    page = client.get(detail(case))
    refused = decide(client, extension, "reject")
    again = decide(client, extension, "approve")

    assert "批准延期" in body(page) and "不批准" in body(page)
    assert "已决定不批准延期。" in messages_of(refused)
    assert "该延期申请已处理。" in messages_of(again)
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.REJECTED
    assert Case.objects.get(pk=case.pk).due_on == due


def test_an_extension_needs_a_reason_and_sensible_days(client, work):
    case = accepted_case(work.a)
    client = as_user(client, work.a)

    no_reason = ask(client, case, reason=" ")
    zero = ask(client, case, days="0")
    text = ask(client, case, days="五")

    assert "请填写延期理由。" in messages_of(no_reason)
    assert "请填写 1–60 之间的延长工作日数。" in messages_of(zero)
    assert "请填写 1–60 之间的延长工作日数。" in messages_of(text)
    assert Extension.objects.count() == 0


def test_an_extension_is_only_for_a_case_whose_clock_runs(client, work):
    case = new_case(work.a)
    client = as_user(client, work.a)

    page = client.get(detail(case))
    refused = ask(client, case)

    assert "申请延期（须站长批准）" not in body(page)
    assert "只有已受理、办理中的办件可以申请延期。" in messages_of(refused)
    assert Extension.objects.count() == 0


def test_a_clerk_cannot_decide_an_extension(client, work):
    case = accepted_case(work.a)
    extension = services.extension_request(actor=work.a, case=case, days=3, reason="资料待补")

    response = as_user(client, work.a2).post(
        reverse("cases:extension_decide", args=[extension.pk]), {"decision": "approve"}
    )

    assert response.status_code == 404
    assert Extension.objects.get().status == ExtensionStatus.PENDING


def test_another_county_s_head_cannot_decide_an_extension(client, work):
    case = accepted_case(work.a)
    extension = services.extension_request(actor=work.a, case=case, days=3, reason="资料待补")

    response = as_user(client, work.personas.head_county2).post(
        reverse("cases:extension_decide", args=[extension.pk]), {"decision": "approve"}
    )

    assert response.status_code == 404
    assert Extension.objects.get().status == ExtensionStatus.PENDING


def test_b_may_ask_for_an_extension_while_a_is_away(client, work):
    case = accepted_case(work.a)
    Leave.objects.create(
        user=work.a,
        region_key=work.a.region_key,
        start_date=TODAY,
        end_date=TODAY,
        created_by=work.head,
    )

    response = ask(as_user(client, work.a2), case)

    assert "已提交延期申请，待站长批准。" in messages_of(response)
    assert Extension.objects.get().requested_by == work.a2


# --- doorstep service --------------------------------------------------------------------------


def doorstep_case(clerk):
    return new_case(
        clerk,
        name="韩上门",
        channel=Channel.DOORSTEP,
        doorstep={
            "condition": "本人瘫痪卧床",
            "at": dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC),
            "place": "村A三组12号",
        },
    )


def test_the_doorstep_outcome_is_recorded_on_the_case(client, work):
    case = doorstep_case(work.a)
    client = as_user(client, work.a)

    page = client.get(detail(case))
    empty = client.post(
        reverse("cases:doorstep_record", args=[case.pk]), {"outcome": ""}, follow=True
    )
    done = client.post(
        reverse("cases:doorstep_record", args=[case.pk]),
        {"outcome": "已上门核实身份并当场采集照片，材料齐全"},
        follow=True,
    )

    html = body(page)
    assert "本人瘫痪卧床" in html and "村A三组12号" in html and "2026-12-02 22:30" in html
    assert "尚未记录" in html
    assert "请填写上门办理情况。" in messages_of(empty)
    assert "已记录上门服务情况。" in messages_of(done)
    assert done.redirect_chain[-1][0] == detail(case) + "#doorstep"
    assert "已上门核实身份并当场采集照片，材料齐全" in body(done)
    assert Case.objects.get(pk=case.pk).doorstep_outcome.startswith("已上门核实")
    step = CaseStep.objects.filter(case=case).latest("id")
    assert step.action == "上门服务记录" and step.from_status == step.to_status


def test_only_the_handler_records_the_doorstep_outcome(client, work):
    case = doorstep_case(work.a)

    response = as_user(client, work.a2).post(
        reverse("cases:doorstep_record", args=[case.pk]), {"outcome": "代记"}, follow=True
    )

    assert "该办件由首办人张一负责" in " ".join(messages_of(response))
    assert Case.objects.get(pk=case.pk).doorstep_outcome == ""


def test_a_window_case_has_no_doorstep_section(client, work):
    html = body(as_user(client, work.a).get(detail(new_case(work.a))))

    assert 'id="doorstep"' not in html and 'id="handovers"' not in html


# --- proxy hand-overs -----------------------------------------------------------------------


def test_a_proxy_hand_over_is_recorded_with_a_receipt_each_way(client, work):
    case = new_case(work.a, name="卫老人", channel=Channel.PROXY, proxy=PROXY)
    client = as_user(client, work.a)

    page = client.get(detail(case))
    given = client.post(
        reverse("cases:handover_record", args=[case.pk]),
        {
            "direction": HandoverDirection.IN,
            "counterpart": "卫小明",
            "items": "居民身份证原件 1 份\n\n退役证复印件 1 份\n",
        },
        follow=True,
    )
    handover = Handover.objects.get()

    html = body(page)
    assert 'value="卫小明"' in html  # the requester is the default counterpart
    assert "尚无材料交接记录。" in html
    assert given.redirect_chain[-1][0] == reverse(
        "cases:handover_receipt", args=[case.pk, handover.pk]
    )
    assert f"已登记材料交接，回执编号 {handover.receipt_no}。" in messages_of(given)
    receipt = body(given)
    assert "帮办代办材料交接回执" in receipt and handover.receipt_no in receipt
    assert "<tr><th>交件人</th><td>卫小明</td></tr>" in receipt
    assert "<tr><th>接件人</th><td>张一</td></tr>" in receipt
    assert "<td>1</td><td>居民身份证原件 1 份</td>" in receipt
    assert "<td>2</td><td>退役证复印件 1 份</td>" in receipt
    assert handover.items == ["居民身份证原件 1 份", "退役证复印件 1 份"]
    assert view_rows(work.a, object_type="cases.case").latest("pk").extra["page"] == (
        "handover_receipt"
    )

    returned = client.post(
        reverse("cases:handover_record", args=[case.pk]),
        {"direction": HandoverDirection.OUT, "counterpart": "卫小明", "items": "优待证 1 张"},
        follow=True,
    )
    receipt = body(returned)
    assert "<tr><th>交件人</th><td>张一</td></tr>" in receipt
    assert "<tr><th>接件人</th><td>卫小明</td></tr>" in receipt
    html = body(client.get(detail(case)))
    assert "委托人交代办员" in html and "代办员交还委托人" in html
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="cases.handover").count()
        == 2
    )


def test_a_hand_over_needs_the_materials(client, work):
    case = new_case(work.a, channel=Channel.PROXY, proxy=PROXY)

    response = as_user(client, work.a).post(
        reverse("cases:handover_record", args=[case.pk]),
        {"direction": HandoverDirection.IN, "counterpart": "卫小明", "items": " \n "},
        follow=True,
    )

    assert "请填写交接的材料和交接人。" in messages_of(response)
    assert Handover.objects.count() == 0


def test_hand_overs_are_only_for_assisted_and_proxy_cases(client, work):
    case = new_case(work.a)

    response = as_user(client, work.a).post(
        reverse("cases:handover_record", args=[case.pk]),
        {"direction": HandoverDirection.IN, "counterpart": "王大明", "items": "身份证"},
        follow=True,
    )

    assert "只有帮办、代办办件登记材料交接。" in messages_of(response)
    assert Handover.objects.count() == 0


def test_a_receipt_is_found_only_under_its_own_case(client, work):
    case = new_case(work.a, channel=Channel.PROXY, proxy=PROXY)
    other = new_case(work.a, channel=Channel.PROXY, proxy=PROXY)
    handover = services.handover_record(
        actor=work.a, case=case, direction=HandoverDirection.IN, items=["身份证"], counterpart="卫"
    )
    client = as_user(client, work.a)

    assert (
        client.get(reverse("cases:handover_receipt", args=[other.pk, handover.pk])).status_code
        == 404
    )
    outsider = as_user(client, work.clerk_d)
    assert (
        outsider.get(reverse("cases:handover_receipt", args=[case.pk, handover.pk])).status_code
        == 404
    )

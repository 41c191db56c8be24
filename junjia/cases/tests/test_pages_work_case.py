"""The case page (000 §7): accept, start, send up and back, complete, refuse with a reason,
withdraw; illegal steps refused in Chinese; the one-time notice with the contact card; the
first handler keeping the case when the person returns to another clerk; B handling A's
cases while A is on leave; delay service; scoping (404 outside) and the audit of every view."""

import datetime as dt

from django.urls import reverse

from junjia.cases import services
from junjia.cases.choices import CaseStatus
from junjia.cases.models import Case, CaseStep
from junjia.core.models import AuditAction, AuditEntry, Notification
from junjia.core.workdays import add_working_days
from junjia.staffing import api as staffing
from junjia.staffing.models import Leave

from . import test_pages_work as base
from .test_pages_work import (
    CARD_COMPLETE,
    CARD_INCOMPLETE,
    TODAY,
    accepted_case,
    as_user,
    body,
    messages_of,
    new_case,
    view_rows,
)

frozen, work = base.frozen, base.work  # the shared fixtures


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def move(client, case, to, text="", follow=True):
    return client.post(
        reverse("cases:case_move", args=[case.pk]), {"to": to, "text": text}, follow=follow
    )


def status_of(case) -> str:
    return Case.objects.values_list("status", flat=True).get(pk=case.pk)


def recheck_data(states: dict) -> dict:
    """The re-check form's fields for 优待证申领, by material name."""
    names = list(CARD_COMPLETE)
    data = {}
    for i, name in enumerate(names):
        got = states.get(name, {})
        data[f"m-state_{i}"] = got.get("state", "")
        data[f"m-note_{i}"] = got.get("note", "")
    return data


def incomplete_with_notice(clerk, **kw) -> Case:
    case = new_case(clerk, received=CARD_INCOMPLETE, **kw)
    case = services.case_mark_incomplete(actor=clerk, case=case)
    return services.case_issue_notice(actor=clerk, case=case)


# --- the page -----------------------------------------------------------------------------


def test_the_case_page_shows_the_facts_materials_actions_and_history(client, work):
    case = services.case_open(
        actor=work.a,
        item=base.item(),
        channel="window",
        recipient=work.person,
        received={"居民身份证": {"state": "ok"}, "近期免冠照片": {"state": "ok"}},
    )

    response = as_user(client, work.a).get(detail(case))

    assert response.status_code == 200
    html = body(response)
    assert "优待证申领" in html and case.number in html
    assert work.person.id_masked in html and "139****5678" in html
    assert "服务指南第 1 版" in html
    assert "综合窗口（A 角 张一，B 角 李二）" in html
    assert "缺少 1 项" in html
    assert "受理后按工作日计算" in html
    labels = [a["label"] for a in response.context["actions"]]
    # Materials are incomplete: 材料不全 comes first (受理 is not offered until they are
    # complete); refusing and withdrawing last.
    assert labels == ["材料不全", "不予受理", "申请人撤回"]
    assert response.context["actions"][0]["primary"]
    assert "接件" in body(response) and "张一 · 2026-12-01 09:30" in html


def test_viewing_a_case_writes_an_audit_row_naming_the_person(client, work):
    case = services.case_open(
        actor=work.a, item=base.item(), channel="window", recipient=work.person, received={}
    )

    as_user(client, work.a).get(detail(case))

    row = view_rows(work.a, object_type="cases.case").latest("pk")
    assert row.object_id == str(case.pk)
    assert row.subject_id == f"recipient:{work.person.pk}"
    assert row.extra["page"] == "detail"


def test_a_case_of_another_village_or_county_is_not_found(client, work):
    case_b = new_case(work.clerk_b, name="冯村B")
    case_d = new_case(work.clerk_d, name="丁外县")
    client = as_user(client, work.a)
    before = AuditEntry.objects.exclude(action="security.refused").count()

    pages = [
        client.get(detail(case_b)),
        client.get(detail(case_d)),
        client.get(reverse("cases:case_notice", args=[case_d.pk])),
        client.get(reverse("cases:case_recheck", args=[case_d.pk])),
        client.get(reverse("cases:case_receipt", args=[case_d.pk])),
        move(client, case_d, CaseStatus.ACCEPTED, follow=False),
        client.post(reverse("cases:case_recheck", args=[case_d.pk]), recheck_data(CARD_COMPLETE)),
        client.post(
            reverse("cases:extension_request", args=[case_d.pk]), {"days": 3, "reason": "x"}
        ),
    ]

    assert [p.status_code for p in pages] == [404] * len(pages)
    assert status_of(case_d) == CaseStatus.RECEIVED
    assert AuditEntry.objects.exclude(action="security.refused").count() == before


def test_the_county_head_reads_and_may_handle_village_cases_but_not_another_county(client, work):
    case_b = new_case(work.clerk_b, name="冯村B")
    case_d = new_case(work.clerk_d, name="丁外县")
    client = as_user(client, work.personas.head_county)

    assert client.get(detail(case_b)).status_code == 200
    assert client.get(detail(case_d)).status_code == 404
    other = as_user(client, work.personas.head_county2)
    assert other.get(detail(case_d)).status_code == 200
    assert other.get(detail(case_b)).status_code == 404


def test_a_county_leader_reads_a_case_without_being_offered_actions(client, work):
    case = new_case(work.a)

    response = as_user(client, work.personas.leader_county).get(detail(case))

    assert response.status_code == 200
    assert response.context["actions"] == []
    html = body(response)
    assert "该办件由首办人张一负责" in html
    assert "重新核验材料" not in html
    refused = move(client, case, CaseStatus.ACCEPTED, follow=False)
    assert refused.status_code == 404


# --- the life cycle ------------------------------------------------------------------------


def test_a_complete_case_is_accepted_with_its_due_date_in_working_days(client, work):
    case = new_case(work.a)
    client = as_user(client, work.a)

    response = move(client, case, CaseStatus.ACCEPTED)

    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_on == TODAY
    assert case.due_on == add_working_days(TODAY, 20) == dt.date(2026, 12, 29)
    assert "已受理，承诺 2026年12月29日 前办结。" in messages_of(response)
    html = body(response)
    assert "2026-12-29（剩余 20 个工作日）" in html
    assert [a["label"] for a in response.context["actions"]][:2] == ["开始办理", "办结"]
    step = CaseStep.objects.filter(case=case).latest("id")
    assert (step.action, step.from_status, step.to_status, step.actor) == (
        "受理",
        CaseStatus.RECEIVED,
        CaseStatus.ACCEPTED,
        work.a,
    )


def test_acceptance_with_missing_materials_is_refused_in_chinese(client, work):
    case = new_case(work.a, received=CARD_INCOMPLETE)

    response = move(as_user(client, work.a), case, CaseStatus.ACCEPTED)

    assert "还有缺少或有误的材料，不能受理；请出具一次性告知单。" in messages_of(response)
    assert status_of(case) == CaseStatus.RECEIVED
    assert response.redirect_chain[-1][0] == detail(case) + "#actions"


def test_an_illegal_transition_is_refused_with_a_clear_message(client, work):
    case = new_case(work.a)
    client = as_user(client, work.a)

    skipped = move(client, case, CaseStatus.COMPLETED, text="直接办结")
    unknown = move(client, case, "approved")

    assert "当前状态为“已接件”，不能执行此操作（不能变为“已办结”）。" in messages_of(skipped)
    assert "未知的操作，请刷新页面后重试。" in messages_of(unknown)
    assert status_of(case) == CaseStatus.RECEIVED
    assert CaseStep.objects.filter(case=case).count() == 1


def test_a_get_cannot_move_a_case(client, work):
    case = new_case(work.a)

    response = as_user(client, work.a).get(reverse("cases:case_move", args=[case.pk]))

    assert response.status_code == 405
    assert status_of(case) == CaseStatus.RECEIVED


def test_a_case_goes_through_progress_sending_up_and_back_to_completion(client, work):
    case = accepted_case(work.a)
    client = as_user(client, work.a)

    move(client, case, CaseStatus.IN_PROGRESS)
    sent = move(client, case, CaseStatus.SENT_UP, text="报县级服务中心审核")
    labels = [a["label"] for a in sent.context["actions"]]
    back = move(client, case, CaseStatus.IN_PROGRESS, text="补充照片后重报")
    empty = move(client, case, CaseStatus.COMPLETED, text="  ")
    done = move(client, case, CaseStatus.COMPLETED, text="优待证已制发，本人领取")

    assert labels == ["上级退回", "办结"]
    assert "办件状态已变为“上报审批中”。" in messages_of(sent)
    assert "办件状态已变为“办理中”。" in messages_of(back)
    assert "请填写办理结果。" in messages_of(empty)
    assert "已办结。请打印办结回执（含评价二维码）交给申请人。" in messages_of(done)
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.result == "优待证已制发，本人领取"
    assert not case.delay_service
    html = body(done)
    assert "打印办结回执" in html and "办件已办结。" in html
    steps = list(CaseStep.objects.filter(case=case).values_list("action", "remark"))
    assert steps[1:] == [
        ("受理", ""),
        ("开始办理", ""),
        ("上报审批", "报县级服务中心审核"),
        ("上级退回", "补充照片后重报"),
        ("办结", "优待证已制发，本人领取"),
    ]
    assert "补充照片后重报" in html


def test_a_case_finished_after_closing_time_is_marked_as_delay_service(client, work):
    case = accepted_case(work.a)
    work.frozen.move_to("2026-12-01 18:10:00+08:00")

    response = move(as_user(client, work.a), case, CaseStatus.COMPLETED, text="当日办结")

    assert "已办结（延时服务）。请打印办结回执（含评价二维码）交给申请人。" in messages_of(response)
    assert Case.objects.get(pk=case.pk).delay_service
    assert '<span class="badge info">延时服务</span>' in body(response)


def test_refusal_needs_a_reason_and_the_notice_gives_it(client, work):
    case = new_case(work.a, received=CARD_INCOMPLETE)
    client = as_user(client, work.a)

    empty = move(client, case, CaseStatus.REFUSED, text="")
    refused = move(client, case, CaseStatus.REFUSED, text="申请人不属于优待证发放对象")
    notice = client.get(reverse("cases:case_notice", args=[case.pk]))

    assert "请填写不予受理的理由。" in messages_of(empty)
    assert "已决定不予受理；请打印一次性告知单，写明理由交给申请人。" in messages_of(refused)
    assert status_of(case) == CaseStatus.REFUSED
    html = body(notice)
    assert "五、不予受理的理由" in html and "申请人不属于优待证发放对象" in html
    assert "如对本决定有异议，可向县（市、区）退役军人事务局监督电话投诉" in html


def test_the_person_may_withdraw(client, work):
    case = accepted_case(work.a)

    response = move(as_user(client, work.a), case, CaseStatus.WITHDRAWN, text="本人不再申请")

    assert "办件状态已变为“已撤回”。" in messages_of(response)
    assert response.context["actions"] == []
    assert "办件已撤回。" in body(response)


# --- the one-time notice -------------------------------------------------------------------


def test_the_one_time_notice_lists_missing_and_defective_materials_and_the_contact_card(
    client, work
):
    case = new_case(work.a, name="周待补", received=CARD_INCOMPLETE)
    client = as_user(client, work.a)

    move(client, case, CaseStatus.INCOMPLETE)
    response = move(client, case, CaseStatus.NOTICE_ISSUED)

    assert response.redirect_chain[-1][0] == reverse("cases:case_notice", args=[case.pk])
    assert "已出具一次性告知单，请打印交给申请人。" in messages_of(response)
    html = body(response)
    notice = response.context["notice"]
    assert notice["within_remit"] and not notice["refused"]
    assert "本事项属于本服务站（中心）职权范围" in html
    # All the materials of the item, the time limit, then what is missing and what is wrong.
    for name in ("居民身份证", "近期免冠照片", "退役证（转业证、离退休证）", "烈士证明书"):
        assert name in html
    assert "自受理之日起 <strong>20</strong> 个工作日内办结" in html
    assert [m["name"] for m in notice["missing"]] == ["退役证（转业证、离退休证）"]
    assert "退役证（转业证、离退休证）（原件及复印件 1 份）" in html
    assert "近期免冠照片：照片为三年前所拍，须近六个月内白底免冠照" in html
    # 联系服务卡: the clerk's name and office phone, the station's phone and address.
    assert "联系服务卡" in html
    assert "<dt>经办人</dt><dd>张一</dd>" in html
    assert "<dt>办公电话</dt><dd>0532-85561234</dd>" in html
    assert "<dt>站点电话</dt><dd>0532-88880000</dd>" in html
    assert "甲街道村A村委会一楼" in html
    assert "2026年12月1日" in html
    assert "尚未出具" not in html
    row = view_rows(work.a, object_type="cases.case").latest("pk")
    assert row.extra["page"] == "notice"


def test_the_notice_before_it_is_issued_says_so(client, work):
    case = new_case(work.a, received=CARD_INCOMPLETE)
    client = as_user(client, work.a)
    move(client, case, CaseStatus.INCOMPLETE)

    html = body(client.get(reverse("cases:case_notice", args=[case.pk])))

    assert "尚未出具：请回到办件页点击“出具一次性告知”" in html


def test_the_notice_of_a_matter_outside_the_remit_says_where_to_go(client, work):
    case = new_case(work.a, outside_remit=True)

    html = body(as_user(client, work.a).get(reverse("cases:case_notice", args=[case.pk])))

    assert "本事项不属于本大厅职权范围。" in html
    assert "请按经办人指引到有权机关办理" in html


def test_the_contact_card_falls_back_to_the_station_phone(client, work):
    work.a2.office_phone = ""
    work.a2.save(update_fields=["office_phone"])
    case = new_case(work.a2, received=CARD_INCOMPLETE)

    html = body(as_user(client, work.a2).get(reverse("cases:case_notice", args=[case.pk])))

    assert "<dt>经办人</dt><dd>李二</dd>" in html
    assert "<dt>办公电话</dt><dd>0532-88880000</dd>" in html


def test_a_complete_case_needs_no_notice(client, work):
    case = new_case(work.a)
    client = as_user(client, work.a)

    refused = move(client, case, CaseStatus.INCOMPLETE)

    assert "材料已齐全，无需一次性告知，请直接受理。" in messages_of(refused)
    html = body(client.get(reverse("cases:case_notice", args=[case.pk])))
    assert "材料齐全，无需补正。" in html


# --- first handler: the person returns with the materials -----------------------------------


def test_materials_completed_at_another_clerk_go_back_to_the_first_handler(client, work):
    case = incomplete_with_notice(work.a, name="周待补")
    client = as_user(client, work.a2)

    # 李二 finds the case by the number on the notice and records the materials.
    found = client.get(reverse("cases:work"), {"q": case.number})
    page = client.get(reverse("cases:case_recheck", args=[case.pk]))
    response = client.post(
        reverse("cases:case_recheck", args=[case.pk]), recheck_data(CARD_COMPLETE), follow=True
    )

    assert [c.pk for c in found.context["found"]] == [case.pk]
    assert "本办件由首办人 <strong>张一</strong> 负责" in body(page)
    assert "材料已齐全，可以受理。办件仍由首办人 张一 负责，已通知其继续办理。" in messages_of(
        response
    )
    case.refresh_from_db()
    assert (case.status, case.owner) == (CaseStatus.RECEIVED, work.a)
    note = Notification.objects.get(user=work.a)
    assert "已补交材料" in note.text and note.link == f"/cases/{case.pk}/"
    # 李二 may not accept a case whose first handler is at work…
    html = body(response)
    assert "该办件由首办人张一负责" in html
    assert response.context["actions"] == []
    refused = move(client, case, CaseStatus.ACCEPTED)
    assert "该办件由首办人张一负责" in " ".join(messages_of(refused))
    # …the first handler does, from the notification.
    client = as_user(client, work.a)
    opened = client.get(reverse("cases:notification_open", args=[note.pk]))
    assert opened["Location"] == f"/cases/{case.pk}/"
    accepted = move(client, case, CaseStatus.ACCEPTED)
    assert status_of(case) == CaseStatus.ACCEPTED
    assert "已受理" in " ".join(messages_of(accepted))
    actions = [s.action for s in CaseStep.objects.filter(case=case)]
    assert actions == ["接件", "材料核验：不全", "出具一次性告知", "补齐材料", "受理"]
    assert CaseStep.objects.get(case=case, action="补齐材料").actor == work.a2


def test_a_recheck_that_is_still_incomplete_keeps_the_notice_status(client, work):
    case = incomplete_with_notice(work.a)
    still = dict(CARD_COMPLETE, **{"近期免冠照片": {"state": "defective", "note": "仍非近期"}})

    response = as_user(client, work.a).post(
        reverse("cases:case_recheck", args=[case.pk]), recheck_data(still), follow=True
    )

    assert (
        "已记录核验结果，仍有缺少或有误的材料：请点“材料不全”，再出具一次性告知单。"
        in messages_of(response)
    )
    case.refresh_from_db()
    # Back at 已接件: the clerk tells the person once more what is still wrong.
    assert case.status == CaseStatus.RECEIVED
    assert response.context["actions"][0]["label"] == "材料不全"
    assert {m["name"]: m["note"] for m in case.materials}["近期免冠照片"] == "仍非近期"


def test_the_recheck_form_shows_what_was_recorded_and_asks_what_is_wrong(client, work):
    case = incomplete_with_notice(work.a)
    client = as_user(client, work.a)

    page = client.get(reverse("cases:case_recheck", args=[case.pk]))
    bad = client.post(
        reverse("cases:case_recheck", args=[case.pk]),
        recheck_data(dict(CARD_COMPLETE, **{"居民身份证": {"state": "defective"}})),
    )

    html = body(page)
    assert "<h1>补交材料</h1>" in html
    assert 'value="照片为三年前所拍，须近六个月内白底免冠照"' in html
    assert 'value="defective" class="state-choice" id="id_m-state_1_2" checked' in html
    assert "请说明“居民身份证”哪里有误（将写入一次性告知单）。" in body(bad)
    assert status_of(case) == CaseStatus.NOTICE_ISSUED
    assert view_rows(work.a, object_type="cases.case").latest("pk").extra["page"] == "recheck"


# --- AB roles: A on leave, B handles ----------------------------------------------------------


def test_while_a_is_on_leave_b_accepts_and_completes_a_s_case(client, work):
    case = new_case(work.a, name="陈等候")
    staffing.leave_record(
        actor=work.head, user=work.a, start=TODAY, end=TODAY + dt.timedelta(days=4), reason="年休假"
    )
    client = as_user(client, work.a2)

    page = client.get(detail(case))
    html = body(page)
    assert "首办人 张一 休假中（2026-12-01 至 2026-12-05），由 B 角 李二 代为办理。" in html
    assert page.context["actions"][0]["label"] == "受理"

    move(client, case, CaseStatus.ACCEPTED)
    done = move(client, case, CaseStatus.COMPLETED, text="B 角代办完成")

    assert "已办结" in " ".join(messages_of(done))
    case.refresh_from_db()
    assert (case.status, case.owner) == (CaseStatus.COMPLETED, work.a)
    actors = set(
        CaseStep.objects.filter(case=case).exclude(action="接件").values_list("actor", flat=True)
    )
    assert actors == {work.a2.pk}
    # The case stays A's: it counts for A, the history says who did what.
    assert "李二" in body(done)


def test_a_clerk_who_is_not_the_backup_cannot_handle_a_s_case_during_the_leave(client, work):
    from junjia.orgs.choices import Role
    from junjia.orgs.tests.factories import make_staff

    other = make_staff(work.station, Role.CLERK, username="clerk_a3", full_name="王三")
    case = new_case(work.a)
    Leave.objects.create(
        user=work.a,
        region_key=work.a.region_key,
        start_date=TODAY,
        end_date=TODAY,
        created_by=work.head,
    )
    client = as_user(client, other)

    page = client.get(detail(case))
    refused = move(client, case, CaseStatus.ACCEPTED)

    assert page.context["actions"] == []
    assert "该办件由首办人张一负责" in " ".join(messages_of(refused))
    assert status_of(case) == CaseStatus.RECEIVED


def test_the_station_head_may_handle_any_case_of_the_station(client, work):
    case = new_case(work.a)

    response = move(as_user(client, work.head), case, CaseStatus.ACCEPTED)

    assert status_of(case) == CaseStatus.ACCEPTED
    assert CaseStep.objects.filter(case=case).latest("id").actor == work.head
    assert "已受理" in " ".join(messages_of(response))


# --- the completion receipt -----------------------------------------------------------------


def test_the_completion_receipt_carries_the_rating_qr_code(client, work):
    case = accepted_case(work.a)
    services.case_complete(actor=work.a, case=case, result="已制证")
    client = as_user(client, work.a)

    response = client.get(reverse("cases:case_receipt", args=[case.pk]))

    html = body(response)
    assert response.status_code == 200
    assert 'id="rating-qr"' in html and "<svg" in html
    assert "已制证" in html and "张一（0532-85561234）" in html
    assert view_rows(work.a, object_type="cases.case").latest("pk").extra["page"] == "receipt"


def test_the_receipt_of_an_open_case_is_refused(client, work):
    case = accepted_case(work.a)

    response = as_user(client, work.a).get(
        reverse("cases:case_receipt", args=[case.pk]), follow=True
    )

    assert "办件办结后才能打印办结回执。" in messages_of(response)
    assert response.redirect_chain[-1][0] == detail(case)


def test_a_rated_case_s_receipt_shows_the_rating_instead_of_the_code(client, work):
    case = accepted_case(work.a)
    case = services.case_complete(actor=work.a, case=case, result="已制证")
    services.evaluation_submit(case=case, score=5, comment="很好", channel="window")

    receipt = body(as_user(client, work.a).get(reverse("cases:case_receipt", args=[case.pk])))
    page = body(client.get(detail(case)))

    assert "该办件已评价：<strong>非常满意</strong>" in receipt and "<svg" not in receipt
    assert "<strong>非常满意</strong>（窗口评价）：很好" in page


def test_every_case_view_is_audited(client, work):
    case = accepted_case(work.a)
    client = as_user(client, work.a)
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()

    client.get(detail(case))
    client.get(reverse("cases:case_notice", args=[case.pk]))

    assert AuditEntry.objects.filter(action=AuditAction.VIEW).count() == before + 2


def test_the_notice_is_offered_while_there_is_something_to_tell_and_once_issued(client, work):
    plain = accepted_case(work.a, name="刘齐全")
    told = incomplete_with_notice(work.a, name="周待补")
    told = services.case_recheck(actor=work.a, case=told, received=CARD_COMPLETE)
    told = services.case_accept(actor=work.a, case=told)
    client = as_user(client, work.a)

    plain_html = body(client.get(detail(plain)))
    told_html = body(client.get(detail(told)))
    received_html = body(client.get(detail(new_case(work.a, received=CARD_INCOMPLETE))))

    notice_link = 'href="/cases/{}/notice/"'
    assert notice_link.format(plain.pk) not in plain_html
    assert notice_link.format(told.pk) in told_html and "一次性告知单（已出具）" in told_html
    assert "一次性告知单</a>" in received_html


def test_acceptance_when_next_year_s_calendar_is_missing_gives_an_estimated_date(client, work):
    work.frozen.move_to("2026-12-15 10:00:00+08:00")
    case = new_case(work.a)

    response = move(as_user(client, work.a), case, CaseStatus.ACCEPTED)

    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.due_on.year == 2027  # the item's 20 working days, 1 Jan off (元旦)
    html = body(client.get(detail(case)))
    assert f'{case.due_on:%Y-%m-%d}<span class="estimate"' in html
    assert "暂按法定节假日估算" in html
    assert "尚未录入" not in " ".join(messages_of(response))


def test_a_consultation_is_answered_or_turned_into_a_case(client, work):
    asked = new_case(work.a, name="咨询人", consultation=True)
    turned = new_case(work.a, name="转接件", consultation=True)
    client = as_user(client, work.a)

    page = client.get(detail(asked))
    answered = move(client, asked, CaseStatus.COMPLETED, text="已当场解答优待证申领条件")
    received = move(client, turned, CaseStatus.RECEIVED)

    labels = [a["label"] for a in page.context["actions"]]
    assert labels == ["办结", "转为正式接件", "申请人撤回"]
    assert "已办结" in " ".join(messages_of(answered))
    assert status_of(asked) == CaseStatus.COMPLETED
    assert "办件状态已变为“已接件”。" in messages_of(received)
    assert status_of(turned) == CaseStatus.RECEIVED

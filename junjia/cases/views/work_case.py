"""The case page and what is done on it: the workflow actions (services decide), the re-check
when the person returns, extensions and the head's decision, doorstep outcome, proxy
hand-overs with receipts, the one-time notice and the completion receipt (000 §7, §9)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.orgs.api import can_reach, get_for_actor

from .. import errors, selectors, services
from ..choices import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
    Channel,
    ExtensionStatus,
    HandoverDirection,
    MaterialForm,
    MaterialState,
)
from ..forms import DoorstepOutcomeForm, ExtensionForm, HandoverForm, MaterialsCheckForm
from ..models import Extension
from ..permissions import get_case_for_actor
from ..workflow import CASE_WORKFLOW
from . import work_reads as reads

S = CaseStatus
# What each transition is called on its button, and what it asks for: the services decide
# whether it is allowed and refuse with their own messages.
BUTTONS = {
    S.INCOMPLETE: ("材料不全", None, ""),
    S.NOTICE_ISSUED: ("出具一次性告知", None, ""),
    S.ACCEPTED: ("受理", None, ""),
    S.SENT_UP: ("上报审批", "remark", "上报说明（报送单位、事由）"),
    S.COMPLETED: ("办结", "result", "办理结果"),
    S.REFUSED: ("不予受理", "reason", "不予受理的理由"),
    S.WITHDRAWN: ("申请人撤回", "remark", "撤回说明"),
}
RECHECK_STATUSES = services.RECHECK_STATUSES
PROXY_CHANNELS = (Channel.PROXY, Channel.ASSISTED)
NOTICE_STATUSES = (S.CONSULTED, S.RECEIVED, S.INCOMPLETE, S.NOTICE_ISSUED, S.REFUSED)


def _button(current: str, to: str, materials_complete: bool) -> dict | None:
    if to == S.RECEIVED:
        if current == S.NOTICE_ISSUED:
            return None  # 补交材料 is the re-check form
        label, field, prompt = "转为正式接件", None, ""
    elif to == S.IN_PROGRESS:
        if current == S.SENT_UP:
            label, field, prompt = "上级退回", "remark", "退回意见"
        else:
            label, field, prompt = "开始办理", None, ""
    else:
        label, field, prompt = BUTTONS[to]
    primary = {
        S.INCOMPLETE: not materials_complete,
        S.NOTICE_ISSUED: True,
        S.ACCEPTED: materials_complete,
        S.IN_PROGRESS: current == S.ACCEPTED,
        S.COMPLETED: current in (S.IN_PROGRESS, S.CONSULTED),
    }.get(to, False)
    return {
        "to": to,
        "label": label,
        "field": field,
        "prompt": prompt,
        "primary": primary,
        "danger": to in (S.REFUSED, S.WITHDRAWN),
    }


def actions_for(actor, case) -> list[dict]:
    """The buttons: what the kernel says this user may do to this case now."""
    complete = reads.materials_summary(case)["complete"]
    steps = services.case_actions(actor, case)
    buttons = [_button(case.status, to, complete) for to, _ in steps]
    buttons = [b for b in buttons if b is not None]
    return sorted(buttons, key=lambda b: (b["danger"], not b["primary"]))


def _material_rows(case) -> list[dict]:
    forms = dict(MaterialForm.choices)
    states = dict(MaterialState.choices)
    return [
        {
            **m,
            "form_label": forms.get(m.get("form", ""), m.get("form", "")),
            "state_label": states.get(m.get("state", ""), m.get("state", "")),
        }
        for m in case.materials or []
    ]


def _applicant(actor, case) -> dict:
    recipient = case.recipient
    if recipient is not None:
        from junjia.registry.api import can_view_recipient

        return {
            "name": recipient.name,
            "id_masked": recipient.id_masked,
            "phone_masked": case.applicant_phone_masked or recipient.phone_masked,
            "recipient": recipient,
            "link": reverse("registry:recipient_detail", args=[recipient.pk])
            if can_view_recipient(actor, recipient)
            else "",
        }
    return {
        "name": case.applicant_name,
        "id_masked": case.applicant_id_masked,
        "phone_masked": case.applicant_phone_masked,
        "recipient": None,
        "link": "",
    }


@login_required
def case_detail(request, pk):
    actor = request.user
    case = reads.open_case(actor, pk, page="detail")
    day = reads.today()
    clock = reads.Clock.of_page(request, day)
    clock.mark([case])
    can_act = services.can_handle(actor, case)
    can_supervise = can_reach(actor, roles.SUPERVISE, case.region_key)
    may_handle_here = can_reach(actor, roles.HANDLE, case.region_key)
    exts = reads.extensions(case)
    steps = reads.history(case)
    notice_issued = any(s.to_status == S.NOTICE_ISSUED for s in steps)
    proxy = case.channel in PROXY_CHANNELS
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "source_link": selectors.source_link(case) if case.source_ref else "",
            "version": case.item_version,
            "item": case.item_version.item,
            "applicant": _applicant(actor, case),
            "due_label": reads.due_text(case),
            "materials": _material_rows(case),
            "summary": reads.materials_summary(case),
            "steps": steps,
            # The one-time notice is offered while there is something to tell the person
            # (000 §7: materials, remit, refusal) and once it has been issued.
            "show_notice": notice_issued or case.status in NOTICE_STATUSES or case.outside_remit,
            "notice_issued": notice_issued,
            "extensions": exts,
            "handovers": reads.handovers(case) if proxy else [],
            "windows": reads.windows_of(case.owner_id),
            "stand_in": reads.stand_in(case, day),
            "evaluation": reads.evaluation_of(case) if case.status == S.COMPLETED else None,
            "can_act": can_act,
            "not_handler": _not_handler(case)
            if not can_act and case.status in OPEN_STATUSES
            else "",
            "actions": actions_for(actor, case) if can_act else [],
            "can_recheck": may_handle_here and case.status in RECHECK_STATUSES,
            "can_extend": can_act and case.status in CLOCK_STATUSES,
            "can_decide": can_supervise,
            "pending": [e for e in exts if e.status == ExtensionStatus.PENDING],
            "extension_form": ExtensionForm(),
            "doorstep": case.channel == Channel.DOORSTEP,
            "doorstep_form": DoorstepOutcomeForm() if can_act else None,
            "proxy": proxy,
            "handover_form": HandoverForm(
                initial={
                    "counterpart": case.proxy_requester or case.applicant_name,
                    "direction": HandoverDirection.IN,
                }
            )
            if can_act and proxy
            else None,
        },
    )


def _not_handler(case) -> str:
    from .. import errors

    return errors.NOT_HANDLER.format(owner=case.owner)


def _back(case, anchor: str = ""):
    return redirect(reverse("cases:case_detail", args=[case.pk]) + anchor)


@login_required
@require_POST
def case_move(request, pk):
    """One workflow action; the services check the table, the guards and who may act."""
    actor = request.user
    case = get_case_for_actor(actor, pk, roles.HANDLE)
    to = request.POST.get("to", "")
    text = request.POST.get("text", "")
    if to not in S.values:
        messages.error(request, "未知的操作，请刷新页面后重试。")
        return _back(case)
    try:
        if to == S.ACCEPTED:
            case = services.case_accept(actor=actor, case=case)
        elif to == S.INCOMPLETE:
            case = services.case_mark_incomplete(actor=actor, case=case)
        elif to == S.NOTICE_ISSUED:
            case = services.case_issue_notice(actor=actor, case=case)
        elif to == S.COMPLETED:
            case = services.case_complete(actor=actor, case=case, result=text)
        elif to == S.REFUSED:
            case = services.case_refuse(actor=actor, case=case, reason=text)
        else:
            case = services.case_move(actor=actor, case=case, to=to, remark=text.strip())
    except DomainError as exc:
        messages.error(request, str(exc))
        return _back(case, "#actions")
    if to == S.NOTICE_ISSUED:
        messages.success(request, "已出具一次性告知单，请打印交给申请人。")
        return redirect("cases:case_notice", pk=case.pk)
    messages.success(request, _moved_message(case))
    return _back(case)


def _moved_message(case) -> str:
    label = CASE_WORKFLOW.label(case.status)
    if case.status == S.ACCEPTED:
        return f"已受理，承诺 {case.due_on:%Y年%m月%d日} 前办结。"
    if case.status == S.COMPLETED:
        extra = "（延时服务）" if case.delay_service else ""
        return f"已办结{extra}。请打印办结回执（含评价二维码）交给申请人。"
    if case.status == S.REFUSED:
        return "已决定不予受理；请打印一次性告知单，写明理由交给申请人。"
    return f"办件状态已变为“{label}”。"


@login_required
def case_recheck(request, pk):
    """补交材料 / 重新核验: the person may come back to any clerk of the station; the case stays
    with its first handler, who is told (首办负责制)."""
    actor = request.user
    if request.method == "POST":
        case = get_case_for_actor(actor, pk, roles.HANDLE)
    else:
        case = reads.open_case(actor, pk, page="recheck", capability=roles.HANDLE)
    form = MaterialsCheckForm(
        request.POST or None,
        materials=case.item_version.materials,
        current=case.materials,
        prefix="m",
    )
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.case_recheck(actor=actor, case=case, received=form.received())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _recheck_message(actor, updated))
            return _back(updated)
    return render(
        request,
        "cases/case_recheck.html",
        {"case": case, "form": form, "rows": form.rows(), "owner_is_me": case.owner_id == actor.pk},
    )


def _recheck_message(actor, case) -> str:
    complete = reads.materials_summary(case)["complete"]
    text = (
        "材料已齐全，可以受理。"
        if complete
        else "已记录核验结果，仍有缺少或有误的材料：请点“材料不全”，再出具一次性告知单。"
    )
    if case.owner_id != actor.pk:
        text += f"办件仍由首办人 {case.owner} 负责，已通知其继续办理。"
    return text


@login_required
def case_notice(request, pk):
    """一次性告知单 (000 §7), printable, with the contact card (联系服务卡)."""
    actor = request.user
    case = reads.open_case(actor, pk, page="notice")
    issued = [s for s in reads.history(case) if s.to_status == S.NOTICE_ISSUED]
    return render(
        request,
        "cases/notice_print.html",
        {
            "case": case,
            "version": case.item_version,
            "item": case.item_version.item,
            "notice": reads.notice_content(case),
            "contact": reads.contact_card(case),
            "issued": issued[-1] if issued else None,
            "printed_on": reads.today(),
        },
    )


def _qr_svg(text: str) -> str:
    import segno

    qr = segno.make(text, error="m")
    # Inline SVG: no script and no style attribute, so the CSP allows it.
    return mark_safe(qr.svg_inline(scale=4, border=2, dark="#000", light="#fff"))  # noqa: S308


@login_required
def case_receipt(request, pk):
    """办结回执 with the QR code of the signed rating link (000 §9)."""
    actor = request.user
    case = get_case_for_actor(actor, pk)
    if case.status != S.COMPLETED:
        messages.error(request, "办件办结后才能打印办结回执。")
        return _back(case)
    reads.record_case_view(actor, case, "receipt")
    evaluation = reads.evaluation_of(case)
    url = services.rating_url(case)
    return render(
        request,
        "cases/case_receipt.html",
        {
            "case": case,
            "item": case.item_version.item,
            "version": case.item_version,
            "contact": reads.contact_card(case),
            "qr": _qr_svg(url) if evaluation is None else "",
            "evaluation": evaluation,
            "printed_on": reads.today(),
        },
    )


@login_required
@require_POST
def extension_request(request, pk):
    actor = request.user
    case = get_case_for_actor(actor, pk, roles.HANDLE)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写 1–60 之间的延长工作日数。")
        return _back(case, "#extensions")
    try:
        services.extension_request(
            actor=actor,
            case=case,
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已提交延期申请，待站长批准。")
    return _back(case, "#extensions")


@login_required
@require_POST
def extension_decide(request, pk):
    actor = request.user
    extension = get_for_actor(
        Extension.objects.select_related("case"),
        actor,
        roles.SUPERVISE,
        field="case__region_key",
        pk=pk,
    )
    approve = request.POST.get("decision") == "approve"
    try:
        done = services.extension_decide(actor=actor, extension=extension, approve=approve)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if approve:
            case = done.case
            case.refresh_from_db(fields=["due_on"])
            messages.success(
                request, f"已批准延期 {done.days} 个工作日，新的办结期限 {case.due_on:%Y-%m-%d}。"
            )
        else:
            messages.success(request, "已决定不批准延期。")
    if request.POST.get("next") == "supervise":
        return redirect("cases:supervise")
    return _back(extension.case, "#extensions")


@login_required
@require_POST
def doorstep_record(request, pk):
    actor = request.user
    case = get_case_for_actor(actor, pk, roles.HANDLE)
    form = DoorstepOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写上门办理情况。")
        return _back(case, "#doorstep")
    try:
        services.case_record_doorstep(actor=actor, case=case, outcome=form.cleaned_data["outcome"])
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已记录上门服务情况。")
    return _back(case, "#doorstep")


@login_required
@require_POST
def handover_record(request, pk):
    actor = request.user
    case = get_case_for_actor(actor, pk, roles.HANDLE)
    if case.channel not in PROXY_CHANNELS:
        messages.error(request, errors.HANDOVER_NOT_PROXY)
        return _back(case)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写交接的材料和交接人。")
        return _back(case, "#handovers")
    try:
        handover = services.handover_record(
            actor=actor,
            case=case,
            direction=form.cleaned_data["direction"],
            items=form.item_list(),
            counterpart=form.cleaned_data["counterpart"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return _back(case, "#handovers")
    messages.success(request, f"已登记材料交接，回执编号 {handover.receipt_no}。")
    return redirect("cases:handover_receipt", pk=case.pk, handover_pk=handover.pk)


@login_required
def handover_receipt(request, pk, handover_pk):
    """帮办代办: the receipt of one hand-over, signed by both sides."""
    actor = request.user
    case = get_case_for_actor(actor, pk)
    handover = case.handovers.select_related("clerk").filter(pk=handover_pk).first()
    if handover is None:
        raise Http404("未找到该交接记录。")
    reads.record_case_view(actor, case, "handover_receipt")
    incoming = handover.direction == HandoverDirection.IN
    return render(
        request,
        "cases/case_handover_receipt.html",
        {
            "case": case,
            "item": case.item_version.item,
            "handover": handover,
            "giver": handover.counterpart if incoming else str(handover.clerk),
            "taker": str(handover.clerk) if incoming else handover.counterpart,
            "station": case.station,
        },
    )

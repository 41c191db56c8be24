"""Work lists: 待我审核 (review queue), 定期核实 (re-verification) and 档案转移 (transfers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from junjia.core.errors import DomainError
from junjia.orgs.api import Level, has_capability, jurisdiction_of, require_capability
from junjia.registry import roles

from .. import selectors, services
from ..choices import TransferStatus
from ..forms import TransferDecideForm
from ..models import ReviewStep, TransferRequest
from . import reads

STATUS_BADGE = {
    TransferStatus.PENDING: "warn",
    TransferStatus.APPROVED: "ok",
    TransferStatus.REJECTED: "bad",
    TransferStatus.CANCELLED: "",
}
REVERIFY_SHOWN = 100
REVERIFY_COUNT_CAP = 10_000


def _submitted_steps(recipient_ids, changes: bool) -> dict:
    """The latest 提交审核 step per file (or per change): who sent it up and when."""
    steps = (
        ReviewStep.objects.filter(recipient_id__in=recipient_ids, action="提交审核")
        .filter(change__isnull=not changes)
        .select_related("actor")
        .order_by("at", "id")
    )
    return {(s.change_id if changes else s.recipient_id): s for s in steps}


@login_required
def review_queue(request):
    actor = request.user
    require_capability(actor, roles.REVIEW)
    queue = selectors.review_queue(actor)
    files, changes = queue["files"], queue["changes"]
    file_steps = _submitted_steps([f.pk for f in files], changes=False)
    change_steps = _submitted_steps([c.recipient_id for c in changes], changes=True)
    for row in files:
        row.submitted = file_steps.get(row.pk)
    for row in changes:
        row.submitted = change_steps.get(row.pk)
    to_decide = selectors.transfers_for(actor)["to_decide"]
    reads.record_list_view(actor, {"list": "review_queue"})
    juris = jurisdiction_of(actor)
    return render(
        request,
        "registry/review_queue.html",
        {
            "files": files,
            "changes": changes,
            "transfers": len(to_decide),
            "level_label": Level(juris.level).label if juris else "",
        },
    )


@login_required
def reverification(request):
    actor = request.user
    require_capability(actor, roles.EDIT)
    due = selectors.reverification_due(actor)
    count = due.order_by()[: REVERIFY_COUNT_CAP + 1].count()
    rows = list(due.select_related("household_region")[:REVERIFY_SHOWN])
    reads.record_list_view(actor, {"list": "reverification"})
    return render(
        request,
        "registry/reverification.html",
        {
            "rows": rows,
            "count_text": f"{REVERIFY_COUNT_CAP:,}+"
            if count > REVERIFY_COUNT_CAP
            else f"{count:,}",
            "more": count > len(rows),
            "shown": REVERIFY_SHOWN,
        },
    )


def _may_use_transfers(actor) -> bool:
    return has_capability(actor, roles.TRANSFER) or has_capability(actor, roles.REVIEW)


@login_required
def transfer_list(request):
    actor = request.user
    if not _may_use_transfers(actor):
        raise PermissionDenied("您没有办理档案转移的权限。")
    data = selectors.transfers_for(actor)
    for transfer in data["incoming"]:
        transfer.badge = STATUS_BADGE.get(transfer.status, "")
    reads.record_list_view(actor, {"list": "transfers"})
    return render(
        request,
        "registry/transfer_list.html",
        {
            "incoming": data["incoming"],
            "to_decide": data["to_decide"],
            "decide_form": TransferDecideForm(),
            "can_request": has_capability(actor, roles.TRANSFER),
            "can_decide": has_capability(actor, roles.REVIEW),
            "pending": TransferStatus.PENDING,
        },
    )


@login_required
@require_POST
def transfer_decide(request, pk):
    """The sending side (or a level above both sides) approves or rejects with a remark."""
    actor = request.user
    transfer = get_object_or_404(
        TransferRequest.objects.filter(reads.transfer_scope_decide(actor)), pk=pk
    )
    require_capability(actor, roles.REVIEW)
    form = TransferDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择同意或不同意。")
        return redirect("registry:transfer_list")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.transfer_decide(
            actor=actor, transfer=transfer, approve=approve, remark=form.cleaned_data["remark"]
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        name = transfer.recipient.name
        if approve:
            messages.success(
                request, f"已同意：{name} 的档案已转至 {transfer.to_region.full_name}。"
            )
        else:
            messages.success(request, f"已拒绝 {name} 的档案转移申请。")
    return redirect("registry:transfer_list")


@login_required
@require_POST
def transfer_cancel(request, pk):
    transfer = get_object_or_404(TransferRequest, pk=pk, requested_by=request.user)
    try:
        services.transfer_cancel(actor=request.user, transfer=transfer)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "转移申请已撤销。")
    return redirect("registry:transfer_list")

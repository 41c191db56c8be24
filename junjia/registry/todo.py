"""What the registry puts on a clerk's home page (core.todo): files and change requests
returned to me with the reason, those waiting for my review, and transfers to decide."""

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from junjia.core.todo import RETURNED, REVIEW, WorkflowQueue
from junjia.registry import roles

from . import selectors
from .choices import ChangeStatus, FileStatus
from .models import ChangeRequest, Recipient, ReviewStep
from .permissions import recipient_scope
from .workflow import CHANGE_WORKFLOW, FILE_WORKFLOW, TRANSFER_WORKFLOW


def _reason(**match):
    """The remark of the latest return, as a subquery (one query for the whole queue)."""
    return Subquery(
        ReviewStep.objects.filter(to_status="returned", **match)
        .order_by("-at", "-id")
        .values("remark")[:1]
    )


def _returned_files(actor, today):
    return (
        Recipient.objects.filter(recipient_scope(actor, roles.EDIT))
        .filter(status=FileStatus.RETURNED)
        .filter(Q(created_by=actor) | Q(responsible_clerk=actor))
        .annotate(return_reason=_reason(recipient=OuterRef("pk"), change__isnull=True))
        .order_by("-updated_at")
    )


def _returned_changes(actor, today):
    return (
        ChangeRequest.objects.filter(status=ChangeStatus.RETURNED, created_by=actor)
        .filter(recipient__in=Recipient.objects.filter(recipient_scope(actor, roles.EDIT)))
        .select_related("recipient")
        .annotate(return_reason=_reason(change=OuterRef("pk")))
        .order_by("-updated_at")
    )


def _files_to_review(actor, today):
    return selectors.files_to_review(actor)


def _changes_to_review(actor, today):
    return selectors.changes_to_review(actor)


def _transfers_to_decide(actor, today):
    return selectors.transfers_to_decide(actor)


def _file(recipient) -> str:
    return f"{recipient.name}（{recipient.id_masked}）"


def _detail(recipient) -> str:
    return reverse("registry:recipient_detail", args=[recipient.pk])


def _returned_note(row, actor) -> str:
    reason = getattr(row, "return_reason", "")
    return f"退回原因：{reason}" if reason else ""


QUEUES = (
    WorkflowQueue(
        FILE_WORKFLOW,
        "档案",
        RETURNED,
        rows=_returned_files,
        title=_file,
        link=_detail,
        note=_returned_note,
    ),
    WorkflowQueue(
        CHANGE_WORKFLOW,
        "档案变更",
        RETURNED,
        rows=_returned_changes,
        title=lambda change: _file(change.recipient),
        link=lambda change: _detail(change.recipient),
        note=_returned_note,
    ),
    WorkflowQueue(
        FILE_WORKFLOW,
        "档案审核",
        REVIEW,
        rows=_files_to_review,
        title=_file,
        link=_detail,
    ),
    WorkflowQueue(
        CHANGE_WORKFLOW,
        "变更审核",
        REVIEW,
        rows=_changes_to_review,
        title=lambda change: _file(change.recipient),
        link=lambda change: _detail(change.recipient),
    ),
    WorkflowQueue(
        TRANSFER_WORKFLOW,
        "档案转移",
        REVIEW,
        rows=_transfers_to_decide,
        title=lambda transfer: (
            f"{transfer.recipient.name}：{transfer.from_region.name} → {transfer.to_region.name}"
        ),
        link=lambda transfer: reverse("registry:transfer_list"),
        note=lambda transfer, actor: transfer.reason,
    ),
)

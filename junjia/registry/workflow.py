"""Collection and upward review of files and of change requests (000 §6.1.4), as data."""

from django.conf import settings

from junjia.core.errors import NotPermitted, WrongState
from junjia.core.workflow import Transition, Workflow
from junjia.orgs.api import Level, jurisdiction_of
from junjia.registry import roles

from . import errors
from .choices import ChangeStatus, FileStatus, TransferStatus


def top_review_level() -> int:
    """The highest level that reviews (county by default, province at most)."""
    level = int(getattr(settings, "JUNJIA_REGISTRY_TOP_REVIEW_LEVEL", Level.COUNTY))
    return max(Level.PROVINCE, min(Level.COUNTY, level))


def first_review_level(submitter_level: int) -> int:
    """The level above the submitting station, but never above the top; a station at or
    above the top level is reviewed by a colleague of its own level."""
    top = top_review_level()
    return max(submitter_level - 1, top) if submitter_level > top else submitter_level


def _reviewer_guard(obj, actor, **context) -> NotPermitted | None:
    """Only a reviewer of the level the file waits at, and never its own submitter."""
    juris = jurisdiction_of(actor)
    if juris is None or juris.level != obj.review_level:
        return NotPermitted(
            errors.WRONG_LEVEL.format(level=Level(obj.review_level).label + "审核人")
        )
    if context.get("submitted_by") == actor.pk:
        return NotPermitted(errors.SELF_REVIEW)
    return None


def _never_approved(obj, actor, **context):
    if getattr(obj, "approved_at", None):
        current = obj.status
        return WrongState(
            errors.WITHDRAW_APPROVED,
            status=current,
            status_label=FILE_WORKFLOW.label(current),
            allowed=FILE_WORKFLOW.steps(current),
        )
    return None


SUBMIT = Transition("提交审核", roles.EDIT)
PASS_UP = Transition("审核通过（上报）", roles.REVIEW, _reviewer_guard)
APPROVE = Transition("审核通过", roles.REVIEW, _reviewer_guard)
RETURN = Transition(
    "退回", roles.REVIEW, _reviewer_guard, requires={"reason": errors.REASON_REQUIRED}
)
WITHDRAW = Transition("撤回", roles.EDIT, _never_approved)

FILE_WORKFLOW = Workflow(
    "recipient_file",
    FileStatus,
    {
        FileStatus.DRAFT: {FileStatus.SUBMITTED: SUBMIT, FileStatus.WITHDRAWN: WITHDRAW},
        FileStatus.RETURNED: {FileStatus.SUBMITTED: SUBMIT, FileStatus.WITHDRAWN: WITHDRAW},
        FileStatus.SUBMITTED: {
            FileStatus.SUBMITTED: PASS_UP,
            FileStatus.APPROVED: APPROVE,
            FileStatus.RETURNED: RETURN,
        },
    },
)

CHANGE_WORKFLOW = Workflow(
    "recipient_change",
    ChangeStatus,
    {
        ChangeStatus.DRAFT: {
            ChangeStatus.SUBMITTED: SUBMIT,
            ChangeStatus.WITHDRAWN: Transition("撤回变更", roles.EDIT),
        },
        ChangeStatus.RETURNED: {
            ChangeStatus.SUBMITTED: SUBMIT,
            ChangeStatus.WITHDRAWN: Transition("撤回变更", roles.EDIT),
        },
        ChangeStatus.SUBMITTED: {
            ChangeStatus.SUBMITTED: PASS_UP,
            ChangeStatus.APPROVED: APPROVE,
            ChangeStatus.RETURNED: RETURN,
        },
    },
)


def _own_request(transfer, actor, **context):
    if transfer.requested_by_id != actor.pk:
        return NotPermitted(errors.TRANSFER_NOT_YOURS)
    return None


# 档案转移: decided by the sending side (or a level above both); withdrawn by who asked.
TRANSFER_WORKFLOW = Workflow(
    "recipient_transfer",
    TransferStatus,
    {
        TransferStatus.PENDING: {
            TransferStatus.APPROVED: Transition("批准档案转移", roles.REVIEW),
            TransferStatus.REJECTED: Transition(
                "拒绝档案转移", roles.REVIEW, requires={"remark": errors.TRANSFER_REASON}
            ),
            TransferStatus.CANCELLED: Transition("撤销档案转移", roles.EDIT, _own_request),
        },
    },
    final_message=errors.TRANSFER_DECIDED,
)

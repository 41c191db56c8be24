"""Extensions of a case's time limit: asked with a reason, decided by the head (000 §7 限时办结)."""

from django.db import transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.models import AuditAction
from junjia.core.workdays import add_working_days
from junjia.core.workflow import perform
from junjia.orgs.api import can_reach

from .. import errors
from ..choices import (
    CaseStatus,
    ExtensionStatus,
)
from ..models import (
    Case,
    CaseStep,
    Extension,
)
from ..workflow import (
    EXTENSION_WORKFLOW,
)
from .availability import can_handle

# --- extensions ------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, actor, case: Case, days: int, reason: str) -> Extension:
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.SENT_UP):
        raise errors.CaseError(errors.NOT_IN_CLOCK)
    if not reason.strip() or days < 1:
        raise errors.CaseError(errors.EXTENSION_REASON)
    extension = Extension.objects.create(
        case=case, days=days, reason=reason.strip(), requested_by=actor
    )
    CaseStep.objects.create(
        case=case,
        action=f"申请延期 {days} 个工作日",
        from_status=case.status,
        to_status=case.status,
        actor=actor,
        remark=reason.strip(),
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=extension, region_key=case.region_key)
    return extension


def _extension_can(actor, capability, extension) -> bool | str:
    return can_reach(actor, capability, extension.case.region_key) or errors.EXTENSION_DECIDER


@transaction.atomic
def extension_decide(*, actor, extension: Extension, approve: bool) -> Extension:
    """The head approves (the limit moves on by the days asked) or refuses an extension."""

    def apply(locked):
        locked.decided_by, locked.decided_at = actor, timezone.now()
        if approve:
            case = Case.objects.select_for_update().get(pk=locked.case_id)
            case.due_on = add_working_days(case.due_on, locked.days)
            case.extended_days += locked.days
            case.save(update_fields=["due_on", "extended_days", "updated_at"])
        return ["decided_by", "decided_at"]

    def record(step):
        case = step.obj.case
        CaseStep.objects.create(
            case=case,
            action=step.transition.action,
            from_status=case.status,
            to_status=case.status,
            actor=actor,
            remark=step.obj.reason,
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            region_key=case.region_key,
            changes={"status": [step.from_status, step.to_status]},
        )

    extension = Extension.objects.select_related("case").get(pk=extension.pk)
    to = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    return perform(
        EXTENSION_WORKFLOW,
        extension,
        to,
        actor=actor,
        can=_extension_can,
        record=record,
        apply=apply,
    )

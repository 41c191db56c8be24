"""After completion: callbacks (跟踪服务), ratings and the bad-review loop (000 §7, §9)."""

from django.db import transaction
from django.utils import timezone

from junjia.cases import roles
from junjia.core import audit, notifications, personal
from junjia.core.errors import InvalidInput, WrongState
from junjia.core.models import AuditAction
from junjia.core.workdays import add_working_days
from junjia.core.workflow import available, perform
from junjia.orgs.api import can_reach

from .. import errors
from ..choices import (
    LOOP_ORDER,
    SATISFIED_LEVELS,
    CallbackStatus,
    CaseStatus,
    LoopStage,
)
from ..models import (
    Callback,
    Case,
    Evaluation,
    LoopRecord,
    RectificationLoop,
)
from ..workflow import (
    CALLBACK_WORKFLOW,
    LOOP_WORKFLOW,
)
from .common import _applicant_phone, _audit_step, _head_of, _today

# --- callbacks ----------------------------------------------------------------------------------


def _callback_can(actor, capability, callback) -> bool | str:
    return can_reach(actor, capability, callback.region_key) or "该回访不在您的辖区内。"


CALLBACK_REVEAL_CLOSED = "回访已记录，不再显示完整电话号码。"
NO_PHONE = "该办件没有登记联系电话。"


def callback_reveal_phone(*, actor, callback: Callback) -> str:
    """The full phone number the clerk needs for the callback: for whoever may record it,
    while it is due; every showing is audited (the case, and the person's file)."""
    case = callback.case

    def phone() -> str:
        if callback.status != CallbackStatus.DUE:
            raise WrongState(CALLBACK_REVEAL_CLOSED, status=callback.status)
        found = _applicant_phone(case)
        if not found:
            raise InvalidInput(NO_PHONE)
        return found

    return personal.reveal(
        phone,
        revealed=personal.PHONE.name,
        actor=actor,
        capability=roles.CALLBACK,
        can=_callback_can,
        obj=callback,
        audit_obj=case,
        subject_id=f"recipient:{case.recipient_id}" if case.recipient_id else "",
        extra={"page": "callback", "callback": callback.pk},
    )


@transaction.atomic
def callback_record(
    *, actor, callback: Callback, outcome: str, satisfaction: int | None, follow_up: bool
) -> Callback:
    unsatisfied = follow_up or (satisfaction is not None and satisfaction not in SATISFIED_LEVELS)

    def apply(locked):
        locked.outcome, locked.satisfaction = outcome.strip(), satisfaction
        locked.done_by, locked.done_at = actor, timezone.now()
        return ["outcome", "satisfaction", "done_by", "done_at"]

    locked = perform(
        CALLBACK_WORKFLOW,
        callback,
        CallbackStatus.FOLLOW_UP if unsatisfied else CallbackStatus.DONE,
        actor=actor,
        can=_callback_can,
        record=_audit_step(actor),
        apply=apply,
        outcome=outcome,
    )
    if unsatisfied:
        # Unsatisfactory outcomes reopen follow-up work: another callback for the first handler.
        Callback.objects.create(
            case=locked.case,
            region_key=locked.region_key,
            owner=locked.case.owner,
            due_on=add_working_days(_today(), 5),
        )
        notifications.notify(
            [locked.case.owner],
            f"办件 {locked.case.number} 回访不满意，需继续跟进。",
            link=f"/cases/{locked.case_id}/",
        )
    return locked


# --- evaluation and the bad-review loop (000 §9) -------------------------------------------------


@transaction.atomic
def evaluation_submit(
    *, case: Case, score: int, comment: str, channel: str, entered_by=None
) -> Evaluation:
    case = (
        Case.objects.select_for_update()
        .select_related("item_version__item", "station")
        .get(pk=case.pk)
    )
    if case.status != CaseStatus.COMPLETED:
        raise errors.CaseError(errors.NOT_COMPLETED)
    if Evaluation.objects.filter(case=case).exists():
        raise errors.CaseError(errors.ALREADY_RATED)
    if entered_by is not None and not can_reach(entered_by, roles.HANDLE, case.region_key):
        raise errors.CaseError("该办件不在您的辖区内。")
    evaluation = Evaluation.objects.create(
        case=case,
        region_key=case.region_key,
        score=score,
        comment=comment.strip()[:1000],
        channel=channel,
        entered_by=entered_by,
        owner=case.owner,
        item=case.item_version.item,
    )
    audit.record(
        actor=entered_by,
        action=AuditAction.CREATE,
        obj=evaluation,
        region_key=case.region_key,
        extra={"score": score, "channel": channel},
    )
    if score not in SATISFIED_LEVELS:
        loop_open(evaluation=evaluation)
    return evaluation


def loop_open(*, evaluation: Evaluation) -> RectificationLoop:
    head = _head_of(evaluation.case.station) or evaluation.owner
    loop = RectificationLoop.objects.create(
        evaluation=evaluation,
        region_key=evaluation.region_key,
        stage=LoopStage.FOUND,
        owner=head,
        due_on=LOOP_WORKFLOW.deadlines[LoopStage.FOUND].due(None, _today()),
    )
    notifications.notify(
        [head],
        f"办件 {evaluation.case.number} 收到“{evaluation.get_score_display()}”评价，"
        "请启动差评整改。",
        link=f"/cases/loops/{loop.pk}/",
    )
    return loop


def _loop_can(actor, capability, loop) -> bool | str:
    """The stage's owner, or whoever has the loop capability over it."""
    return (
        actor.pk == loop.owner_id or can_reach(actor, capability, loop.region_key)
    ) or errors.LOOP_NOT_YOURS


def loop_refusal(actor, loop: RectificationLoop) -> str | None:
    """Why the actor may not move the loop on now (the kernel's answer), or None."""
    if available(LOOP_WORKFLOW, loop, actor, can=_loop_can):
        return None
    if loop.stage == LoopStage.CLOSED:
        return errors.LOOP_CLOSED
    return errors.LOOP_NOT_YOURS


def loop_next_stage(loop: RectificationLoop) -> str:
    return LOOP_ORDER[LOOP_ORDER.index(loop.stage) + 1]


@transaction.atomic
def loop_advance(
    *, actor, loop: RectificationLoop, record: str, next_owner=None
) -> RectificationLoop:
    """Close the current stage with its record and open the next, with an owner and a due date
    (the workflow's deadline for that stage)."""
    current = RectificationLoop.objects.get(pk=loop.pk)
    following = loop_next_stage(current) if current.stage != LoopStage.CLOSED else LoopStage.CLOSED

    def apply(locked):
        # the stage being closed: the kernel has refused the step if the row moved meanwhile
        LoopRecord.objects.create(
            loop=locked, stage=current.stage, text=record.strip(), actor=actor
        )
        if following == LoopStage.CLOSED:
            locked.closed_at = timezone.now()
            return ["closed_at"]
        locked.owner = next_owner or locked.owner
        return ["owner"]

    def history(step):
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            changes={"stage": [step.from_status, step.to_status]},
        )

    return perform(
        LOOP_WORKFLOW,
        current,
        following,
        actor=actor,
        can=_loop_can,
        record=history,
        apply=apply,
        text=record,
    )

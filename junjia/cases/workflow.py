"""The cases app's workflows as data. A case (办件): consulted → received → (incomplete →
notice issued → received again) → accepted → in progress → (sent up → back) → completed, or
refused, or withdrawn (000 §7); and the flows around it — extensions, callbacks, the
bad-review loop, appointments. junjia.core.workflow.perform is their only writer."""

from itertools import pairwise

from junjia.cases import roles
from junjia.core.workflow import Deadline, Transition, Workflow

from . import errors
from .choices import (
    CLOCK_STATUSES,
    LOOP_DAYS,
    LOOP_ORDER,
    AppointmentStatus,
    CallbackStatus,
    ExtensionStatus,
    LoopStage,
    MaterialState,
)
from .choices import CaseStatus as S


def _missing(case) -> list[dict]:
    return [
        m
        for m in case.materials
        if m.get("state") in (MaterialState.MISSING, MaterialState.DEFECTIVE)
    ]


def _needs_missing(case, actor, **context):
    return None if _missing(case) else errors.MATERIALS_COMPLETE


def _needs_complete(case, actor, **context):
    return errors.MATERIALS_INCOMPLETE if _missing(case) else None


REASON = {"reason": errors.REASON_REQUIRED}
OUTCOME = {"outcome": errors.CALLBACK_OUTCOME_REQUIRED}
RECORD = {"text": errors.LOOP_RECORD_REQUIRED}
RECEIVE = Transition("接件", roles.HANDLE)
INCOMPLETE = Transition("材料核验：不全", roles.HANDLE, _needs_missing, field="materials")
NOTICE = Transition("出具一次性告知", roles.HANDLE)
COMPLETED_MATERIALS = Transition("补齐材料", roles.HANDLE)
ACCEPT = Transition("受理", roles.HANDLE, _needs_complete, field="materials")
START = Transition("开始办理", roles.HANDLE)
SEND_UP = Transition("上报审批", roles.HANDLE)
BACK = Transition("上级退回", roles.HANDLE)
COMPLETE = Transition("办结", roles.HANDLE, requires={"result": errors.RESULT_REQUIRED})
REFUSE = Transition("不予受理", roles.HANDLE, requires=REASON)
WITHDRAW = Transition("申请人撤回", roles.HANDLE)

CASE_WORKFLOW = Workflow(
    "case",
    S,
    {
        S.CONSULTED: {S.RECEIVED: RECEIVE, S.COMPLETED: COMPLETE, S.WITHDRAWN: WITHDRAW},
        S.RECEIVED: {
            S.INCOMPLETE: INCOMPLETE,
            S.ACCEPTED: ACCEPT,
            S.REFUSED: REFUSE,
            S.WITHDRAWN: WITHDRAW,
        },
        S.INCOMPLETE: {S.NOTICE_ISSUED: NOTICE, S.REFUSED: REFUSE, S.WITHDRAWN: WITHDRAW},
        S.NOTICE_ISSUED: {
            S.RECEIVED: COMPLETED_MATERIALS,
            S.REFUSED: REFUSE,
            S.WITHDRAWN: WITHDRAW,
        },
        S.ACCEPTED: {S.IN_PROGRESS: START, S.COMPLETED: COMPLETE, S.WITHDRAWN: WITHDRAW},
        S.IN_PROGRESS: {
            S.SENT_UP: SEND_UP,
            S.COMPLETED: COMPLETE,
            S.REFUSED: REFUSE,
            S.WITHDRAWN: WITHDRAW,
        },
        S.SENT_UP: {S.IN_PROGRESS: BACK, S.COMPLETED: COMPLETE},
    },
    # 000 §7 限时办结: the item's promised limit, in working days from acceptance.
    deadlines={S.ACCEPTED: Deadline(lambda case: case.item_version.time_limit_days)},
    running=frozenset(CLOCK_STATUSES),
)


# --- the flows around a case -----------------------------------------------------------------

# 000 §7 限时办结: an extension of the limit is asked for with a reason and decided by the head.
EXTENSION_WORKFLOW = Workflow(
    "case_extension",
    ExtensionStatus,
    {
        ExtensionStatus.PENDING: {
            ExtensionStatus.APPROVED: Transition("批准延期", roles.SUPERVISE),
            ExtensionStatus.REJECTED: Transition("不批准延期", roles.SUPERVISE),
        },
    },
    final_message=errors.EXTENSION_DECIDED,
)

# 跟踪服务: a callback after completion; an unsatisfied outcome needs following up.
CALLBACK_WORKFLOW = Workflow(
    "case_callback",
    CallbackStatus,
    {
        CallbackStatus.DUE: {
            CallbackStatus.DONE: Transition("回访", roles.CALLBACK, requires=OUTCOME),
            CallbackStatus.FOLLOW_UP: Transition(
                "回访（需继续跟进）", roles.CALLBACK, requires=OUTCOME
            ),
        },
    },
    running=frozenset({CallbackStatus.DUE}),
    final_message=errors.CALLBACK_DONE,
)

# 000 §9 差评整改闭环: each stage closed with its record, the next opened with a due date.
LOOP_WORKFLOW = Workflow(
    "rectification_loop",
    LoopStage,
    {
        stage: {following: Transition(LoopStage(stage).label, roles.LOOP, requires=RECORD)}
        for stage, following in pairwise(LOOP_ORDER)
    },
    deadlines={stage: Deadline(days) for stage, days in LOOP_DAYS.items()},
    running=frozenset(LOOP_DAYS),
    status_field="stage",
    final_message=errors.LOOP_CLOSED,
)

# 预约服务: a booking is cancelled, or marked arrived or not come.
APPOINTMENT_WORKFLOW = Workflow(
    "appointment",
    AppointmentStatus,
    {
        AppointmentStatus.BOOKED: {
            AppointmentStatus.CANCELLED: Transition("取消预约", roles.APPOINTMENTS),
            AppointmentStatus.ARRIVED: Transition("已到达", roles.APPOINTMENTS),
            AppointmentStatus.NO_SHOW: Transition("未到", roles.APPOINTMENTS),
        },
    },
    final_message=errors.APPOINTMENT_CLOSED,
)

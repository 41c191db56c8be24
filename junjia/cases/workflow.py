"""The life cycle of a case (办件) as data: consulted → received → (incomplete → notice
issued → received again) → accepted → in progress → (sent up → back) → completed, or
refused, or withdrawn (000 §7)."""

from junjia.core.workflow import Transition, Workflow

from . import errors
from .choices import CaseStatus as S
from .choices import MaterialState


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


def _needs_reason(case, actor, **context):
    return None if (context.get("reason") or "").strip() else errors.REASON_REQUIRED


def _needs_result(case, actor, **context):
    return None if (context.get("result") or "").strip() else errors.RESULT_REQUIRED


RECEIVE = Transition("接件", "cases.handle")
INCOMPLETE = Transition("材料核验：不全", "cases.handle", _needs_missing)
NOTICE = Transition("出具一次性告知", "cases.handle")
COMPLETED_MATERIALS = Transition("补齐材料", "cases.handle")
ACCEPT = Transition("受理", "cases.handle", _needs_complete)
START = Transition("开始办理", "cases.handle")
SEND_UP = Transition("上报审批", "cases.handle")
BACK = Transition("上级退回", "cases.handle")
COMPLETE = Transition("办结", "cases.handle", _needs_result)
REFUSE = Transition("不予受理", "cases.handle", _needs_reason)
WITHDRAW = Transition("申请人撤回", "cases.handle")

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
)

"""The petition's workflow as data (信访工作条例 2022, seed 001 附件第七部分 四): registered →
accepted or not (told within 15 days) → handled here, handed down (交办), transferred to a
department (转送) or escalated (上报) → concluded with a written reply (within 60 days of
acceptance, one extension) → review (复查) at the level above → recheck (复核), whose clock a
hearing pauses → final. Limits are calendar days, configurable (settings
JUNJIA_PETITION_LIMITS). junjia.core.workflow.perform is the only writer."""

import datetime as dt

from django.conf import settings

from junjia.core.clock import today
from junjia.core.workflow import CALENDAR, Deadline, Transition, Workflow

from . import errors, roles
from .choices import PetitionStatus as S

# 信访工作条例 (2022) 第三十一条 (15 days to tell whether accepted), 第三十三条 (60 days,
# one extension of at most 30), 第三十五条 (review: asked within 30 days, answered within 30),
# 第三十六条 (recheck: asked within 30 days, answered within 30; a hearing is not counted).
DEFAULT_LIMITS = {
    "accept": 15,
    "conclude": 60,
    "extension_max": 30,
    "review_request": 30,
    "review_answer": 30,
    "recheck_request": 30,
    "recheck_answer": 30,
}


def limit(name: str) -> int:
    """A time limit in calendar days: the province's setting, else the statute's."""
    configured = getattr(settings, "JUNJIA_PETITION_LIMITS", None) or {}
    return int(configured.get(name, DEFAULT_LIMITS[name]))


def _late(start: dt.date | None, days: int) -> int:
    """Days past a request window of `days` from `start` (0 when in time)."""
    if start is None:
        return 0
    return max((today() - start).days - days, 0)


def _review_in_time(petition, actor, **context):
    days = limit("review_request")
    late = _late(petition.reply_on, days)
    if late:
        return errors.REVIEW_LATE.format(days=days, day=petition.reply_on, late=late)
    return None


def _recheck_in_time(petition, actor, **context):
    days = limit("recheck_request")
    late = _late(petition.reviewed_on, days)
    if late:
        return errors.RECHECK_LATE.format(days=days, day=petition.reviewed_on, late=late)
    return None


def _leader_concludes(petition, actor, **context):
    """领导包案: the named leader takes part in each step and concludes the matter himself."""
    if petition.leader_id and actor is not None and actor.pk != petition.leader_id:
        return errors.NOT_LEADER_STEP.format(leader=petition.leader)
    return None


TOLD = {"told_by": errors.NO_NOTICE}
REASON = {"reason": errors.NO_REASON}
ACCEPT = Transition("受理并告知", roles.HANDLE, requires=TOLD)
REFUSE = Transition("不予受理并书面告知", roles.HANDLE, requires={**REASON, **TOLD})
HAND_DOWN = Transition("交办下级", roles.HANDLE, requires={"station": errors.NO_STATION})
TRANSFER = Transition(
    "转送其他部门",
    roles.HANDLE,
    requires={"department": errors.NO_DEPARTMENT, "receipt": errors.NO_RECEIPT},
)
ESCALATE = Transition("上报上级", roles.HANDLE, requires=REASON)
CONCLUDE = Transition(
    "办结（书面答复）",
    roles.HANDLE,
    _leader_concludes,
    requires={"reply": errors.NO_REPLY, "satisfaction": errors.NO_SATISFACTION},
)
TAKE_UP = Transition("接办", roles.TAKE)
TRANSFER_BACK = Transition("转送部门回复", roles.HANDLE, requires={"result": errors.NO_RESULT})
HANDLING = {S.HANDED_DOWN: HAND_DOWN, S.TRANSFERRED: TRANSFER, S.ESCALATED: ESCALATE}

PETITION_WORKFLOW = Workflow(
    "petition",
    S,
    {
        S.REGISTERED: {S.ACCEPTED: ACCEPT, S.NOT_ACCEPTED: REFUSE},
        S.ACCEPTED: {**HANDLING, S.CONCLUDED: CONCLUDE},
        S.IN_PROGRESS: {**HANDLING, S.CONCLUDED: CONCLUDE},
        S.HANDED_DOWN: {S.IN_PROGRESS: TAKE_UP},
        S.ESCALATED: {S.IN_PROGRESS: TAKE_UP},
        S.TRANSFERRED: {S.IN_PROGRESS: TRANSFER_BACK},
        S.CONCLUDED: {S.REVIEW: Transition("受理复查申请", roles.TAKE, _review_in_time)},
        S.REVIEW: {
            S.REVIEWED: Transition(
                "复查意见", roles.HANDLE, requires={"opinion": errors.NO_OPINION}
            )
        },
        S.REVIEWED: {S.RECHECK: Transition("受理复核申请", roles.TAKE, _recheck_in_time)},
        S.RECHECK: {
            S.HEARING: Transition("举行听证", roles.HANDLE),
            S.RECHECKED: Transition(
                "复核意见", roles.HANDLE, requires={"opinion": errors.NO_OPINION}
            ),
        },
        S.HEARING: {S.RECHECK: Transition("听证结束", roles.HANDLE)},
    },
    deadlines={
        S.REGISTERED: Deadline(lambda p: limit("accept"), CALENDAR),
        S.ACCEPTED: Deadline(lambda p: limit("conclude"), CALENDAR),
        S.REVIEW: Deadline(lambda p: limit("review_answer"), CALENDAR),
        S.RECHECK: Deadline(lambda p: limit("recheck_answer"), CALENDAR),
    },
    running=frozenset(
        {
            S.REGISTERED,
            S.ACCEPTED,
            S.IN_PROGRESS,
            S.HANDED_DOWN,
            S.TRANSFERRED,
            S.ESCALATED,
            S.REVIEW,
            S.RECHECK,
        }
    ),
    paused=frozenset({S.HEARING}),
    kind=CALENDAR,
    final_message="该信访件已办理终结，不能再变更。",
)

# Statuses whose 60-day handling limit one extension may lengthen.
EXTENDABLE = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.HANDED_DOWN, S.TRANSFERRED, S.ESCALATED})
# The statuses in which the matter is taken up by a station other than the handling one.
TAKEN_ABOVE = frozenset({S.CONCLUDED, S.REVIEWED})

"""The workflow kernel: a status table per workflow and the one writer of transitions.

A workflow is data (`Workflow`, declared in its app's workflow.py): statuses, a transition
table {from: {to: Transition}}, deadlines {status: Deadline} counted in working days (the
shared calendar) or calendar days, and the statuses in which the deadline's clock runs or is
paused. `perform` alone moves an object: it locks the row, checks the table (WrongState,
naming the steps allowed now), the capability within the actor's jurisdiction (NotPermitted),
the transition's required input (InvalidInput naming the field) and its guard; writes the
status and the due date with update_fields; records the step (who, when, from, to, remark,
extra) through the caller's `record`; and queues side effects after commit, where a failure
is logged and never undoes or breaks the committed step. `available` answers "what may this
user do to this object now" for the page's buttons and the API alike.
"""

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction

from .clock import today
from .errors import DomainError, InvalidInput, NotPermitted, WrongState

log = logging.getLogger("junjia.workflow")

WORKING, CALENDAR = "working", "calendar"
NOT_PERMITTED = "您没有执行此操作的权限，或该事项不在您的辖区内。"
WRONG_STATE = "当前状态为“{current}”，不能执行此操作（不能变为“{to}”）。"
PAUSED_REMARK = "期限暂停 {days} 个{unit}（{start} 至 {end}）"

# Kept for callers that catch any refusal of the kernel.
WorkflowError = DomainError

# can(actor, capability, obj) -> True, or False / a Chinese message saying why not
Can = Callable[[object, str, models.Model], bool | str | None]
# guard(obj, actor, **context) -> None, or a message (an InvalidInput) or a refusal
Guard = Callable[..., str | DomainError | None]


@dataclass(frozen=True)
class Transition:
    action: str  # what the step is called in the history (e.g. "提交", "审核通过")
    permission: str  # capability the actor needs
    guard: Guard | None = None
    # Input the step needs: {context key: message when it is missing or blank}
    requires: dict[str, str] = field(default_factory=dict)
    field: str | None = None  # the input field a guard's message is about


@dataclass(frozen=True)
class Deadline:
    """A limit that starts when the object enters a status: `days` (or days(obj)) working
    days through the shared calendar, or calendar days (statutory petition limits)."""

    days: int | Callable[[models.Model], int]
    kind: str = WORKING

    def count(self, obj) -> int:
        return self.days(obj) if callable(self.days) else self.days

    def due(self, obj, start: dt.date) -> dt.date:
        return add_days(start, self.count(obj), self.kind)


@dataclass(frozen=True)
class Workflow:
    name: str
    status_choices: type[models.TextChoices]
    table: dict[str, dict[str, Transition]]
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    # Statuses in which a deadline runs (overdue and due-soon are looked for there)...
    running: frozenset[str] = frozenset()
    # ... and in which it is paused (waiting on the person, a hearing): on leaving one for a
    # running status the due date moves on by the days paused (the model has `paused_on`).
    paused: frozenset[str] = frozenset()
    kind: str = WORKING  # how paused days are counted
    status_field: str = "status"
    # What to say when the object is already in a final status (e.g. "该延期申请已处理。")
    final_message: str = ""

    def label(self, status: str) -> str:
        return dict(self.status_choices.choices).get(status, status)

    def allowed(self, current: str) -> dict[str, Transition]:
        return self.table.get(current, {})

    def steps(self, current: str) -> list[tuple[str, str]]:
        return [(to, self.label(to)) for to in self.allowed(current)]


def add_days(start: dt.date, days: int, kind: str = WORKING) -> dt.date:
    if kind == CALENDAR:
        return start + dt.timedelta(days=days)  # calendar days: statutory limits say so
    from .workdays import add_working_days

    return add_working_days(start, days)


def days_between(start: dt.date, end: dt.date, kind: str = WORKING) -> int:
    if kind == CALENDAR:
        return (end - start).days
    from .workdays import working_days_between

    return working_days_between(start, end)


def shift(due: dt.date, days: int, kind: str = WORKING) -> dt.date:
    """A due date moved on by `days` (working or calendar) days, for time paused."""
    if days <= 0:
        return due
    if kind == CALENDAR:
        return due + dt.timedelta(days=days)
    from .workdays import WorkingDayCalendar

    return WorkingDayCalendar().nth_working_day_after(due, days)


def _permission(can: Can, actor, transition: Transition, obj) -> None:
    answer = can(actor, transition.permission, obj)
    if answer is True:
        return
    raise NotPermitted(answer if isinstance(answer, str) and answer else NOT_PERMITTED)


def _check_input(transition: Transition, context: dict) -> None:
    for key, message in transition.requires.items():
        if not str(context.get(key) or "").strip():
            raise InvalidInput(message, field=key)


def _guard(transition: Transition, obj, actor, context: dict) -> None:
    if transition.guard is None:
        return
    problem = transition.guard(obj, actor, **context)
    if isinstance(problem, DomainError):
        raise problem
    if problem:
        raise InvalidInput(problem, field=transition.field)


def wrong_state(workflow: Workflow, current: str, to: str) -> WrongState:
    message = WRONG_STATE.format(current=workflow.label(current), to=workflow.label(to))
    if workflow.final_message and not workflow.allowed(current):
        message = workflow.final_message
    return WrongState(
        message,
        status=current,
        status_label=workflow.label(current),
        allowed=workflow.steps(current),
    )


def available(workflow: Workflow, obj, actor, *, can: Can) -> list[tuple[str, Transition]]:
    """The steps this actor may take with this object now: in the table from its status, with
    the capability, and passing the guard (input a step requires is asked for on the form)."""
    result = []
    for to, transition in workflow.allowed(getattr(obj, workflow.status_field)).items():
        try:
            _permission(can, actor, transition, obj)
            _guard(transition, obj, actor, {})
        except DomainError:
            continue
        result.append((to, transition))
    return result


@dataclass
class Step:
    """What `perform` hands to the caller's `record`: one row of the shared history shape."""

    obj: models.Model
    from_status: str
    to_status: str
    transition: Transition
    actor: object = None
    remark: str = ""
    extra: dict = field(default_factory=dict)


def perform(
    workflow: Workflow,
    obj: models.Model,
    to: str,
    *,
    actor,
    can: Can,
    record: Callable[[Step], None],
    apply: Callable[[models.Model], list[str]] | None = None,
    effects: list[Callable[[], None]] | None = None,
    remark: str = "",
    **context,
) -> models.Model:
    """Move `obj` to status `to`. `can(actor, permission, obj)` is the jurisdiction-aware
    permission check; `apply(locked)` changes other fields and returns their names;
    `record(step)` writes the history row (and audit); `effects` run after commit."""
    status_field = workflow.status_field
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, status_field)
        transition = workflow.allowed(current).get(to)
        if transition is None:
            raise wrong_state(workflow, current, to)
        _permission(can, actor, transition, locked)
        context = {"remark": remark, **context}
        _check_input(transition, context)
        _guard(transition, locked, actor, context)
        setattr(locked, status_field, to)
        fields = [status_field]
        if apply is not None:
            fields += apply(locked)
        extra = _clock(workflow, locked, current, to, fields)
        if hasattr(locked, "updated_at"):
            fields.append("updated_at")
        locked.save(update_fields=sorted(set(fields)))
        record(Step(locked, current, to, transition, actor, remark=remark, extra=extra))
        for effect in effects or ():
            after_commit(effect)
        return locked


def _clock(workflow: Workflow, obj, current: str, to: str, fields: list[str]) -> dict:
    """Start, pause or resume the deadline; what happened goes into the step's extra data."""
    day = today()
    extra: dict = {}
    deadline = workflow.deadlines.get(to)
    resuming = current in workflow.paused
    if deadline is not None and hasattr(obj, "due_on") and to != current and not resuming:
        obj.due_on = deadline.due(obj, day)
        fields.append("due_on")
        extra["due_on"] = obj.due_on.isoformat()
    if to in workflow.paused and current not in workflow.paused and hasattr(obj, "paused_on"):
        obj.paused_on = day
        fields.append("paused_on")
        extra["paused_on"] = day.isoformat()
    elif current in workflow.paused and to not in workflow.paused and obj.paused_on:
        days = max(days_between(obj.paused_on, day, workflow.kind), 0)
        if obj.due_on and days:
            obj.due_on = shift(obj.due_on, days, workflow.kind)
            fields.append("due_on")
        unit = "工作日" if workflow.kind == WORKING else "日"
        extra.update(
            paused_days=days,
            due_on=obj.due_on.isoformat() if obj.due_on else None,
            paused_remark=PAUSED_REMARK.format(days=days, unit=unit, start=obj.paused_on, end=day),
        )
        obj.paused_on = None
        fields.append("paused_on")
    return extra


def after_commit(effect: Callable[[], None]) -> None:
    """Run a side effect (a text message, a call to another system) once the transaction
    commits; a failure is logged and never turns the committed action into an error."""

    def run():
        try:
            effect()
        except Exception:
            log.exception("side effect after commit failed: %r", effect)

    transaction.on_commit(run)

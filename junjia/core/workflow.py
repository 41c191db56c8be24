"""The workflow kernel: a status table per workflow and the one writer of transitions.

A workflow is data (`Workflow`): statuses, a transition table {from: {to: Transition}}, and
optional deadlines {status: Deadline}. `perform` locks the row, checks the table, the guard
and the permission, writes the new status with update_fields, records a step row through
the caller's `record`, and recomputes `due_at` through the working-day calendar.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction

from .errors import DomainError


class WorkflowError(DomainError):
    pass


@dataclass(frozen=True)
class Transition:
    action: str  # what the step is called in the history (e.g. "提交", "审核通过")
    permission: str  # capability the actor needs
    guard: Callable | None = None  # guard(obj, actor, **context) -> error message or None


@dataclass(frozen=True)
class Deadline:
    working_days: int


@dataclass(frozen=True)
class Workflow:
    name: str
    status_choices: type[models.TextChoices]
    table: dict[str, dict[str, Transition]]
    deadlines: dict[str, Deadline] = field(default_factory=dict)

    def label(self, status: str) -> str:
        return dict(self.status_choices.choices).get(status, status)

    def allowed(self, current: str) -> dict[str, Transition]:
        return self.table.get(current, {})


def perform(
    workflow: Workflow,
    obj: models.Model,
    to: str,
    *,
    actor,
    can: Callable[[object, str, models.Model], bool],
    record: Callable[[models.Model, str, str, Transition], None],
    apply: Callable[[models.Model], list[str]] | None = None,
    **context,
) -> models.Model:
    """Move `obj` to status `to`. `can(actor, permission, obj)` is the jurisdiction-aware
    permission check; `apply(locked)` changes other fields and returns their names;
    `record(locked, from_status, to, transition)` writes the history row (and audit)."""
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        current = locked.status
        transition = workflow.allowed(current).get(to)
        if transition is None:
            raise WorkflowError(
                f"当前状态为“{workflow.label(current)}”，不能执行此操作（不能变为“{workflow.label(to)}”）。"
            )
        if not can(actor, transition.permission, locked):
            raise WorkflowError("您没有执行此操作的权限，或该档案不在您的辖区内。")
        if transition.guard is not None:
            problem = transition.guard(locked, actor, **context)
            if problem:
                raise WorkflowError(problem)
        locked.status = to
        fields = ["status"]
        if apply is not None:
            fields += apply(locked)
        deadline = workflow.deadlines.get(to)
        if deadline is not None and hasattr(locked, "due_at"):
            from django.utils import timezone

            from .workdays import add_working_days

            locked.due_at = add_working_days(timezone.localdate(), deadline.working_days)
            fields.append("due_at")
        if hasattr(locked, "updated_at"):
            fields.append("updated_at")
        locked.save(update_fields=sorted(set(fields)))
        record(locked, current, to, transition)
        return locked

"""The clerk's to-do list (工作台): what every workflow asks of this user now.

Apps register sources in AppConfig.ready. A source is usually `WorkflowQueue`: a workflow, the
rows of it that wait for this user (a queryset function), and how each row reads. Rows with a
running deadline are sorted by it into overdue and due soon; the others stay in the queue's
own section — mine to do, returned to me, waiting for my review, what I cover as B. A new
module joins the home page by registering a queue for its workflow.

Every staff page shows how many urgent items there are beside 工作台. That count is taken by
the database without building a row (`WorkflowQueue.counted`: what to count, by the same rule
as the list; `count_for`: every queue's COUNT in one query), kept 30 s in the cache, and read
at most once per request.
"""

import datetime as dt
import logging
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import IntegerField, Q, QuerySet, Subquery

from .clock import today as _today
from .deadlines import SOON_DAYS
from .workdays import UnknownCalendarYear, WorkingDayCalendar
from .workflow import Workflow

OVERDUE, SOON, RETURNED, REVIEW, COVER, MINE = (
    "overdue",
    "soon",
    "returned",
    "review",
    "cover",
    "mine",
)
SECTIONS = {
    OVERDUE: "已超期",
    SOON: "即将到期",
    RETURNED: "退回给我",
    REVIEW: "待我审核",
    COVER: "我代办（B 角）",
    MINE: "我的待办",
}
URGENT = (OVERDUE, SOON, RETURNED, REVIEW, COVER)
PER_QUEUE = 50  # rows a queue shows on the home page; the count says how many there are
COUNT_SECONDS = 30  # the navigation's count may lag an action by this much
log = logging.getLogger("junjia.todo")


@dataclass(frozen=True)
class TodoItem:
    kind: str
    label: str  # what it is: 办件, 回访, 差评整改, 档案, 变更, 档案转移, 延期申请
    title: str
    status: str
    link: str
    due_on: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class WorkflowQueue:
    workflow: Workflow
    label: str
    kind: str  # the section its rows go to when no deadline puts them elsewhere
    rows: Callable  # rows(actor, today) -> queryset of what waits for this user
    title: Callable  # title(row) -> str
    link: Callable  # link(row) -> str
    note: Callable | None = None  # note(row, actor) -> str (a return reason, who is away)
    kind_of: Callable | None = None  # kind_of(row, actor) -> kind, overriding `kind`
    # urgent(actor) -> Q: the rows kind_of puts in an urgent section whatever their deadline
    # (the cases I cover as B), so that `counted` needs no rows; without it a queue with
    # kind_of is counted from its items
    urgent: Callable | None = None

    def counted(self, actor, today: dt.date, soon: dt.date | None) -> QuerySet | int:
        """What the database counts for this queue: the rows of `items` that land in an
        urgent section (the same first PER_QUEUE rows, the same deadline rule), as a queryset;
        or the number itself when that cannot be said in SQL (rows given as a list, or a
        `kind_of` without its `urgent`)."""
        rows = self.rows(actor, today)
        if not isinstance(rows, QuerySet) or (self.kind_of and self.urgent is None):
            return sum(item.kind in URGENT for item in self.items(actor, today, soon))
        if self.kind in URGENT and self.kind_of is None:  # every row: any PER_QUEUE of them
            return rows.order_by().values("pk")[:PER_QUEUE]
        urgent = self._urgent_rows(rows, actor, today, soon)
        if urgent is None:
            return 0
        shown = rows.values("pk")[:PER_QUEUE]  # in the queue's own order, as items() reads
        return rows.order_by().filter(urgent, pk__in=shown).values("pk")

    def _urgent_rows(self, rows: QuerySet, actor, today, soon) -> Q | None:
        """The rows items() puts in an urgent section: a running deadline due soon or past,
        or what `urgent` says; None when no row can be. The deadline is the model's `due_on`,
        or a `due_on` the queue's rows are annotated with (a visit window's last day)."""
        conditions = []
        fields = {f.name for f in rows.model._meta.get_fields()} | set(rows.query.annotations)
        if self.workflow.running and "due_on" in fields:
            late = Q(due_on__lte=soon) if soon is not None else Q(due_on__lt=today)
            running = Q(**{f"{self.workflow.status_field}__in": self.workflow.running})
            conditions.append(running & late)
        if self.urgent is not None:
            conditions.append(self.urgent(actor))
        if not conditions:
            return None
        return reduce(operator.or_, conditions)

    def items(self, actor, today: dt.date, soon: dt.date | None) -> list[TodoItem]:
        result = []
        field = self.workflow.status_field
        for row in self.rows(actor, today)[:PER_QUEUE]:
            status = getattr(row, field)
            kind = self.kind_of(row, actor) if self.kind_of else self.kind
            due = getattr(row, "due_on", None)
            if due is not None and status in self.workflow.running:
                if due < today:
                    kind = OVERDUE
                elif soon is not None and due <= soon:
                    kind = SOON
            result.append(
                TodoItem(
                    kind=kind,
                    label=self.label,
                    title=self.title(row),
                    status=self.workflow.label(status),
                    link=self.link(row),
                    due_on=due if status in self.workflow.running else None,
                    note=self.note(row, actor) if self.note else "",
                )
            )
        return result


_QUEUES: list[WorkflowQueue] = []


def register(*queues: WorkflowQueue) -> None:
    for queue in queues:
        if queue not in _QUEUES:
            _QUEUES.append(queue)


def _soon_limit(today: dt.date, calendar: WorkingDayCalendar | None) -> dt.date | None:
    try:
        return (calendar or WorkingDayCalendar()).add_working_days(today, SOON_DAYS)
    except UnknownCalendarYear:
        return None


def todo_for(
    actor, today: dt.date | None = None, calendar: WorkingDayCalendar | None = None
) -> list[dict]:
    """Sections in order, each {"kind", "label", "items"}, empty ones left out; overdue
    and due-soon items soonest first. Its urgent items are the navigation's count (kept).
    `calendar`: the request's (workdays.calendar_of), read once for the whole page."""
    today = today or _today()
    soon = _soon_limit(today, calendar)
    items: list[TodoItem] = []
    for queue in _QUEUES:
        items.extend(queue.items(actor, today, soon))
    sections = []
    for kind, label in SECTIONS.items():
        chosen = [item for item in items if item.kind == kind]
        if kind in (OVERDUE, SOON):
            chosen.sort(key=lambda item: item.due_on or dt.date.max)
        if chosen:
            sections.append({"kind": kind, "label": label, "items": chosen})
    remember_count(actor, sum(len(s["items"]) for s in sections if s["kind"] in URGENT))
    return sections


class _Count(Subquery):
    """How many rows a queryset (sliced or not) has, as one column of a query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()
    empty_result_set_value = 0  # a queryset that can have no row (no capability) counts 0


def count_for(
    actor, today: dt.date | None = None, calendar: WorkingDayCalendar | None = None
) -> int:
    """The urgent items of `todo_for` (overdue, due soon, returned, to review, covered),
    counted by the database: every queue's COUNT as a column of one query."""
    today = today or _today()
    soon = _soon_limit(today, calendar)
    total, columns = 0, {}
    for queue in _QUEUES:
        counted = queue.counted(actor, today, soon)
        if isinstance(counted, int):
            total += counted
        elif not counted.query.is_empty():  # no capability: nothing to ask
            columns[f"queue_{len(columns)}"] = _Count(counted)
    if columns:  # one row (the user's own) carries the counts
        users = get_user_model().objects.filter(pk=actor.pk).order_by()
        for row in users.values(**columns):
            total += sum(row.values())
    return total


def _key(actor) -> str:
    return f"junjia:todo:{actor.pk}"


# Remembered on the user object as well, which lives as long as the request: the page's
# navigation reads the count once, and not at all after the home page has just built it.
_MEMO = "_junjia_todo_count"


def remember_count(actor, count: int) -> None:
    setattr(actor, _MEMO, count)
    try:
        cache.set(_key(actor), count, COUNT_SECONDS)
    except DatabaseError:  # a cache that cannot be written only costs the next page a count
        log.warning("to-do count not cached", exc_info=True)


def urgent_count(actor, calendar: WorkingDayCalendar | None = None) -> int:
    """For the navigation: overdue, due soon, returned, to review and covered items;
    counted with `calendar` (the request's) when the kept count has expired."""
    count = getattr(actor, _MEMO, None)
    if count is not None:
        return count
    try:
        count = cache.get(_key(actor))
    except DatabaseError:  # the cache is a convenience: never the reason a page fails
        log.warning("to-do count cache unreadable", exc_info=True)
        count = None
    if count is None:
        remember_count(actor, count_for(actor, calendar=calendar))
    else:
        setattr(actor, _MEMO, count)
    return getattr(actor, _MEMO)

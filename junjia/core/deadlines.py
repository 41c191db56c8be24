"""One deadline scanner for every workflow: due soon, overdue, and escalated to the level above.

Apps register a `Watch` per workflow whose objects carry a `due_on`: which rows to look at
(the workflow's running statuses), who is told of each event, and what the message says. The
scan (hourly, `scan_deadlines_task`) finds, through the (status, due_on) index, the rows whose
deadline reached a stage not yet told, and tells each event once:

- soon — due within SOON_DAYS working days: the owner;
- overdue — the due date has passed: the owner and the station head;
- escalated — overdue by JUNJIA_ESCALATE_AFTER_DAYS working days: also the heads above.

Each event is a DeadlineEvent row (unique per workflow, object, kind and due date): a moved
due date is a new deadline, told again. Race-safe and idempotent: a batch locks its rows, then
reads the events again under the lock, so a second scan running at the same time waits and
then finds them told; a batch's events and notifications commit together or not at all.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef

from . import notifications
from .clock import today as _today
from .models import DeadlineEvent
from .workdays import WorkingDayCalendar
from .workflow import Workflow

SOON, OVERDUE, ESCALATED = "soon", "overdue", "escalated"
KINDS = (SOON, OVERDUE, ESCALATED)
SOON_DAYS = 2  # working days ahead that count as "due soon"
BATCH = 500


def escalate_after() -> int:
    """Working days overdue after which the level above is told (settings, default 3)."""
    return int(getattr(settings, "JUNJIA_ESCALATE_AFTER_DAYS", 3))


@dataclass(frozen=True)
class Watch:
    workflow: Workflow
    model: type[models.Model]
    # {object pk: [users]} to tell of `kind` for these rows (owner; heads; heads above)
    people: Callable[[list, str], dict[int, list]]
    # the notification's text and link for one row and kind
    text: Callable[[models.Model, str], str]
    link: Callable[[models.Model], str]
    select_related: tuple[str, ...] = ()
    # the fields text, link and people read (QuerySet.only), so a batch builds small rows;
    # the status and due date are always read
    only: tuple[str, ...] = ()

    def running(self) -> models.QuerySet:
        field = self.workflow.status_field
        return self.model.objects.filter(**{f"{field}__in": self.workflow.running})


_WATCHES: dict[str, Watch] = {}


def register(watch: Watch) -> None:
    _WATCHES[watch.workflow.name] = watch


def watches() -> list[Watch]:
    return list(_WATCHES.values())


def _fields(watch: Watch) -> tuple[str, ...]:
    if not watch.only:
        return ()  # .only() with nothing: every field
    return (watch.workflow.status_field, "due_on", *watch.only)


def _kind(due: dt.date, today: dt.date, late_limit: dt.date) -> str:
    if due <= late_limit:
        return ESCALATED
    return OVERDUE if due < today else SOON


def _events_told(watch: Watch, pks: Iterable[int]) -> set[tuple[int, str, dt.date]]:
    return set(
        DeadlineEvent.objects.filter(
            workflow=watch.workflow.name, object_id__in=list(pks)
        ).values_list("object_id", "kind", "due_on")
    )


def _untold(watch: Watch, kind: str) -> Exists:
    return Exists(
        DeadlineEvent.objects.filter(
            workflow=watch.workflow.name,
            object_id=OuterRef("pk"),
            kind=kind,
            due_on=OuterRef("due_on"),
        )
    )


def scan_watch(watch: Watch, today: dt.date, batch: int = BATCH) -> dict[str, int]:
    calendar = WorkingDayCalendar()
    soon = calendar.add_working_days(today, SOON_DAYS)
    late_limit = _nth_working_day_before(calendar, today, escalate_after())
    due = watch.running().filter(due_on__lte=soon)
    # Candidates: rows whose present stage is not told yet, in one read on the index. An
    # escalated row is also overdue: tell both stages once each (never skip the head).
    candidates = set()
    for kind, rows in (
        (SOON, due.filter(due_on__gte=today)),
        (OVERDUE, due.filter(due_on__lt=today)),
        (ESCALATED, due.filter(due_on__lte=late_limit)),
    ):
        untold = rows.exclude(_untold(watch, kind)).order_by().values_list("pk", flat=True)
        candidates.update(untold)
    counts = dict.fromkeys(KINDS, 0)
    ordered = sorted(candidates)
    for start in range(0, len(ordered), batch):
        with transaction.atomic():
            rows = list(
                watch.model.objects.filter(pk__in=ordered[start : start + batch])
                .select_for_update(of=("self",))
                .select_related(*watch.select_related)
                .only(*_fields(watch))
                .order_by("pk")
            )
            told = _events_told(watch, [row.pk for row in rows])  # read again under the lock
            wanted: dict[str, list] = {kind: [] for kind in KINDS}
            for row in rows:
                status = getattr(row, watch.workflow.status_field)
                if status not in watch.workflow.running or row.due_on is None:
                    continue  # moved on meanwhile
                stage = _kind(row.due_on, today, late_limit)
                stages = (OVERDUE, ESCALATED) if stage == ESCALATED else (stage,)
                for kind in stages:
                    if (row.pk, kind, row.due_on) not in told:
                        wanted[kind].append(row)
            events, messages = [], []
            for kind, kind_rows in wanted.items():
                if not kind_rows:
                    continue
                people = watch.people(kind_rows, kind)
                for row in kind_rows:
                    messages.append(
                        (people.get(row.pk, []), watch.text(row, kind), watch.link(row))
                    )
                    events.append(
                        DeadlineEvent(
                            workflow=watch.workflow.name,
                            object_id=row.pk,
                            kind=kind,
                            due_on=row.due_on,
                        )
                    )
                counts[kind] += len(kind_rows)
            # The batch's events and notifications: one INSERT each, in the batch's transaction.
            DeadlineEvent.objects.bulk_create(events)
            notifications.notify_many(messages)
    return counts


def _nth_working_day_before(calendar: WorkingDayCalendar, day: dt.date, n: int) -> dt.date:
    """The working day n working days before `day` (n >= 1): a deadline on or before it is
    overdue by at least n working days."""
    back = day
    while n > 0:
        back -= dt.timedelta(days=1)
        if calendar.is_working_day(back):
            n -= 1
    return back


def scan(today: dt.date | None = None, batch: int = BATCH) -> dict[str, dict[str, int]]:
    """Every registered workflow's deadlines; {workflow: {kind: rows told}}."""
    today = today or _today()
    return {watch.workflow.name: scan_watch(watch, today, batch) for watch in watches()}

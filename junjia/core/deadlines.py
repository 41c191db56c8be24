"""One deadline scanner for every workflow: due soon, overdue, and escalated to the level above.

Apps register a `Watch` per workflow whose objects carry a `due_on`: which rows to look at
(the workflow's running statuses), who is told of each event, and what the message says. The
scan (hourly, `scan_deadlines_task`) finds, through the (status, due_on) index, the rows whose
deadline reached a stage not yet told, and tells each event once:

- soon — due within SOON_DAYS working days: the owner;
- overdue — the due date has passed: the owner and the station head;
- escalated — overdue by JUNJIA_ESCALATE_AFTER_DAYS working days: also the heads above;
- opening — for a watch with `opens_field` (a window that opens before it is due, such as a
  visit window): the window opens within SOON_DAYS working days.

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

SOON, OVERDUE, ESCALATED, OPENING = "soon", "overdue", "escalated", "opening"
KINDS = (SOON, OVERDUE, ESCALATED)
SOON_DAYS = 2  # working days ahead that count as "due soon"
BATCH = 500


def escalate_after() -> int:
    """Working days overdue after which the level above is told (settings, default 3)."""
    return int(getattr(settings, "JUNJIA_ESCALATE_AFTER_DAYS", 3))


def due_phrase(due: dt.date, kind: str) -> str:
    """How a notification says where a deadline stands, the same for every workflow."""
    if kind == SOON:
        return f"将于 {due:%m月%d日} 到期"
    if kind == OVERDUE:
        return f"已超期（期限 {due:%m月%d日}）"
    return f"已超期 {escalate_after()} 个工作日以上（期限 {due:%m月%d日}），请督办"


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
    # The due date's column (a visit window's last day may be named otherwise), rows that are
    # running but not watched (a campaign not yet out), and a window's first day: told once
    # when it opens within SOON_DAYS working days (OPENING; its event keeps that date).
    due_field: str = "due_on"
    where: models.Q | None = None
    opens_field: str = ""
    # digest(rows, kind, people) -> [(users, text, link)]: one message for several rows
    # (a station's forty people due), instead of one per row
    digest: Callable[[list, str, dict], list] | None = None

    def running(self) -> models.QuerySet:
        field = self.workflow.status_field
        rows = self.model.objects.filter(**{f"{field}__in": self.workflow.running})
        return rows.filter(self.where) if self.where is not None else rows

    def kinds(self) -> tuple[str, ...]:
        return (*KINDS, OPENING) if self.opens_field else KINDS


_WATCHES: dict[str, Watch] = {}


def register(watch: Watch) -> None:
    _WATCHES[watch.workflow.name] = watch


def watches() -> list[Watch]:
    return list(_WATCHES.values())


def _fields(watch: Watch) -> tuple[str, ...]:
    if not watch.only:
        return ()  # .only() with nothing: every field
    opens = (watch.opens_field,) if watch.opens_field else ()
    return (watch.workflow.status_field, watch.due_field, *opens, *watch.only)


def _date_of(watch: Watch, row, kind: str) -> dt.date | None:
    """The date an event of `kind` is about: the window's first day for OPENING, else the
    due date."""
    return getattr(row, watch.opens_field if kind == OPENING else watch.due_field)


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
            due_on=OuterRef(watch.opens_field if kind == OPENING else watch.due_field),
        )
    )


def scan_watch(watch: Watch, today: dt.date, batch: int = BATCH) -> dict[str, int]:
    calendar = WorkingDayCalendar()
    soon = calendar.add_working_days(today, SOON_DAYS)
    late_limit = _nth_working_day_before(calendar, today, escalate_after())
    due_field = watch.due_field
    due = watch.running().filter(**{f"{due_field}__lte": soon})
    # Candidates: rows whose present stage is not told yet, in one read on the index. An
    # escalated row is also overdue: tell both stages once each (never skip the head).
    stages_rows = [
        (SOON, due.filter(**{f"{due_field}__gte": today})),
        (OVERDUE, due.filter(**{f"{due_field}__lt": today})),
        (ESCALATED, due.filter(**{f"{due_field}__lte": late_limit})),
    ]
    if watch.opens_field:  # opening within SOON_DAYS working days, not yet open
        window = {f"{watch.opens_field}__gt": today, f"{watch.opens_field}__lte": soon}
        stages_rows.append((OPENING, watch.running().filter(**window)))
    candidates = set()
    for kind, rows in stages_rows:
        untold = rows.exclude(_untold(watch, kind)).order_by().values_list("pk", flat=True)
        candidates.update(untold)
    counts = dict.fromkeys(watch.kinds(), 0)
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
            wanted: dict[str, list] = {kind: [] for kind in watch.kinds()}
            for row in rows:
                status = getattr(row, watch.workflow.status_field)
                due_on = getattr(row, due_field)
                if status not in watch.workflow.running or due_on is None:
                    continue  # moved on meanwhile
                for kind in _stages(watch, row, due_on, today, soon, late_limit):
                    if (row.pk, kind, _date_of(watch, row, kind)) not in told:
                        wanted[kind].append(row)
            events, messages = [], []
            for kind, kind_rows in wanted.items():
                if not kind_rows:
                    continue
                people = watch.people(kind_rows, kind)
                if watch.digest is not None:
                    messages.extend(watch.digest(kind_rows, kind, people))
                for row in kind_rows:
                    if watch.digest is None:
                        messages.append(
                            (people.get(row.pk, []), watch.text(row, kind), watch.link(row))
                        )
                    events.append(
                        DeadlineEvent(
                            workflow=watch.workflow.name,
                            object_id=row.pk,
                            kind=kind,
                            due_on=_date_of(watch, row, kind),
                        )
                    )
                counts[kind] += len(kind_rows)
            # The batch's events and notifications: one INSERT each, in the batch's transaction.
            DeadlineEvent.objects.bulk_create(events)
            notifications.notify_many(messages)
    return counts


def _stages(watch: Watch, row, due_on, today, soon, late_limit) -> tuple[str, ...]:
    """The stages a running row has reached today (an escalated row is also overdue)."""
    if due_on <= soon:
        stage = _kind(due_on, today, late_limit)
        return (OVERDUE, ESCALATED) if stage == ESCALATED else (stage,)
    opens = getattr(row, watch.opens_field) if watch.opens_field else None
    if opens is not None and today < opens <= soon:
        return (OPENING,)
    return ()


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

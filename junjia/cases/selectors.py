"""Reads of cases: work lists, deadlines, appointments, callbacks, loops, satisfaction, and the
public pages' slots, guides, appointments and ratings."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from junjia.cases import roles
from junjia.core import clock
from junjia.core.workdays import add_working_days
from junjia.orgs.api import region_scope
from junjia.staffing.api import stand_ins_for

from .choices import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    SATISFIED_LEVELS,
    SOON_DAYS,
    AppointmentStatus,
    CallbackStatus,
    CaseStatus,
    LoopStage,
)
from .models import (
    APPOINTMENT_PHONE,
    CASE_APPLICANT_ID,
    Appointment,
    AppointmentSlot,
    Callback,
    Case,
    Evaluation,
    RectificationLoop,
    ServiceItem,
)
from .permissions import case_scope


def catalogue(level: int | None = None) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.filter(is_active=True, current_version__isnull=False).select_related(
        "current_version"
    )
    items = list(qs.order_by("area", "code"))
    return [i for i in items if level is None or level in i.handling_levels]


def my_work(actor, today: dt.date | None = None) -> QuerySet[Case]:
    """My open cases, and those of anyone I stand in for today (B while A is away); due
    soonest first, then those without a due date."""
    today = today or clock.today()
    owners = [actor.pk, *stand_ins_for(actor, today)]
    return (
        Case.objects.filter(case_scope(actor), owner_id__in=owners, status__in=OPEN_STATUSES)
        .select_related("item_version__item", "owner")
        .order_by(F("due_on").asc(nulls_last=True), "created_at")
    )


def deadline_watch(actor, today: dt.date | None = None) -> dict:
    """Cases due within 2 working days, and overdue ones, in the actor's jurisdiction."""
    today = today or clock.today()
    soon = add_working_days(today, SOON_DAYS)
    base = Case.objects.filter(case_scope(actor), status__in=CLOCK_STATUSES).select_related(
        "item_version__item", "owner"
    )
    return {
        "overdue": list(base.filter(due_on__lt=today).order_by("due_on")[:200]),
        "due_soon": list(base.filter(due_on__gte=today, due_on__lte=soon).order_by("due_on")[:200]),
    }


def deadline_counts(actor, today: dt.date | None = None) -> dict:
    """How many cases of the actor's jurisdiction are overdue and due within 2 working days
    (the lists deadline_watch gives, counted in one query; not capped)."""
    today = today or clock.today()
    soon = add_working_days(today, SOON_DAYS)
    return Case.objects.filter(
        case_scope(actor), status__in=CLOCK_STATUSES, due_on__lte=soon
    ).aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        due_soon=Count("pk", filter=Q(due_on__gte=today)),
    )


def slots_for(station, start: dt.date, days: int = 14) -> QuerySet[AppointmentSlot]:
    return AppointmentSlot.objects.filter(
        station=station, date__gte=start, date__lt=start + dt.timedelta(days=days)
    ).order_by("date", "start")


def open_slot_counts(stations: list, start: dt.date, days: int) -> dict[int, int]:
    """Slots from `start` for `days` days that still have places, per station id."""
    rows = (
        AppointmentSlot.objects.filter(
            station__in=stations,
            date__gte=start,
            date__lt=start + dt.timedelta(days=days),
            booked__lt=F("capacity"),
        )
        .values("station_id")
        .annotate(n=Count("id"))
    )
    return {row["station_id"]: row["n"] for row in rows}


def station_slots(station) -> QuerySet[AppointmentSlot]:
    """Every slot of the station: what a booking form may accept (the form's own check)."""
    return AppointmentSlot.objects.filter(station=station)


def slots_by_pk(pks: list[int]) -> QuerySet[AppointmentSlot]:
    return AppointmentSlot.objects.filter(pk__in=pks)


def appointment_by_pk(pk) -> Appointment | None:
    """One appointment with its slot, station, region and item (the public pages hold its pk
    in the session once the person has proved the booking code and identity number)."""
    return Appointment.objects.filter(pk=pk).select_related("slot__station__region", "item").first()


def appointment_phone(appointment: Appointment) -> str:
    """The booked mobile number, decrypted, for the SMS that confirms a change."""
    return APPOINTMENT_PHONE.open(appointment)


def published_item(code: str) -> ServiceItem | None:
    """An active item with a published version, for its public guide."""
    return (
        ServiceItem.objects.filter(code=code, is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .first()
    )


def is_rated(case: Case) -> bool:
    return Evaluation.objects.filter(case=case).exists()


@dataclass(frozen=True)
class PublicStep:
    on: dt.date
    label: str


@dataclass(frozen=True)
class CaseProgress:
    """What the public progress query shows of a case: nothing that names anyone."""

    status: str
    item_name: str
    station_name: str
    steps: tuple[PublicStep, ...]


def case_progress(number: str, id_number: str) -> CaseProgress | None:
    """The public progress of the case with this number (办件进度查询), for the person whose
    identity number it was opened with: its status, item, station and the dated changes of
    status. None when the number is unknown, the identity number is not the case's, or the
    case holds none: one answer, so a guess learns nothing. The number is compared through
    the blind index the case (or its file) stores; nothing is decrypted."""
    from junjia.core.personal import IdNumberError, parse_id_number

    try:
        value = parse_id_number(id_number).value
    except IdNumberError:
        return None
    index = CASE_APPLICANT_ID.lookup(value)  # the same index as a file's (core.personal)
    case = (
        Case.objects.filter(number=number.strip())
        .filter(Q(applicant_id_index=index) | Q(recipient__id_index=index))
        .select_related("item_version__item", "station")
        .first()
    )
    if case is None:
        return None
    # Only changes of status: the remarks and the steps that leave the status as it was
    # (an extension asked for, a doorstep record) are the staff's working notes.
    changes = case.steps.exclude(from_status=F("to_status")).order_by("at", "id")
    return CaseProgress(
        status=CaseStatus(case.status).label,
        item_name=case.item_version.item.name,
        station_name=case.station.name,
        steps=tuple(
            PublicStep(on=timezone.localdate(at), label=CaseStatus(to).label)
            for at, to in changes.values_list("at", "to_status")
        ),
    )


def appointments_on(actor, day: dt.date) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(region_scope(actor, roles.APPOINTMENTS), slot__date=day)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("slot", "item")
        .order_by("slot__start", "id")
    )


def callback_ledger(actor) -> QuerySet[Callback]:
    return (
        Callback.objects.filter(region_scope(actor, roles.CALLBACK))
        .select_related("case", "case__item_version__item", "owner")
        .order_by(F("done_at").desc(nulls_first=True), "due_on")
    )


def open_loops(actor) -> QuerySet[RectificationLoop]:
    return (
        RectificationLoop.objects.filter(region_scope(actor, roles.VIEW))
        .exclude(stage=LoopStage.CLOSED)
        .select_related("evaluation__case", "owner")
        .order_by("due_on")
    )


def satisfaction(actor, *, by: str, since: dt.date | None = None) -> list[dict]:
    """Satisfaction rate grouped by station, item, clerk or month (satisfied = 满意 or better)."""
    group = {
        "station": ("case__station__name",),
        "item": ("item__name",),
        "clerk": ("owner__full_name", "owner__username"),
        "month": ("month",),
    }[by]
    qs = Evaluation.objects.filter(region_scope(actor, roles.ANALYSIS))
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if by == "month":
        qs = qs.annotate(month=TruncMonth("created_at"))
    rows = (
        qs.values(*group)
        .annotate(total=Count("id"), satisfied=Count("id", filter=Q(score__in=SATISFIED_LEVELS)))
        .order_by(*group)
    )
    result = []
    for row in rows:
        label = row[group[0]] or (row.get(group[1]) if len(group) > 1 else "")
        if by == "month" and label:
            label = f"{label:%Y-%m}"
        result.append(
            {
                "label": str(label),
                "total": row["total"],
                "satisfied": row["satisfied"],
                "rate": round(row["satisfied"] * 100 / row["total"], 1) if row["total"] else None,
            }
        )
    return result


def callbacks_due(actor) -> QuerySet[Callback]:
    return callback_ledger(actor).filter(status=CallbackStatus.DUE)


def recipient_timeline(recipient, actor) -> list[dict]:
    """The person's cases, for the registry profile's 服务记录 (what the actor may see)."""
    cases = (
        Case.objects.filter(case_scope(actor), recipient=recipient)
        .select_related("item_version__item")
        .order_by("-created_at")[:50]
    )
    return [
        {
            "at": case.created_at,
            "title": f"办件 {case.number}：{case.item_version.item.name}",
            "detail": case.get_status_display() + (f"，{case.result}" if case.result else ""),
            "link": f"/cases/{case.pk}/",
        }
        for case in cases
    ]


def cases_from_source(actor, source_ref: str) -> list[dict]:
    """The cases another module opened from one of its records (Case.source_ref), those the
    actor may see: number, item, status in words and the case's page."""
    cases = (
        Case.objects.filter(case_scope(actor), source_ref=source_ref)
        .select_related("item_version__item")
        .order_by("created_at")
    )
    return [
        {
            "pk": case.pk,
            "number": case.number,
            "item": case.item_version.item.name,
            "status": case.get_status_display(),
            "link": reverse("cases:case_detail", kwargs={"pk": case.pk}),
        }
        for case in cases
    ]


# Where a case's source reference points: the module's page of the record (by URL name).
SOURCE_PAGES = {"visits": "visits:visit_detail"}


def source_link(case: Case) -> str:
    """The page of the record a case came from ("" when unknown)."""
    module, _, pk = case.source_ref.partition(":")
    name = SOURCE_PAGES.get(module)
    return reverse(name, kwargs={"pk": int(pk)}) if name and pk.isdigit() else ""

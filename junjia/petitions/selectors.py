"""Reads of petitions: the work list (scoped, content marked per row), one petition's steps,
the handler's to-do rows. Every list applies permissions.petition_scope."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from junjia.orgs.api import has_capability, jurisdiction_of
from junjia.staffing.api import stand_ins_for

from . import roles
from .choices import PetitionStatus
from .models import PETITIONER_ID, Petition, PetitionStep
from .permissions import NO_ROWS, petition_scope, with_readable
from .workflow import PETITION_WORKFLOW

RUNNING = tuple(PETITION_WORKFLOW.running | PETITION_WORKFLOW.paused)


def mine(actor, day: dt.date) -> Q:
    """What waits for this actor: hers as first handler (or as B of one away), hers as the
    leader, and what waits to be taken up at her station."""
    if jurisdiction_of(actor) is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    owners = [actor.pk, *stand_ins_for(actor, day)]
    waiting = Q(owner__isnull=True, handling_station_id=actor.station_id) & Q(
        status__in=(PetitionStatus.HANDED_DOWN, PetitionStatus.ESCALATED)
    )
    if not has_capability(actor, roles.TAKE):
        waiting = NO_ROWS
    return Q(owner_id__in=owners) | Q(leader_id=actor.pk) | waiting


def work_list(
    actor, *, day: dt.date, status: str = "", only_mine: bool = False, number: str = ""
) -> QuerySet[Petition]:
    """Petitions within reach, open ones soonest due first, each marked `readable`."""
    qs = Petition.objects.filter(petition_scope(actor))
    if only_mine:
        qs = qs.filter(mine(actor, day), status__in=RUNNING)
    if status in PetitionStatus.values:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number__startswith=number.strip().upper())
    return (
        with_readable(qs, actor)
        .select_related("handling_station", "owner")
        .order_by("due_on", "-received_on", "-id")
    )


def todo_rows(actor, day: dt.date) -> QuerySet[Petition]:
    return (
        Petition.objects.filter(petition_scope(actor), mine(actor, day), status__in=RUNNING)
        .select_related("handling_station")
        .order_by("due_on", "pk")
    )


def steps_of(petition: Petition) -> list[PetitionStep]:
    return list(petition.steps.select_related("actor").order_by("at", "id"))


def repeats_of(petition: Petition) -> list[Petition]:
    return list(petition.repeats.select_related("station").order_by("id"))


# --- the petitioner's progress query on the portal (001 附件第七部分 五(一)) ------------------


@dataclass(frozen=True)
class PublicStep:
    on: dt.date
    label: str


@dataclass(frozen=True)
class PetitionProgress:
    number: str
    received_on: dt.date
    status: str
    station_name: str
    steps: tuple[PublicStep, ...]


def petition_progress(query_code: str, id_number: str) -> PetitionProgress | None:
    """The status and dated changes of status of the one petition with this query code, for
    the person whose identity number it was registered with; None for any mismatch — one
    answer, so a guess learns nothing, and nothing about the person's other petitions or
    file. Compared through the stored blind index; nothing is decrypted."""
    from junjia.core.personal import IdNumberError, parse_id_number

    try:
        value = parse_id_number(id_number).value
    except IdNumberError:
        return None
    petition = (
        Petition.objects.filter(PETITIONER_ID.matching(value), query_code=query_code)
        .select_related("handling_station")
        .first()
    )
    if petition is None:
        return None
    # Changes of status only: remarks and same-status steps are the staff's working notes.
    changes = petition.steps.exclude(from_status=F("to_status")).order_by("at", "id")
    return PetitionProgress(
        number=petition.number,
        received_on=petition.received_on,
        status=PetitionStatus(petition.status).label,
        station_name=petition.handling_station.name,
        steps=tuple(
            PublicStep(on=timezone.localdate(at), label=PetitionStatus(to).label)
            for at, to in changes.values_list("at", "to_status")
        ),
    )

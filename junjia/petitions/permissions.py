"""Who may see petitions, and who may read what they say (issue 15 "A petition's content is
restricted"). Everyone whose jurisdiction reaches a petition's region (petitions.view) sees
that it exists — number, date, status; its content only its handlers (whoever registered it,
took it up or owns it as leader; the first handler's B while they are away), their heads and
the jurisdiction's leaders (petitions.content). Each rule is here twice: a check for one
petition and a queryset filter for lists, counts and the API."""

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from junjia.core.clock import today
from junjia.orgs.api import can_reach, has_capability, jurisdiction_of, region_scope
from junjia.staffing.api import handler_ids, stand_ins_for

from . import roles
from .choices import PetitionStatus
from .models import Petition, PetitionHandler

NO_ROWS = Q(pk__in=[])
# Handed down or escalated to a station, waiting there to be taken up: its staff who may
# take it up read it first (they are its next handlers).
WAITING = (PetitionStatus.HANDED_DOWN, PetitionStatus.ESCALATED)
NOT_FOUND = "未找到该信访件，或不在您的辖区内。"


def petition_scope(actor) -> Q:
    """That a petition exists: within the actor's jurisdiction."""
    return region_scope(actor, roles.VIEW)


def can_view_petition(actor, petition: Petition) -> bool:
    return can_reach(actor, roles.VIEW, petition.region_key)


def content_scope(actor) -> Q:
    """Petitions whose content the actor may read: the same rule as can_read_content."""
    if jurisdiction_of(actor) is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    handled = Exists(PetitionHandler.objects.filter(petition=OuterRef("pk"), user_id=actor.pk))
    mine = Q(handled) | Q(leader_id=actor.pk) | Q(owner_id=actor.pk)
    covered = stand_ins_for(actor, today())  # first handlers away whose B the actor is
    if covered:
        mine |= Q(owner_id__in=covered)
    if actor.station_id and has_capability(actor, roles.TAKE):
        mine |= Q(owner__isnull=True, status__in=WAITING, handling_station_id=actor.station_id)
    return petition_scope(actor) & (region_scope(actor, roles.CONTENT) | mine)


def can_read_content(actor, petition: Petition) -> bool:
    if not can_view_petition(actor, petition):
        return False
    if can_reach(actor, roles.CONTENT, petition.region_key):
        return True
    if actor.pk == petition.leader_id:
        return True
    if petition.owner_id and actor.pk in handler_ids(petition.owner_id, today()):
        return True
    if waits_for(actor, petition):
        return True
    return PetitionHandler.objects.filter(petition=petition, user_id=actor.pk).exists()


def with_readable(queryset: QuerySet, actor) -> QuerySet:
    """Each row annotated `readable`: whether the actor may read its content (one query)."""
    return queryset.annotate(
        readable=Case(
            When(content_scope(actor), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def get_petition_for_actor(actor, pk) -> Petition:
    """A petition the actor may see exists, or 404 (never reveal it exists elsewhere)."""
    petition = (
        Petition.objects.filter(petition_scope(actor), pk=pk)
        .select_related("station", "handling_station", "owner", "leader", "recipient")
        .first()
    )
    if petition is None:
        raise Http404(NOT_FOUND)
    return petition


def waits_for(actor, petition: Petition) -> bool:
    """Handed down or escalated to the actor's station and not yet taken up there."""
    return (
        petition.owner_id is None
        and petition.status in WAITING
        and bool(actor.station_id)
        and petition.handling_station_id == actor.station_id
        and has_capability(actor, roles.TAKE)
    )


def is_current_handler(actor, petition: Petition) -> bool:
    """首办负责制: the first handler, their B while they are away, and the named leader."""
    if petition.leader_id and actor.pk == petition.leader_id:
        return True
    return bool(petition.owner_id) and actor.pk in handler_ids(petition.owner_id, today())


def can_supervise(actor, petition: Petition) -> bool:
    """The handling unit's head, or a head above it: extension, leader, handling for them."""
    return can_reach(actor, roles.SUPERVISE, petition.handling_station.region_key)

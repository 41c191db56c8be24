"""What visits put on a clerk's home page (core.todo): the people she is responsible for
visiting in a campaign whose window has opened — her station's, at her level — due by the
window's last day, overdue once it has passed (issue 13: "the clerk's to-do shows her visits
due"); and the people an event recorded for them (六必访) makes due, at her level, by the
event's time limit."""

from django.db.models import F
from django.urls import reverse

from junjia.core.todo import MINE, WorkflowQueue
from junjia.orgs.api import has_capability, jurisdiction_of

from . import roles
from .choices import CampaignStatus, MemberState
from .models import CampaignMember, VisitEvent
from .permissions import event_scope, member_scope
from .workflow import EVENT_WORKFLOW, MEMBER_WORKFLOW

LIVE = (CampaignStatus.GENERATED, CampaignStatus.OPEN)


def visits_due(actor, today):
    """Members due at the actor's own level within her reach, window open, soonest closing
    first."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.RECORD):
        return CampaignMember.objects.none()
    return (
        CampaignMember.objects.filter(
            member_scope(actor),
            responsible_level=juris.level,
            visit_state=MemberState.DUE,
            still_due=True,
            campaign__status__in=LIVE,
            opens__lte=today,
        )
        .annotate(due_on=F("closes"))
        .select_related("recipient", "campaign")
        .order_by("closes", "pk")
    )


def _title(member) -> str:
    return f"{member.recipient.name}（{member.recipient.id_masked}）· {member.campaign.name}"


def _link(member) -> str:
    return reverse(
        "visits:visit_new_member", kwargs={"pk": member.campaign_id, "member": member.pk}
    )


def events_due(actor, today):
    """Events with a visit due at the actor's own level within her reach, soonest limit
    first (the window opens on the event's day, never after today)."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.RECORD):
        return VisitEvent.objects.none()
    return (
        VisitEvent.objects.filter(
            event_scope(actor),
            responsible_level=juris.level,
            visit_state=MemberState.DUE,
        )
        .annotate(due_on=F("closes"))
        .select_related("recipient")
        .order_by("closes", "pk")
    )


def _event_title(event) -> str:
    person = f"{event.recipient.name}（{event.recipient.id_masked}）"
    return f"{person} · {event.get_kind_display()}（{event.occurred_on:%Y-%m-%d}）"


def _event_link(event) -> str:
    return reverse("visits:visit_new", kwargs={"recipient": event.recipient_id})


QUEUES = (
    WorkflowQueue(MEMBER_WORKFLOW, "走访", MINE, rows=visits_due, title=_title, link=_link),
    WorkflowQueue(
        EVENT_WORKFLOW, "事件走访", MINE, rows=events_due, title=_event_title, link=_event_link
    ),
)

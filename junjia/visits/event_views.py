"""Staff pages of events that make a visit due (走访事件, 六必访: 001 第二十七条; 002 §5.4):
a clerk records an event for a person within reach (返乡, 立功, 英模, 困难, 重大变故 and
000's key-visit situations); the events of her stations, due first; finding a person to
record one for. The event's visit due is worked out by services.event_record and shown on
the responsible clerk's to-do list (todo.py) until a visit is recorded."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from junjia.core import audit, clock, personal
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, query_without_page, show_refusal
from junjia.orgs.api import Level, can_reach, has_capability, jurisdiction_of
from junjia.registry.api import get_recipient_for_actor, search_recipients

from . import errors, roles, selectors, services
from .visit_forms import EventFilter, EventForm

EVENTS_PAGE = "visits.events"


def due_message(event) -> str:
    """What the clerk is told once an event is recorded."""
    if not event.visit_state:
        return "没有在用的走访规则据此事件安排走访（如类别不符或已去世）。"
    level = Level(event.responsible_level)
    unit = f"{level.label}服务{'中心' if level <= Level.COUNTY else '站'}"
    return f"应由{unit}在 {event.closes:%Y-%m-%d} 前入户走访，已列入待办。"


@login_required
def event_new(request, recipient):
    """Record an event for a person within reach (visits.record)."""
    actor = request.user
    person = get_recipient_for_actor(actor, recipient)
    if not can_reach(actor, roles.RECORD, person.region_key):
        raise PermissionDenied(errors.NOT_RECIPIENT_CLERK)
    form = EventForm(request.POST or None, initial={"occurred_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_record(
                actor=actor,
                recipient=person,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                note=data["note"],
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            label = event.get_kind_display()
            messages.success(request, f"已为{person.name}登记“{label}”。{due_message(event)}")
            return redirect("visits:person_visits", recipient=person.pk)
    return render(request, "visits/event_form.html", {"form": form, "person": person})


@login_required
def event_list(request):
    """The events of the actor's stations (the person's household within reach), due
    first; a search box to find the person an event is recorded for. Audited per page."""
    actor = request.user
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied("您没有查看走访事件的权限。")
    juris = jurisdiction_of(actor)
    if juris is None:
        raise PermissionDenied("您没有查看走访事件的权限。")
    form = EventFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    raw = request.GET.get("station", "")
    filters = {
        "station_key": int(raw) if raw.isdigit() else None,
        "kind": data.get("kind") or "",
        "state": data.get("state") or "due",
    }
    page = paginate(request, selectors.events_for(actor, **filters))
    q = request.GET.get("q", "").strip()
    found = search_recipients(actor, q, limit=20) if q else None
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="visits.visitevent",
        object_repr="走访事件",
        region_key=juris.low,
        extra={
            "page": EVENTS_PAGE,
            "page_no": page.number,
            "filter": filters,
            "q": personal.mask_text(q),
            "found": len(found) if found is not None else None,
        },
    )
    return render(
        request,
        "visits/event_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "stations": selectors.station_names(juris.low, juris.high),
            "q": q,
            "found": found,
            "can_record": has_capability(actor, roles.RECORD),
            "today": clock.today(),
        },
    )

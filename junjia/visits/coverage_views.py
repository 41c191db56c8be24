"""Staff pages of coverage (覆盖情况, issue 13 "Ledgers and coverage"): the campaigns with the
reader's coverage; one campaign's coverage drilled down region by region to the village
station and the people not yet visited (masked, every page audited); contact coverage
(联系全覆盖, 003 第41项); naming a person's responsible contact. Counts come from the table
coverage.refresh keeps (never more than a minute old), with the time they were counted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from junjia.core import clock
from junjia.core.errors import DomainError, NotPermitted
from junjia.core.pages import paginate
from junjia.orgs.api import Level, can_reach, has_capability
from junjia.registry.api import get_recipient_for_actor

from . import errors, roles, selectors, services
from .campaign_views import record_members_view
from .choices import CampaignStatus
from .permissions import can_set_contact, get_campaign_for_actor
from .recording import eligible_visitors

NOT_A_READER = "您没有查看走访覆盖情况的权限。"
PEOPLE_PAGE = "visits.coverage_people"


def _require_reader(actor) -> None:
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied(NOT_A_READER)


def chart_data(drill, link: str, label: str) -> dict:
    """What coverage.js draws: one bar per child region, its rate, and where a click goes."""
    rows = [c for c in drill.children if not c.direct]
    return {
        "labels": [c.name for c in rows],
        "rates": [c.rate for c in rows],
        "links": [f"{link}?region={c.code}" for c in rows],
        "label": label,
    }


@login_required
def coverage_index(request):
    actor = request.user
    _require_reader(actor)
    campaigns = selectors.campaigns_for(actor).exclude(status=CampaignStatus.DRAFT)
    page = paginate(request, campaigns)
    page.object_list = selectors.campaigns_coverage(actor, page.object_list)
    return render(request, "visits/coverage_index.html", {"page": page})


@login_required
def campaign_coverage(request, pk):
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    drill = selectors.campaign_coverage(actor, campaign, request.GET.get("region", "").strip())
    people = request.GET.get("people", "")
    leaf = not drill.children
    page = None
    if leaf or people in ("all", "direct"):
        found = selectors.not_yet_visited(actor, campaign, drill, direct=people == "direct")
        page = paginate(request, found)
        record_members_view(actor, campaign, drill.node.key, page.number, page=PEOPLE_PAGE)
        for member in page.object_list:
            member.can_record = can_reach(actor, roles.RECORD, member.region_key)
    link = reverse("visits:campaign_coverage", kwargs={"pk": campaign.pk})
    query = f"region={drill.node.code}" + (f"&people={people}" if people and not leaf else "")
    return render(
        request,
        "visits/coverage_campaign.html",
        {
            "campaign": campaign,
            "drill": drill,
            "chart": chart_data(drill, link, "覆盖率"),
            "page": page,
            "people": people if not leaf else "all",
            "query": query,
            "child_level": _child_level(drill),
            "today": clock.today(),
        },
    )


def _child_level(drill) -> str:
    levels = {c.level for c in drill.children if not c.direct}
    return Level(min(levels)).label if len(levels) == 1 else "下级区划"


@login_required
def contact_coverage(request):
    actor = request.user
    _require_reader(actor)
    drill = selectors.contact_coverage(actor, request.GET.get("region", "").strip())
    link = reverse("visits:contact_coverage")
    return render(
        request,
        "visits/coverage_contact.html",
        {
            "drill": drill,
            "chart": chart_data(drill, link, "联系达标率"),
            "child_level": _child_level(drill),
        },
    )


@login_required
@require_POST
def contact_set(request, recipient):
    """Name the person's responsible contact (from the person's visits page)."""
    actor = request.user
    _require_reader(actor)
    person = get_recipient_for_actor(actor, recipient)
    if not can_set_contact(actor, person):
        raise PermissionDenied(errors.NOT_CONTACT_SETTER)
    back = reverse("visits:person_visits", kwargs={"recipient": person.pk}) + "#contact"
    raw = request.POST.get("staff", "").strip()
    staff = None
    if raw:
        staff = eligible_visitors(person).filter(pk=int(raw)).first() if raw.isdigit() else None
        if staff is None:
            messages.error(request, "联系责任人：请从列表中选择一名工作人员，或填写姓名。")
            return redirect(back)
    try:
        services.contact_assign(
            actor=actor, recipient=person, staff=staff, name=request.POST.get("name", "")
        )
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, f"联系责任人：{exc}")
    else:
        messages.success(request, f"已为{person.name}指定联系责任人。")
    return redirect(back)


def contact_context(actor, person) -> dict:
    """The person page's 联系责任人 part: who it is, and the staff one may choose."""
    can_set = can_set_contact(actor, person)
    return {
        "contact": selectors.contact_of(person),
        "can_set_contact": can_set,
        "contact_staff": list(eligible_visitors(person)[:100]) if can_set else [],
    }

"""Staff pages of the campaigns (走访计划): the list, generating one (county level and
above, with presets for 春节, 八一 and 烈士纪念日), a campaign with its counts per station and
the members of one station (names and masked identity numbers, audited), re-generating,
opening and closing it, and reassigning a person's responsible level."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from junjia.core import audit, clock
from junjia.core.errors import DomainError, NotPermitted
from junjia.core.models import AuditAction
from junjia.core.pages import paginate, show_refusal
from junjia.core.workflow import available
from junjia.orgs.api import Level, can_reach, has_capability, jurisdiction_of

from . import assignment, errors, roles, selectors, services
from .choices import CampaignStatus, MemberState
from .evaluation import Period, festival_windows
from .forms import AssignForm, CampaignForm, ReassignForm
from .permissions import (
    can_assign,
    can_make_campaigns,
    can_manage_campaign,
    can_reassign,
    get_campaign_for_actor,
    get_member_for_actor,
    workflow_can,
)
from .workflow import CAMPAIGN_WORKFLOW

NOT_A_READER = "您没有查看走访计划的权限。"
# 期间预设: the seed rule each festival's campaign is generated from (rules.SEED_RULES).
PRESETS = {
    "spring": ("spring-festival", "春节走访慰问"),
    "army": ("army-day", "“八一”走访慰问"),
    "martyrs": ("martyrs-day", "烈士纪念日走访慰问"),
}
MEMBERS_PAGE = "visits.campaign_members"

# What the head is told after moving a campaign on (the status labels read badly after 计划已).
MOVED = {CampaignStatus.OPEN: "已开始走访。", CampaignStatus.CLOSED: "走访计划已结束。"}


def _require_reader(actor) -> None:
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied(NOT_A_READER)


@login_required
def campaign_list(request):
    actor = request.user
    _require_reader(actor)
    return render(
        request,
        "visits/campaign_list.html",
        {
            "campaigns": selectors.with_members_in_reach(actor, selectors.campaigns_for(actor)),
            "can_add": can_make_campaigns(actor),
        },
    )


def preset_initial(rules: dict, preset: str) -> dict:
    """Name, period and rule of the next festival (its window from the rule's current
    version: Spring Festival from the lunar calendar)."""
    code, title = PRESETS[preset]
    rule = rules.get(code)
    if rule is None:
        return {}
    today = clock.today()
    span = Period(today, today.replace(year=today.year + 1))
    upcoming = [w for w in festival_windows(rule.current_version, span) if w[1] >= today]
    if upcoming:
        opens, closes = min(upcoming)
        return {
            "name": f"{closes.year}年{title}",
            "period_start": opens,
            "period_end": closes,
            "rules": [code],
        }
    return {}


@login_required
def campaign_new(request):
    actor = request.user
    if not can_make_campaigns(actor):
        raise PermissionDenied(errors.NOT_CAMPAIGN_MAKER)
    rules = {r.code: r for r in selectors.rules_for(actor)}
    preset = request.GET.get("preset", "")
    initial = preset_initial(rules, preset) if preset in PRESETS else {}
    form = CampaignForm(request.POST or None, initial=initial, rules=rules.values())
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=actor, **campaign_input(form.cleaned_data))
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, f"已创建“{campaign.name}”，正在后台生成名单。")
            return redirect("visits:campaign_detail", pk=campaign.pk)
    presets = [(key, title) for key, (code, title) in PRESETS.items() if code in rules]
    return render(request, "visits/campaign_form.html", {"form": form, "presets": presets})


def campaign_input(data: dict) -> dict:
    """The form's or the API's cleaned input as campaign_create's arguments."""
    return {
        "name": data["name"],
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "rule_codes": data["rules"],
    }


def _station_key(request, stations: list[dict]) -> int | None:
    # Only a station the reader sees among the campaign's stations: any other key (unknown,
    # or outside the reader's area) shows no list rather than an unnamed empty one.
    raw = request.GET.get("station", "")
    if raw.isdigit():
        key = int(raw)
        return key if any(s["station_key"] == key for s in stations) else None
    if len(stations) == 1:  # a village clerk: her station's members straight away
        return stations[0]["station_key"]
    return None


@login_required
def campaign_detail(request, pk):
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    stations = selectors.station_counts(actor, campaign)
    # Her share is the sum of her stations' counts (the same scope): no second count.
    in_reach = sum(s["members"] for s in stations)
    campaign.in_reach = in_reach if selectors.sees_part_of(actor, campaign) else None
    station_key = _station_key(request, stations)
    page = None
    if station_key is not None:
        page = paginate(request, selectors.members_of(actor, campaign, station_key=station_key))
        record_members_view(actor, campaign, station_key, page.number)
    reasons = selectors.campaign_reasons(campaign)
    if page is not None:
        for member in page.object_list:
            member.reason_names = [
                reasons.get(r["rule"], {}).get("name", r["rule"]) for r in member.reasons
            ]
            member.can_reassign = can_reassign(actor, member)
            member.can_record = can_reach(actor, roles.RECORD, member.region_key)
            member.can_assign = (
                campaign.status != CampaignStatus.CLOSED
                and member.visit_state == MemberState.DUE
                and can_assign(actor, member)
            )
    assigning = page is not None and any(m.can_assign for m in page.object_list)
    juris = jurisdiction_of(actor)
    levels = []
    if juris and juris.level < Level.VILLAGE and has_capability(actor, roles.CAMPAIGNS):
        levels = [lv for lv in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE) if lv >= juris.level]
    return render(
        request,
        "visits/campaign_detail.html",
        {
            "campaign": campaign,
            "stations": stations,
            "totals": {
                key: sum(s[key] for s in stations)
                for key in ("members", "visited", "county", "township", "village")
            }
            if len(stations) > 1
            else None,
            "station_key": station_key,
            "station_name": next(
                (s["name"] for s in stations if s["station_key"] == station_key), ""
            ),
            "page": page,
            "query": f"station={station_key}" if station_key is not None else "",
            "reasons": reasons,
            "manage": can_manage_campaign(actor, campaign)
            and campaign.status != CampaignStatus.CLOSED,
            "steps": [
                (to, t.action)
                for to, t in available(CAMPAIGN_WORKFLOW, campaign, actor, can=workflow_can)
                if to != CampaignStatus.GENERATED
            ],
            "history": campaign.steps.select_related("actor"),
            "levels": [(lv, Level(lv).label) for lv in levels],
            "assign_form": AssignForm(visitors=assignment.staff_visitors(actor))
            if assigning
            else None,
            "grouped": len({s["group_key"] for s in stations}) > 1,
        },
    )


def record_members_view(
    actor, campaign, station_key: int | None, number: int, page: str = MEMBERS_PAGE
) -> None:
    """One audit row per page of members shown (names and masked identity numbers)."""
    juris = jurisdiction_of(actor)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=campaign,
        region_key=juris.low if juris else campaign.region_key,
        extra={"page": page, "station": station_key, "page_no": number},
    )


def _campaign_action(request, pk, act, done: str):
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    if not can_manage_campaign(actor, campaign):
        raise PermissionDenied(errors.NOT_CAMPAIGN_MAKER)
    try:
        act(actor, campaign)
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("visits:campaign_detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_regenerate(request, pk):
    return _campaign_action(
        request,
        pk,
        lambda actor, c: services.campaign_regenerate(actor=actor, campaign=c),
        "已开始重新生成名单：新增符合条件的人员，移出不再符合且尚未走访的人员。",
    )


@login_required
@require_POST
def campaign_move(request, pk):
    to = request.POST.get("to", "")
    if to not in (CampaignStatus.OPEN, CampaignStatus.CLOSED):
        raise Http404("未知的操作。")
    return _campaign_action(
        request,
        pk,
        lambda actor, c: services.campaign_move(
            actor=actor, campaign=c, to=to, remark=request.POST.get("remark", "")
        ),
        MOVED[to],
    )


@login_required
@require_POST
def member_reassign(request, pk, member):
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    found = get_member_for_actor(actor, campaign, member)
    if not can_reassign(actor, found):
        raise PermissionDenied(errors.NOT_REASSIGNER)
    back = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    back += f"?station={found.station_key}#members"
    form = ReassignForm(request.POST)
    if not form.is_valid():
        name, problems = next(iter(form.errors.items()))
        label = f"{form.fields[name].label}，" if name in form.fields else ""
        who = found.recipient.name
        messages.error(request, f"调整{who}的责任层级未成功：{label}{problems[0]}")
        return redirect(back)
    try:
        services.member_reassign(
            actor=actor,
            member=found,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        level = Level(form.cleaned_data["level"]).label
        messages.success(request, f"已将{found.recipient.name}改由{level}负责走访。")
    return redirect(back)


@login_required
@require_POST
def member_assign(request, pk):
    """Assign the people ticked on a page of the member list to a visitor, or take them
    back ("unassign"); back to the same station's list with what was done."""
    actor = request.user
    _require_reader(actor)
    campaign = get_campaign_for_actor(actor, pk)
    station = request.POST.get("station", "")
    back = reverse("visits:campaign_detail", kwargs={"pk": campaign.pk})
    back += f"?station={station}#members" if station.isdigit() else "#members"
    ticked = [int(v) for v in request.POST.getlist("members") if v.isdigit()]
    # Only people the reader may see: anything else is "not in the list", never named.
    visible = set(
        selectors.members_of(actor, campaign).filter(pk__in=ticked).values_list("pk", flat=True)
    )
    form = AssignForm(request.POST, members=visible, visitors=assignment.staff_visitors(actor))
    unassign = request.POST.get("action") == "unassign"
    if unassign and "visitor" in form.fields:
        form.fields["visitor"].required = False
    if not form.is_valid():
        name, problems = next(iter(form.errors.items()))
        label = f"{form.fields[name].label}，" if name in form.fields else ""
        messages.error(request, f"分派未成功：{label}{problems[0]}")
        return redirect(back)
    data = form.cleaned_data
    try:
        if unassign:
            done = assignment.member_unassign(actor=actor, members=data["members"])
        else:
            visitor = None
            if data["visitor"] is not None:
                visitor = assignment.staff_visitors(actor).get(pk=data["visitor"])
            done = assignment.member_assign(
                actor=actor,
                members=data["members"],
                visitor=visitor,
                volunteer_name=data["volunteer_name"],
                volunteer_phone=data["volunteer_phone"],
            )
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, f"分派未成功：{exc}")
    else:
        who = "、".join(m.recipient.name for m in done[:5]) + ("等" if len(done) > 5 else "")
        if unassign:
            messages.success(request, f"已取消{who}共 {len(done)} 人的走访分派。")
        else:
            messages.success(request, f"已将{who}共 {len(done)} 人分派给{_visitors_of(done[0])}。")
    return redirect(back)


def _visitors_of(member) -> str:
    names = []
    if member.visitor_id:
        names.append(member.visitor.full_name or member.visitor.username)
    if member.volunteer_id:
        names.append(f"志愿者{member.volunteer.name}")
    return "和".join(names)

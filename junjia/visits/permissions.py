"""Who may see and change visit rules: the jurisdiction kernel on the owner's key range.

A reader sees the national rules, the rules of the regions above their own (which apply to
them) and the rules made within their jurisdiction. County level and above (issue 13) add
rules for their own region and change or retire the rules made within it; the national
rules (the seeds') are the province's to change."""

from django.db.models import Q
from django.http import Http404

from junjia.orgs.api import Level, can_reach, has_capability, jurisdiction_of
from junjia.visits import roles

from .models import CampaignMember, VisitCampaign, VisitRule

NO_ROWS = Q(pk__in=[])


def rule_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not (
        has_capability(actor, roles.VIEW) or has_capability(actor, roles.RULES)
    ):
        return NO_ROWS
    return (
        Q(region_key__isnull=True)
        | Q(region_key__lte=juris.low, region_key_high__gte=juris.low)
        | Q(region_key__gte=juris.low, region_key__lte=juris.high)
    )


def can_make_rules(actor) -> bool:
    """County level and above, holding visits.rules."""
    juris = jurisdiction_of(actor)
    return juris is not None and has_capability(actor, roles.RULES) and juris.level <= Level.COUNTY


def can_manage_rule(actor, rule: VisitRule) -> bool:
    if not can_make_rules(actor):
        return False
    juris = jurisdiction_of(actor)
    if rule.region_key is None:
        return juris.level == Level.PROVINCE
    return juris.contains(rule.region_key)


def get_rule_for_actor(actor, code: str) -> VisitRule:
    """A rule the actor may read, or 404 (never reveal it exists)."""
    rule = (
        VisitRule.objects.filter(rule_scope(actor), code=code)
        .select_related("current_version")
        .first()
    )
    if rule is None:
        raise Http404("未找到该走访慰问规则，或不在您的辖区内。")
    return rule


# --- campaigns ---------------------------------------------------------------------------
# A campaign is seen by everyone whose jurisdiction it covers or lies within; its members
# only within the reader's own subtree (a village clerk: her station's people).


def campaign_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    return Q(region_key__lte=juris.high, region_key_high__gte=juris.low)


def member_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    return Q(region_key__gte=juris.low, region_key__lte=juris.high)


def can_make_campaigns(actor) -> bool:
    """County level and above, holding visits.campaigns (issue 13)."""
    juris = jurisdiction_of(actor)
    return (
        juris is not None and has_capability(actor, roles.CAMPAIGNS) and juris.level <= Level.COUNTY
    )


def can_manage_campaign(actor, campaign: VisitCampaign) -> bool:
    """A campaign maker whose jurisdiction holds the campaign's whole region."""
    if not can_make_campaigns(actor):
        return False
    juris = jurisdiction_of(actor)
    return juris.low <= campaign.region_key and campaign.region_key_high <= juris.high


def can_reassign(actor, member: CampaignMember) -> bool:
    """A station head of a level above the village whose jurisdiction holds the person."""
    juris = jurisdiction_of(actor)
    return (
        juris is not None
        and has_capability(actor, roles.CAMPAIGNS)
        and juris.level < Level.VILLAGE
        and juris.contains(member.region_key)
    )


def workflow_can(actor, capability: str, campaign: VisitCampaign) -> bool:
    """The kernel's permission check for the campaign workflow."""
    return has_capability(actor, capability) and can_manage_campaign(actor, campaign)


def get_campaign_for_actor(actor, pk) -> VisitCampaign:
    """A campaign the actor may read, or 404 (never reveal it exists)."""
    campaign = (
        VisitCampaign.objects.filter(campaign_scope(actor), pk=pk)
        .select_related("job", "created_by")
        .first()
    )
    if campaign is None:
        raise Http404("未找到该走访计划，或不在您的辖区内。")
    return campaign


def get_member_for_actor(actor, campaign: VisitCampaign, pk) -> CampaignMember:
    member = (
        CampaignMember.objects.filter(member_scope(actor), campaign=campaign, pk=pk)
        .select_related("recipient")
        .first()
    )
    if member is None:
        raise Http404("未找到该人员，或不在您的辖区内。")
    return member


def coverage_scope(actor) -> Q:
    """Coverage counts (CoverageCount, ContactCount) of regions within the reader's subtree:
    above her region she sees only her share (the same key range as members)."""
    return member_scope(actor)


def can_set_contact(actor, recipient) -> bool:
    """Naming a recipient's responsible contact (联系责任人): the station that reaches the
    person, holding visits.record (a village clerk for her village's people)."""
    return can_reach(actor, roles.RECORD, recipient.region_key)


# --- visits (走访记录) ----------------------------------------------------------------------
# A visit is seen within the reader's subtree, by the person's household region.


def visit_scope(actor) -> Q:
    return member_scope(actor)


def get_visit_for_actor(actor, pk):
    from .models import Visit

    visit = (
        Visit.objects.filter(visit_scope(actor), pk=pk)
        .select_related("recipient", "campaign", "recorded_by")
        .prefetch_related("visitors", "photos")
        .first()
    )
    if visit is None:
        raise Http404("未找到该走访记录，或不在您的辖区内。")
    return visit


# --- events (走访事件, 六必访) -----------------------------------------------------------------
# An event is seen, like a visit, within the reader's subtree by the person's household region.


def event_scope(actor) -> Q:
    return member_scope(actor)


# --- budget lines (经费来源) -----------------------------------------------------------------
# Seen where they apply (set up above or at the reader's region) and within the jurisdiction;
# set up and retired by county level and above for their own region (visits.rules).


def budget_line_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    return Q(region_key__lte=juris.low, region_key_high__gte=juris.low) | Q(
        region_key__gte=juris.low, region_key__lte=juris.high
    )


def can_keep_budget_lines(actor) -> bool:
    return can_make_rules(actor)


# --- assignment to visitors (走访分派) -------------------------------------------------------
# The responsible station assigns its people: the station at the member's responsible level
# in the person's chain. Its head does; at a village station its clerk too (roles.ASSIGN).


def can_assign(actor, member: CampaignMember) -> bool:
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.ASSIGN):
        return False
    if juris.level != member.responsible_level or not juris.contains(member.region_key):
        return False
    return juris.level == Level.VILLAGE or has_capability(actor, roles.CAMPAIGNS)


def may_assign_here(actor) -> bool:
    """Whether the actor assigns at her station at all (the buttons; can_assign decides
    each person)."""
    juris = jurisdiction_of(actor)
    return (
        juris is not None
        and has_capability(actor, roles.ASSIGN)
        and (juris.level == Level.VILLAGE or has_capability(actor, roles.CAMPAIGNS))
    )


def volunteer_scope(actor) -> Q:
    """Volunteers recorded by stations within the actor's jurisdiction."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.VIEW):
        return NO_ROWS
    return Q(station_key__gte=juris.low, station_key__lte=juris.high)

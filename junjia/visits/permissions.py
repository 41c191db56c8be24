"""Who may see and change visit rules: the jurisdiction kernel on the owner's key range.

A reader sees the national rules, the rules of the regions above their own (which apply to
them) and the rules made within their jurisdiction. County level and above (issue 13) add
rules for their own region and change or retire the rules made within it; the national
rules (the seeds') are the province's to change."""

from django.db.models import Q
from django.http import Http404

from junjia.orgs.api import Level, has_capability, jurisdiction_of
from junjia.visits import roles

from .models import VisitRule

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

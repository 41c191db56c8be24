"""Reads of visits: the rules a user may see (in force first), one rule's versions."""

from django.db.models import QuerySet

from .models import VisitRule, VisitRuleVersion
from .permissions import rule_scope


def rules_for(actor, *, retired: bool = False) -> QuerySet[VisitRule]:
    qs = VisitRule.objects.filter(rule_scope(actor)).select_related("current_version")
    if not retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.order_by("retired_at", "region_key", "code")


def rule_versions(rule: VisitRule) -> QuerySet[VisitRuleVersion]:
    return rule.versions.select_related("published_by").order_by("-number")

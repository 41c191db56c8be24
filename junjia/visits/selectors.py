"""Reads of visits: the rules a user may see (in force first), one rule's versions; the
campaigns a user may see, their counts per station and members per station (scoped)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from junjia.core import clock
from junjia.orgs.api import (
    CodeError,
    Level,
    active_stations,
    jurisdiction_of,
    key_of,
    regions_by_codes,
)

from . import errors
from .choices import MemberState
from .coverage import (
    CONTACT_STALE_AFTER,
    SPAN_OF,
    STALE_AFTER,
    chain,
    code_of,
    contact_target,
    level_of_key,
)
from .models import (
    CampaignMember,
    ContactCount,
    ContactPerson,
    ContactRefresh,
    CoverageCount,
    VisitCampaign,
    VisitRule,
    VisitRuleVersion,
)
from .permissions import campaign_scope, coverage_scope, member_scope, rule_scope


def rules_for(actor, *, retired: bool = False) -> QuerySet[VisitRule]:
    qs = VisitRule.objects.filter(rule_scope(actor)).select_related("current_version")
    if not retired:
        qs = qs.filter(retired_at__isnull=True)
    return qs.order_by("retired_at", "region_key", "code")


def rule_versions(rule: VisitRule) -> QuerySet[VisitRuleVersion]:
    return rule.versions.select_related("published_by").order_by("-number")


def campaigns_for(actor) -> QuerySet[VisitCampaign]:
    return VisitCampaign.objects.filter(campaign_scope(actor)).order_by("-period_start", "-id")


def sees_part_of(actor, campaign: VisitCampaign) -> bool:
    """Whether the actor's jurisdiction is narrower than the campaign's region (she sees
    only her share of its people)."""
    juris = jurisdiction_of(actor)
    return juris is not None and not (
        juris.low <= campaign.region_key and campaign.region_key_high <= juris.high
    )


def with_members_in_reach(actor, campaigns) -> list[VisitCampaign]:
    """The campaigns, each with `in_reach`: how many of its people lie in the actor's
    jurisdiction when that is narrower than the campaign's region (a village clerk sees her
    station's share, not the county's total), else None. One grouped query."""
    campaigns = list(campaigns)
    juris = jurisdiction_of(actor)
    narrower = [c.pk for c in campaigns if sees_part_of(actor, c)]
    counts = {}
    if narrower:
        counts = dict(
            CampaignMember.objects.filter(
                campaign_id__in=narrower, region_key__gte=juris.low, region_key__lte=juris.high
            )
            .values("campaign_id")
            .annotate(n=Count("id"))
            .values_list("campaign_id", "n")
        )
    for campaign in campaigns:
        campaign.in_reach = counts.get(campaign.pk, 0) if campaign.pk in narrower else None
    return campaigns


def campaign_reasons(campaign: VisitCampaign) -> dict[str, dict]:
    """{rule code: {"name", "version", "level"}} of the versions the campaign was made with."""
    return {
        v.rule.code: {"name": v.rule.name, "version": v.number, "level": v.responsible_level}
        for v in campaign.rule_versions.select_related("rule").order_by("rule__code")
    }


def station_counts(actor, campaign: VisitCampaign) -> list[dict]:
    """Per station within the actor's reach: members, visited, and by responsible level;
    with the station's name. One grouped query and one for the names."""
    rows = list(
        CampaignMember.objects.filter(member_scope(actor), campaign=campaign)
        .values("station_key")
        .annotate(
            members=Count("id"),
            visited=Count("id", filter=~Q(visit_state=MemberState.DUE)),
            county=Count("id", filter=Q(responsible_level__lte=Level.COUNTY)),
            township=Count("id", filter=Q(responsible_level=Level.TOWNSHIP)),
            village=Count("id", filter=Q(responsible_level=Level.VILLAGE)),
        )
        .order_by("station_key")
    )
    names = station_names(campaign.region_key, campaign.region_key_high)
    for row in rows:
        row["name"] = names.get(row["station_key"], str(row["station_key"]))
    return rows


def station_names(low: int, high: int) -> dict[int, str]:
    return dict(active_stations(Level.values, within=(low, high)).values_list("region_key", "name"))


def members_of(actor, campaign: VisitCampaign, *, station_key: int | None = None):
    """The members the actor may see, by station and name; with the file's name and the
    masked identity number only."""
    qs = CampaignMember.objects.filter(member_scope(actor), campaign=campaign)
    if station_key is not None:
        qs = qs.filter(station_key=station_key)
    return (
        qs.select_related("recipient")
        .only(
            "id",
            "campaign_id",
            "region_key",
            "station_key",
            "responsible_level",
            "reasons",
            "opens",
            "closes",
            "visit_state",
            "still_due",
            "reassigned_at",
            "recipient__id",
            "recipient__name",
            "recipient__id_masked",
            "recipient__region_key",
        )
        .order_by("station_key", "id")
    )


# --- visits (走访记录) ----------------------------------------------------------------------


def visits_for(actor) -> QuerySet:
    """The visits the actor may see (by the person's household region), newest first."""
    from .models import Visit
    from .permissions import visit_scope

    return (
        Visit.objects.filter(visit_scope(actor))
        .select_related("recipient", "campaign", "recorded_by")
        .prefetch_related("visitors")
        .order_by("-visited_at", "-id")
    )


def ledger(actor, *, station_key=None, start=None, end=None, campaign=None, how="") -> QuerySet:
    """The visit ledger (走访台账): the actor's visits, filtered by station, the day range
    (local dates, inclusive), campaign and way of visiting."""
    qs = visits_for(actor)
    if station_key is not None:
        qs = qs.filter(station_key=station_key)
    if start is not None:
        qs = qs.filter(visited_at__gte=_day_start(start))
    if end is not None:
        qs = qs.filter(visited_at__lt=_day_start(end + dt.timedelta(days=1)))
    if campaign is not None:
        qs = qs.filter(campaign_id=campaign)
    if how:
        qs = qs.filter(how=how)
    return qs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def person_timeline(recipient, actor) -> list[dict]:
    """Every visit of the person the actor may see, for the registry profile's timeline."""
    return [
        {
            "at": v.visited_at,
            "title": f"走访慰问（{v.get_how_display()}）",
            "detail": "，".join(
                p
                for p in (
                    f"接待人：{v.met}",
                    f"慰问金 {v.money_yuan} 元" if v.money_fen else "",
                    v.campaign.name if v.campaign_id else "",
                )
                if p
            ),
            "link": f"/visits/records/{v.pk}/",
        }
        for v in visits_for(actor).filter(recipient=recipient)[:200]
    ]


# --- coverage (覆盖情况; coverage.py refreshes the counts) --------------------------------------


@dataclass
class CoverageRow:
    """One region's line: a campaign's counts (due, visited, overdue) or contact coverage
    (living, with_contact, reached); `direct` for the people registered at the region
    itself rather than in one of its child regions."""

    key: int
    name: str
    level: int
    values: dict
    direct: bool = False

    @property
    def code(self) -> str:
        return code_of(self.key)

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def not_yet(self) -> int:
        return self.values.get("due", 0) - self.values.get("visited", 0)

    @property
    def rate(self) -> float | None:
        """覆盖率 (visited of due), or 联系达标率 (reached of living), in percent."""
        part, whole = ("visited", "due") if "due" in self.values else ("reached", "living")
        return percent(self.values[part], self.values[whole])

    @property
    def contact_rate(self) -> float | None:
        """责任人落实率: living recipients with a named responsible contact."""
        return percent(self.values.get("with_contact", 0), self.values.get("living", 0))


def percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


@dataclass
class Drill:
    top: int
    node: CoverageRow
    path: list[CoverageRow]  # from the reader's top region down to the node
    children: list[CoverageRow]
    stamp: dt.datetime | None
    low: int = 0
    high: int = 0
    extra: dict = field(default_factory=dict)
    stale_after: dt.timedelta = STALE_AFTER
    every: str = "每分钟更新"

    @property
    def stale(self) -> bool:
        return self.stamp is None or timezone.now() - self.stamp > self.stale_after


def _top(actor, low: int, high: int) -> tuple[int, int]:
    """The narrower of the reader's jurisdiction and the range asked (regions nest)."""
    juris = jurisdiction_of(actor)
    return max(low, juris.low), min(high, juris.high)


def _drill(actor, rows_qs, fields, *, low, high, code, stamp) -> Drill:
    """The region `code` (default: the reader's top region) of a counts table, its child
    regions and the path down to it; 404 for a code outside the reader's share."""
    juris = jurisdiction_of(actor)
    if juris is None:
        raise Http404(errors.NO_REGION)
    top_low, top_high = _top(actor, low, high)
    key = top_low
    if code:
        try:
            key = key_of(code)
        except CodeError:
            raise Http404(errors.NO_REGION) from None
    if not top_low <= key <= top_high:
        raise Http404(errors.NO_REGION)
    # The region's row and its children's, each through its own index (an OR of the two
    # reads the reader's whole key range).
    scoped = rows_qs.filter(coverage_scope(actor))
    both = scoped.filter(region_key=key).union(scoped.filter(parent_key=key))
    rows = {r.region_key: r for r in both}
    path_keys = [k for k in chain(key) if k >= top_low]
    child_keys = sorted(k for k, r in rows.items() if r.parent_key == key and k != key)
    names = {
        r.code: r.name for r in regions_by_codes([code_of(k) for k in (*path_keys, *child_keys)])
    }
    if code_of(key) not in names:
        raise Http404(errors.NO_REGION)

    def values(k) -> dict:
        row = rows.get(k)
        return {f: getattr(row, f) if row else 0 for f in fields}

    def line(k, **kw) -> CoverageRow:
        return CoverageRow(k, names.get(code_of(k), code_of(k)), level_of_key(k), values(k), **kw)

    node = line(key)
    children = [line(k) for k in child_keys]
    rest = {f: node.values[f] - sum(c.values[f] for c in children) for f in fields}
    if children and any(rest.values()):
        children.append(CoverageRow(key, f"{node.name}（本级）", node.level, rest, direct=True))
    path = [line(k) if k != key else node for k in path_keys]
    span = SPAN_OF[level_of_key(key)]
    return Drill(top_low, node, path, children, stamp, low=key, high=key + span - 1)


COVERAGE_FIELDS = ("due", "visited", "overdue")
CONTACT_FIELDS = ("living", "with_contact", "reached")


def campaign_coverage(actor, campaign: VisitCampaign, code: str = "") -> Drill:
    """A campaign's coverage for a region of the reader's share: the region, its child
    regions (down to the village station), counted at most a minute ago."""
    return _drill(
        actor,
        CoverageCount.objects.filter(campaign=campaign),
        COVERAGE_FIELDS,
        low=campaign.region_key,
        high=campaign.region_key_high,
        code=code,
        stamp=campaign.coverage_at,
    )


def contact_coverage(actor, code: str = "") -> Drill:
    """Contact coverage (联系全覆盖, 003 第41项) for a region of the reader's jurisdiction."""
    refresh = ContactRefresh.objects.filter(pk=1).first()
    drill = _drill(
        actor,
        ContactCount.objects.all(),
        CONTACT_FIELDS,
        low=0,
        high=10**12 - 1,
        code=code,
        stamp=refresh.computed_at if refresh and refresh.year > 2000 else None,
    )
    drill.stale_after, drill.every = CONTACT_STALE_AFTER, "每五分钟更新"
    drill.extra = {
        "year": refresh.year if refresh and refresh.year > 2000 else clock.today().year,
        "target": refresh.target if refresh and refresh.year > 2000 else contact_target(),
    }
    return drill


def campaigns_coverage(actor, campaigns) -> list[VisitCampaign]:
    """The campaigns, each with `coverage`: the reader's top region's line (one query)."""
    campaigns = list(campaigns)
    juris = jurisdiction_of(actor)
    if juris is None or not campaigns:
        return campaigns
    tops = {c.pk: _top(actor, c.region_key, c.region_key_high)[0] for c in campaigns}
    wanted = Q(pk__in=[])
    for pk, key in tops.items():
        wanted |= Q(campaign_id=pk, region_key=key)
    found = {
        r.campaign_id: r for r in CoverageCount.objects.filter(coverage_scope(actor)).filter(wanted)
    }
    for c in campaigns:
        row = found.get(c.pk)
        values = {f: getattr(row, f) if row else 0 for f in COVERAGE_FIELDS}
        c.coverage = CoverageRow(tops[c.pk], "", level_of_key(tops[c.pk]), values)
    return campaigns


def not_yet_visited(actor, campaign: VisitCampaign, drill: Drill, *, direct: bool = False):
    """The people of the region (only those registered at the region itself, with direct)
    not yet visited, window closing first: names and masked identity numbers only."""
    qs = members_of(actor, campaign).filter(visit_state=MemberState.DUE)
    if direct:
        qs = qs.filter(region_key=drill.node.key)
    else:
        qs = qs.filter(region_key__gte=drill.low, region_key__lte=drill.high)
    return qs.order_by("closes", "id")


def contact_of(recipient):
    """The person's responsible contact (联系责任人), or None."""
    return ContactPerson.objects.filter(recipient=recipient).select_related("staff").first()

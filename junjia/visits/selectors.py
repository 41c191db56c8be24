"""Reads of visits: the rules a user may see (in force first), one rule's versions; the
campaigns a user may see, their counts per station and members per station (scoped)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
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
    # NULLs first on both databases: rules in force before retired ones, and the
    # national (seed) rules, which have no owner region, before a region's own.
    return qs.order_by(
        F("retired_at").asc(nulls_first=True), F("region_key").asc(nulls_first=True), "code"
    )


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
    # The township each station is grouped under, and the place above it by name: two
    # villages may share a name (村A of 甲街道 and of 乙街道).
    stations = {
        s.region_key: s
        for s in active_stations(
            Level.values, within=(campaign.region_key, campaign.region_key_high)
        )
    }
    for row in rows:
        station = stations.get(row["station_key"])
        row["name"] = station.name if station else str(row["station_key"])
        parent = station.region.parent if station else None
        row["parent_name"] = parent.name if parent else ""
        is_village = station is not None and station.region.level == Level.VILLAGE
        row["group"] = parent.name if is_village and parent else row["name"]
        row["group_key"] = parent.key if is_village and parent else row["station_key"]
    rows.sort(key=lambda r: (r["group_key"], r["station_key"]))
    return rows


def station_names(low: int, high: int) -> dict[int, str]:
    return dict(active_stations(Level.values, within=(low, high)).values_list("region_key", "name"))


# What a row of members shows: the person by name and masked number, the window, the state
# and whom the person was given to.
MEMBER_ROW = (
    "id",
    "campaign_id",
    "region_key",
    "station_key",
    "reasons",
    "opens",
    "closes",
    "visit_state",
    "visitor_id",
    "visitor__full_name",
    "visitor__username",
    "volunteer_id",
    "volunteer__name",
    "volunteer__phone_masked",
    "recipient__id",
    "recipient__name",
    "recipient__id_masked",
)


def members_of(actor, campaign: VisitCampaign, *, station_key: int | None = None):
    """The members the actor may see, by station and name; with the file's name and the
    masked identity number only."""
    qs = CampaignMember.objects.filter(member_scope(actor), campaign=campaign)
    if station_key is not None:
        qs = qs.filter(station_key=station_key)
    return (
        qs.select_related("recipient", "visitor", "volunteer")
        .only(
            *MEMBER_ROW,
            "responsible_level",
            "still_due",
            "reassigned_at",
            "reassign_reason",
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


# --- events (走访事件, 六必访) -----------------------------------------------------------------


def events_for(actor, *, station_key=None, kind="", state="due", recipient=None) -> QuerySet:
    """The events the actor may see (the person's household within reach): still due first
    by their time limit, then the newest. state: due, visited, none (no visit due) or all."""
    from .models import VisitEvent
    from .permissions import event_scope

    qs = VisitEvent.objects.filter(event_scope(actor))
    if recipient is not None:
        qs = qs.filter(recipient=recipient)
    if station_key is not None:
        qs = qs.filter(station_key=station_key)
    if kind:
        qs = qs.filter(kind=kind)
    if state == "none":
        qs = qs.filter(visit_state="")
    elif state in (MemberState.DUE, MemberState.VISITED):
        qs = qs.filter(visit_state=state)
    due_first = Case(When(visit_state=MemberState.DUE, then=Value(0)), default=Value(1))
    return qs.select_related("recipient", "recorded_by", "visit").order_by(
        due_first, "closes", "-occurred_on", "-id"
    )


# --- the comfort-money ledger (慰问金台账) ----------------------------------------------------

NO_BUDGET_LINE = "（仅慰问品，无经费）"


def comfort_ledger(
    actor, *, station_key=None, start=None, end=None, campaign=None, budget_line=None
) -> QuerySet:
    """Every visit within reach where money (慰问金) or goods (慰问品) were given, filtered
    like the visit ledger and by budget line ("" = goods only, no money)."""
    qs = ledger(actor, station_key=station_key, start=start, end=end, campaign=campaign).filter(
        Q(money_fen__gt=0) | ~Q(goods="")
    )
    if budget_line is not None:
        qs = qs.filter(budget_line=budget_line)
    return qs


def comfort_totals(rows: QuerySet) -> tuple[list[dict], dict]:
    """Per budget line (by name, largest first) and overall: visits and money in fen. One
    grouped query."""
    lines = list(
        rows.order_by()
        .values("budget_line")
        .annotate(visits=Count("id"), money_fen=Sum("money_fen"))
        .order_by("-money_fen", "budget_line")
    )
    for line in lines:
        line["name"] = line["budget_line"] or NO_BUDGET_LINE
        line["money_yuan"] = yuan(line["money_fen"] or 0)
    fen = sum(line["money_fen"] or 0 for line in lines)
    total = {
        "visits": sum(line["visits"] for line in lines),
        "money_fen": fen,
        "money_yuan": yuan(fen),
    }
    return lines, total


def budget_lines_in_use(actor) -> list[str]:
    """The budget lines named on visits within reach, for the filter."""
    from .models import Visit
    from .permissions import visit_scope

    return list(
        Visit.objects.filter(visit_scope(actor), money_fen__gt=0)
        .exclude(budget_line="")
        .order_by("budget_line")
        .values_list("budget_line", flat=True)
        .distinct()[:200]
    )


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# --- budget lines (经费来源) -----------------------------------------------------------------


def budget_lines_for(actor) -> QuerySet:
    """The budget lines the actor may see: in force first, by the region that set them up."""
    from .models import BudgetLine
    from .permissions import budget_line_scope

    return BudgetLine.objects.filter(budget_line_scope(actor)).order_by(
        F("retired_at").asc(nulls_first=True), "region_key", "name"
    )


def budget_lines_where(region_key: int) -> list[str]:
    """The names of the lines in force where a person lives (set up by the regions holding
    it), for the visit form and its check."""
    from .models import BudgetLine

    return list(
        BudgetLine.objects.filter(
            region_key__lte=region_key, region_key_high__gte=region_key, retired_at__isnull=True
        )
        .order_by("region_key", "name")
        .values_list("name", flat=True)
        .distinct()
    )


# --- route lists (走访路线单) ----------------------------------------------------------------

ROUTE_AHEAD = 5  # working days ahead: a window opening this soon is on the route list already


def route_members(actor, today: dt.date, *, visitor=None, volunteer=None, ahead=None):
    """The people assigned to one visitor (a member of staff, or a volunteer) within the
    actor's reach, still due in a live campaign whose window is open or opens by `ahead`
    (the working day ROUTE_AHEAD on: the caller counts it through the shared calendar),
    soonest closing first."""
    from .recording import LIVE_CAMPAIGNS

    qs = CampaignMember.objects.filter(
        member_scope(actor),
        visit_state=MemberState.DUE,
        still_due=True,
        campaign__status__in=LIVE_CAMPAIGNS,
        opens__lte=ahead or today,
    )
    qs = qs.filter(visitor=visitor) if visitor is not None else qs.filter(volunteer=volunteer)
    return (
        qs.select_related("recipient", "campaign", "volunteer", "visitor")
        .only(*MEMBER_ROW, "campaign__name", "recipient__current_address")
        .order_by("closes", "station_key", "id")
    )


def route_groups(members) -> list[dict]:
    """The route list grouped by village (the person's station), then by address; groups
    in the order of their soonest closing window, people within by window then address.
    Each member gets `reason_names` from the rule names of its campaign."""
    members = list(members)
    names = _station_names_of({m.station_key for m in members})
    reasons = _reason_names({m.campaign_id for m in members})
    groups: dict[int, dict] = {}
    for member in members:
        member.reason_names = [
            reasons.get((member.campaign_id, r["rule"]), r["rule"]) for r in member.reasons
        ]
        group = groups.setdefault(
            member.station_key,
            {
                "station_key": member.station_key,
                "name": names.get(member.station_key, str(member.station_key)),
                "closes": member.closes,
                "members": [],
            },
        )
        group["members"].append(member)
    for group in groups.values():
        group["members"].sort(
            key=lambda m: (m.recipient.current_address or "\uffff", m.closes, m.pk)
        )
    return sorted(groups.values(), key=lambda g: (g["closes"], g["name"]))


def _station_names_of(keys: set[int]) -> dict[int, str]:
    if not keys:
        return {}
    return dict(
        active_stations(Level.values, within=(min(keys), max(keys)))
        .filter(region_key__in=keys)
        .values_list("region_key", "name")
    )


def _reason_names(campaign_ids: set[int]) -> dict[tuple[int, str], str]:
    if not campaign_ids:
        return {}
    through = VisitCampaign.rule_versions.through
    return {
        (campaign_id, code): name
        for campaign_id, code, name in through.objects.filter(
            visitcampaign_id__in=campaign_ids
        ).values_list(
            "visitcampaign_id", "visitruleversion__rule__code", "visitruleversion__rule__name"
        )
    }


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

"""Reminders and escalation of visits due (issue 13: "Reminders before a window opens and
escalation when overdue, through the kernel's scanner"): campaign members still due in a
live campaign are watched by core.deadlines on their visit window — its first day (opening)
and its last day (due soon, overdue, escalated). Who is told: the visitor the person is
assigned to, else the responsible station's clerks; once overdue the station's clerks and
head as well; escalated, the head of the station above. One message per campaign, station
and set of people in a batch, not one per person (a village has forty people due at once).
Registered in apps.py."""

from collections import defaultdict

from django.db.models import Q
from django.urls import reverse

from junjia.core.deadlines import ESCALATED, OPENING, OVERDUE, SOON, Watch, escalate_after
from junjia.orgs.api import Level, Role, active_stations, ancestor_key, station_heads_above
from junjia.orgs.api import station_people as station_people_of

from .models import CampaignMember
from .recording import LIVE_CAMPAIGNS
from .workflow import MEMBER_WORKFLOW


def responsible_key(member) -> int:
    """The region key of the station responsible for the person (at the member's level in
    the person's chain)."""
    return ancestor_key(member.region_key, member.responsible_level)


def _people(rows, kind) -> dict[int, list]:
    keys = {responsible_key(row) for row in rows}
    if kind == ESCALATED:
        stations = dict(
            active_stations(Level.values)
            .filter(region_key__in=keys)
            .values_list("region_key", "pk")
        )
        above = station_heads_above(stations.values())
        return {row.pk: [above.get(stations.get(responsible_key(row)))] for row in rows}
    roles = (Role.CLERK, Role.STATION_HEAD) if kind == OVERDUE else (Role.CLERK,)
    staff = station_people_of(keys, roles)
    heads = station_people_of(keys, (Role.STATION_HEAD,)) if kind != OVERDUE else {}
    told = {}
    for row in rows:
        key = responsible_key(row)
        if kind == OVERDUE:
            told[row.pk] = [row.visitor_id, *staff.get(key, [])]
        elif row.visitor_id is not None:
            told[row.pk] = [row.visitor_id]
        else:  # nobody sent yet: the station's clerks (its head where it has none)
            told[row.pk] = staff.get(key) or heads.get(key, [])
    return told


def _date(day) -> str:
    return f"{day:%m月%d日}"


def _text(member, kind) -> str:
    return _digest_text(member.campaign.name, [member], kind, "")


def _digest_text(campaign: str, rows: list, kind: str, station: str) -> str:
    names = "、".join(row.recipient.name for row in rows[:3])
    who = f"{names}等 {len(rows)} 人" if len(rows) > 3 else names
    if kind == OPENING:
        day = min(row.opens for row in rows)
        return f"{campaign}：{who}的走访窗口将于{_date(day)}开始，请安排走访。"
    day = min(row.closes for row in rows)
    if kind == SOON:
        return f"{campaign}：{who}的走访窗口将于{_date(day)}结束，尚未走访。"
    if kind == OVERDUE:
        return f"{campaign}：{who}的走访窗口已于{_date(day)}结束，仍未走访（已超期）。"
    return (
        f"{station}{campaign}：{who}走访已超期 {escalate_after()} 个工作日以上"
        f"（窗口{_date(day)}结束），请督办。"
    )


def _link(member) -> str:
    url = reverse("visits:campaign_detail", kwargs={"pk": member.campaign_id})
    return f"{url}?station={member.station_key}#members"


def _digest(rows, kind, people) -> list:
    groups: dict[tuple, list] = defaultdict(list)
    for row in rows:
        users = tuple(sorted({u for u in people.get(row.pk, []) if u is not None}))
        if users:
            groups[(row.campaign_id, responsible_key(row), users)].append(row)
    names = {}
    if kind == ESCALATED:
        names = dict(
            active_stations(Level.values)
            .filter(region_key__in={key for _, key, _ in groups})
            .values_list("region_key", "name")
        )
    messages = []
    for (_campaign, key, users), group in groups.items():
        first = group[0]
        station = f"{names[key]}的" if key in names else ""
        only_visitor = kind in (OPENING, SOON) and all(r.visitor_id for r in group)
        link = reverse("visits:route") if only_visitor else _link(first)
        messages.append((users, _digest_text(first.campaign.name, group, kind, station), link))
    return messages


WATCH = Watch(
    MEMBER_WORKFLOW,
    CampaignMember,
    people=_people,
    text=_text,
    link=_link,
    select_related=("campaign", "recipient"),
    only=(
        "campaign__name",
        "recipient__name",
        "visitor",
        "region_key",
        "station_key",
        "responsible_level",
        "campaign",
    ),
    due_field="closes",
    opens_field="opens",
    where=Q(still_due=True, campaign__status__in=LIVE_CAMPAIGNS),
    digest=_digest,
)

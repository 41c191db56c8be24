"""Coverage (覆盖情况, issue 13 "Ledgers and coverage"): each campaign's counts and contact
coverage (联系全覆盖, 003 第41项) for every region from the person's household village up to
the province, recomputed every 45 s (tasks.refresh_coverage; ADR 0024) so a province's page
reads a few rows, never more than a minute stale; contact coverage every five minutes."""

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from junjia.core import clock
from junjia.orgs.api import Level
from junjia.registry.api import recipient_facts

from .choices import CampaignStatus, MemberState
from .models import (
    CampaignMember,
    ContactCount,
    ContactPerson,
    ContactRefresh,
    CoverageCount,
    Visit,
    VisitCampaign,
    VisitRule,
)

# The scheduler's period (apps.py). The counts shown are at most PERIOD + 2 s (the
# scheduler's tick, the worker's poll) + the refresh itself old: bench/coverage.py measures
# the refresh (about N s for 1,000,000 members), so the bound stays under a minute.
PERIOD_SECONDS = 45
# A stamp older than this means the refresh has stopped: the pages say so.
STALE_AFTER = dt.timedelta(seconds=60)
# Contact coverage counts a year's contacts: every five minutes is enough, and its refresh
# reads every file and this year's visits (bench/coverage.py).
CONTACT_PERIOD_SECONDS = 300
CONTACT_STALE_AFTER = dt.timedelta(seconds=CONTACT_PERIOD_SECONDS + 60)
CONTACT_RULE = "contact-coverage"  # rules.SEED_RULES: 003 第41项
DEFAULT_CONTACTS = 1  # the seed rule's 每年至少 1 次, if the rule is retired
ALL_KEYS = (0, 10**12 - 1)

# How many keys a region of each level spans (orgs/codes.py), from the province down.
SPANS = (
    (Level.PROVINCE, 10**10),
    (Level.CITY, 10**8),
    (Level.COUNTY, 10**6),
    (Level.TOWNSHIP, 10**3),
    (Level.VILLAGE, 1),
)
SPAN_OF = dict(SPANS)


def level_of_key(key: int) -> int:
    for level, span in SPANS:
        if key % span == 0:
            return level
    return Level.VILLAGE


def chain(key: int) -> list[int]:
    """The region keys from the province down to `key` (a city without counties, 东莞, has
    no county between it and its townships: the repeated key is dropped)."""
    keys: list[int] = []
    for _level, span in SPANS:
        k = key - key % span
        if not keys or keys[-1] != k:
            keys.append(k)
    return keys


def code_of(key: int) -> str:
    """The division code of a region key: 6 digits for a county and above, else 12."""
    text = f"{key:012d}"
    return text[:6] if key % 10**6 == 0 else text


def roll_up(leaves: dict[int, tuple[int, ...]]) -> dict[int, tuple[int | None, int, list[int]]]:
    """{key: (parent key, level, summed values)} for every region above and at the leaves."""
    nodes: dict[int, tuple[int | None, int, list[int]]] = {}
    for key, values in leaves.items():
        parent = None
        for k in chain(key):
            if k not in nodes:
                nodes[k] = (parent, level_of_key(k), [0] * len(values))
            sums = nodes[k][2]
            for i, v in enumerate(values):
                sums[i] += v
            parent = k
    return nodes


def _store(existing, make, nodes: dict, fields: Iterable[str], unique, **same) -> int:
    """Write only what changed: new and changed regions upserted in one statement per batch
    (INSERT … ON CONFLICT), vanished ones deleted — a visit changes a handful of rows, and the
    refresh then writes a handful."""
    fields = tuple(fields)
    old = {
        row[0]: row[1:]
        for row in existing.values_list("region_key", "parent_key", "level", *fields)
    }
    upsert = []
    for key, (parent, level, values) in nodes.items():
        if old.pop(key, None) != (parent, level, *values):
            data = dict(zip(fields, values, strict=True))
            upsert.append(make(region_key=key, parent_key=parent, level=level, **data, **same))
    if old:
        existing.filter(region_key__in=list(old)).delete()
    if upsert:
        make.objects.bulk_create(
            upsert,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=unique,
            update_fields=["parent_key", "level", *fields],
        )
    return len(upsert) + len(old)


def _fast_aggregates() -> None:
    if connection.vendor == "postgresql":
        # As registry.tasks: hash the groups in memory, no JIT for one aggregate.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")


# --- campaigns --------------------------------------------------------------------------


def campaigns_to_count():
    """Campaigns whose members can change (generated, open), and a closed one once after
    it closed."""
    closed = Q(status=CampaignStatus.CLOSED) & (
        Q(coverage_at__isnull=True) | Q(coverage_at__lt=F("updated_at"))
    )
    live = Q(status__in=(CampaignStatus.GENERATED, CampaignStatus.OPEN))
    return VisitCampaign.objects.filter(live | closed)


def refresh_campaigns() -> int:
    """Every counted campaign's per-region counts, from one grouped query over their members.
    The stamp is the time before counting, so it never claims more than it knows."""
    ids = list(campaigns_to_count().values_list("pk", flat=True))
    written = 0
    for pk in ids:
        written += refresh_campaign(pk)
    return written


def refresh_campaign(pk: int) -> int:
    with transaction.atomic():
        # A campaign being generated (its job holds the row) is counted at the next round.
        locked = VisitCampaign.objects.select_for_update(skip_locked=True).filter(pk=pk)
        if not locked.exists():
            return 0
        _fast_aggregates()
        stamp, today = timezone.now(), clock.today()
        due = Q(visit_state=MemberState.DUE)
        rows = (
            CampaignMember.objects.filter(campaign_id=pk)
            .values("region_key")
            .annotate(
                due=Count("id"),
                visited=Count("id", filter=~due),
                overdue=Count("id", filter=due & Q(closes__lt=today)),
            )
            .order_by()
        )
        leaves = {r["region_key"]: (r["due"], r["visited"], r["overdue"]) for r in rows}
        written = _store(
            CoverageCount.objects.filter(campaign_id=pk),
            CoverageCount,
            roll_up(leaves),
            ("due", "visited", "overdue"),
            ["campaign", "region_key"],
            campaign_id=pk,
        )
        VisitCampaign.objects.filter(pk=pk).update(coverage_at=stamp)
    return written


# --- contact coverage (联系全覆盖) ---------------------------------------------------------


def contact_target() -> int:
    """每年至少联系次数: the 联系全覆盖 rule's current version (data: the province changes it
    on the rules page), else the seed's 1."""
    rule = (
        VisitRule.objects.filter(code=CONTACT_RULE, retired_at__isnull=True)
        .select_related("current_version")
        .first()
    )
    number = rule.current_version.times_per_year if rule and rule.current_version else None
    return number or DEFAULT_CONTACTS


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def contacted(year: int, target: int):
    """Ids of the people with at least `target` visits in the year — every way counts: a home
    visit, a phone call, a video call, a meeting (003 第41项: 电话、走访、座谈交流均计入)."""
    start, end = year_range(year)
    return (
        Visit.objects.filter(visited_at__gte=start, visited_at__lt=end)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .filter(n__gte=target)
        .values("recipient_id")
    )


def refresh_contacts() -> int:
    """Per region: the living approved files (the dead drop out), those with a named
    responsible contact, those contacted at least the target number of times this year."""
    never = timezone.make_aware(dt.datetime(2000, 1, 1))
    ContactRefresh.objects.get_or_create(
        pk=1, defaults={"computed_at": never, "year": 2000, "target": DEFAULT_CONTACTS}
    )
    with transaction.atomic():
        # One refresh at a time: a second one overlapping skips its turn.
        stamp_row = ContactRefresh.objects.select_for_update(skip_locked=True).filter(pk=1)
        if not stamp_row.exists():
            return 0
        _fast_aggregates()
        stamp, today = timezone.now(), clock.today()
        target = contact_target()
        living = recipient_facts(low=ALL_KEYS[0], high=ALL_KEYS[1], on=today)

        def per_region(qs) -> dict[int, int]:
            grouped = qs.values("region_key").annotate(n=Count("id")).order_by()
            return {r["region_key"]: r["n"] for r in grouped}

        everyone = per_region(living)
        named = per_region(living.filter(id__in=ContactPerson.objects.values("recipient_id")))
        reached = per_region(living.filter(id__in=contacted(today.year, target)))
        leaves = {k: (n, named.get(k, 0), reached.get(k, 0)) for k, n in everyone.items()}
        written = _store(
            ContactCount.objects.all(),
            ContactCount,
            roll_up(leaves),
            ("living", "with_contact", "reached"),
            ["region_key"],
        )
        stamp_row.update(computed_at=stamp, year=today.year, target=target)
    return written


def refresh() -> int:
    """Both (tests, the demo); the scheduler runs each on its own period (apps.py)."""
    return refresh_campaigns() + refresh_contacts()

"""Generating a province's Spring Festival campaign, and re-generating it after 1% changed.

Run from the repository root (builds the same data as bench/search.py, or reuses it):

    .venv/bin/python bench/campaigns.py --keep           # builds 1M files over 山东省, measures
    .venv/bin/python bench/campaigns.py --reuse [--keep] [--database-url …]

Measured (issue 13 "Speed"), through the province centre's station head and the app's own
code (visits.generation.generate, as the job runs it):
- the first generation of the province's 春节 campaign (spring-festival and the county key
  groups); target ≤ 60 s;
- a re-generation after 1% of the people changed (half lose their pension, half of the
  others gain one; a handled member among those dropping out is kept); target ≤ 10 s.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import search  # noqa: E402
from regions import drop_database, prepare_database, setup_django  # noqa: E402

FIRST_TARGET_S = 60.0
AGAIN_TARGET_S = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    args.database_url = args.database_url or search.default_url(args.count)
    return args


def province_head():
    from junjia.orgs.choices import Level, Role
    from junjia.orgs.models import Station
    from junjia.orgs.tests.factories import make_staff

    station = Station.objects.select_related("region").get(region__level=Level.PROVINCE)
    return make_staff(station, Role.STATION_HEAD, username=f"bench_campaign_{time.time_ns()}")


def change_one_percent(campaign) -> tuple[int, int]:
    """1% of the province's files: half of them lose their pension, half gain one."""
    from django.db import connection

    from junjia.registry.models import Recipient

    total = Recipient.objects.count()
    step = 100
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_recipient SET sections = sections - 'pension' "
            "WHERE id %% %s = 0 AND id %% %s = 0",
            [step, 2 * step],
        )
        lost = cursor.rowcount
        cursor.execute(
            "UPDATE registry_recipient SET sections = jsonb_set(sections, '{pension}', "
            '\'{"pension_type": "subsidy"}\') WHERE id %% %s = 0 AND id %% %s <> 0',
            [step, 2 * step],
        )
        gained = cursor.rowcount
        cursor.execute('ANALYZE "registry_recipient"')
    print(f"  changed {lost + gained:,} of {total:,} files ({lost:,} lost, {gained:,} gained)")
    return lost, gained


def _finished(campaign) -> dict:
    from junjia.core.models import Job, JobStatus

    job = Job.objects.filter(kind="visits.campaign_generate", params__campaign=campaign.pk)
    job = job.order_by("-created_at").first()
    if job.status != JobStatus.SUCCEEDED:
        raise SystemExit(f"the job did not finish: {job.status} {job.message}")
    return job.result


def main() -> int:
    args = parse_args()
    reused = prepare_database(args.database_url, args.reuse)
    setup_django(args.database_url)

    from junjia.visits import services
    from junjia.visits.choices import MemberState
    from junjia.visits.evaluation import lunar_to_solar
    from junjia.visits.models import CampaignMember, VisitCampaign
    from junjia.visits.rules import load_seed_rules

    try:
        search.reuse_or_build(args, reused)
        load_seed_rules()
        head = province_head()
        spring = lunar_to_solar(2027, 1, 1)
        VisitCampaign.objects.all().delete()
        # The job runs when campaign_create commits (junjia.settings.test: tasks run at
        # once), so the time is that of the whole path: the job row, its progress, the
        # generation.
        started = time.perf_counter()
        campaign = services.campaign_create(
            actor=head,
            name="2027年春节走访慰问（bench）",
            period_start=spring - dt.timedelta(days=30),
            period_end=spring + dt.timedelta(days=15),
            rule_codes=["spring-festival", "county-key-groups"],
        )
        first_s = time.perf_counter() - started
        first = _finished(campaign)
        print(
            f"\nfirst generation: {first_s:6.1f} s for {first['total']:,} members "
            f"(load average {os.getloadavg()[0]:.1f}) — "
            f"{'PASS' if first_s <= FIRST_TARGET_S else 'FAIL'} (≤ {FIRST_TARGET_S:.0f} s)"
        )
        # a handled member whose file will drop out: kept by the re-generation
        handled = CampaignMember.objects.filter(campaign=campaign).order_by("id").first()
        CampaignMember.objects.filter(pk=handled.pk).update(visit_state=MemberState.VISITED)

        change_one_percent(campaign)
        started = time.perf_counter()
        services.campaign_regenerate(actor=head, campaign=campaign)
        again_s = time.perf_counter() - started
        again = _finished(campaign)
        print(
            f"re-generation after 1% changed: {again_s:6.1f} s — added {again['added']:,}, "
            f"removed {again['removed']:,}, changed {again['changed']:,}, "
            f"kept handled {again['kept_handled']:,} (load average {os.getloadavg()[0]:.1f}) — "
            f"{'PASS' if again_s <= AGAIN_TARGET_S else 'FAIL'} (≤ {AGAIN_TARGET_S:.0f} s)"
        )
        assert CampaignMember.objects.filter(pk=handled.pk).exists()
        return 0 if first_s <= FIRST_TARGET_S and again_s <= AGAIN_TARGET_S else 1
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    sys.exit(main())

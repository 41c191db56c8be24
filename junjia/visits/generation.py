"""Generating a campaign's members as a background job: who is due under each of the
campaign's rule versions (evaluation.due, one set-based query per rule and window), merged
per person, grouped under the person's station, then written with bulk statements. A
re-generation adds the people newly due, removes those no longer due and never removes a
member already handled (issue 13: without losing a record already made)."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from junjia.core import audit, jobs
from junjia.core.models import AuditAction, Job
from junjia.core.workflow import Step, perform
from junjia.orgs.api import Level, active_stations

from .choices import CampaignStatus, MemberState
from .evaluation import Period, due
from .models import CampaignMember, CampaignStep, VisitCampaign
from .permissions import workflow_can
from .workflow import CAMPAIGN_WORKFLOW

JOB_KIND = "visits.campaign_generate"
FIELDS = ("region_key", "station_key", "responsible_level", "reasons", "opens", "closes")
BATCH = 2000
# The spans of a township, county, city and province key (orgs/codes.py), nearest first.
SPANS = (1, 10**3, 10**6, 10**8, 10**10)


def start(*, actor, campaign: VisitCampaign) -> Job:
    """Queue the campaign's generation as a job (runs after the caller's transaction)."""
    job = jobs.job_start(
        actor=actor,
        kind=JOB_KIND,
        title=f"生成走访计划：{campaign.name}"[:200],
        region_key=campaign.region_key,
        params={"campaign": campaign.pk},
    )
    VisitCampaign.objects.filter(pk=campaign.pk).update(job=job, updated_at=timezone.now())
    campaign.job = job
    return job


@jobs.register(JOB_KIND)
def run(job: Job, progress) -> dict:
    campaign = VisitCampaign.objects.get(pk=job.params["campaign"])
    return generate(campaign, actor=job.started_by, progress=progress, job=job)


def _rule_range(rule, campaign: VisitCampaign) -> tuple[int, int]:
    """A rule of a region applies within that region only; a national rule everywhere."""
    low, high = campaign.region_key, campaign.region_key_high
    if rule.region_key is not None:
        low, high = max(low, rule.region_key), min(high, rule.region_key_high)
    return low, high


class Stations:
    """The station each person is grouped under: their village's own, or the nearest one
    above it (a community without a station of its own is served from the township)."""

    def __init__(self, low: int, high: int):
        self.keys = set(
            active_stations(Level.values, within=(low, high)).values_list("region_key", flat=True)
        )
        self.cache: dict[int, int] = {}

    def of(self, region_key: int) -> int:
        found = self.cache.get(region_key)
        if found is None:
            found = next(
                (k for k in (region_key - region_key % s for s in SPANS) if k in self.keys),
                region_key,
            )
            self.cache[region_key] = found
        return found


def find_due(campaign: VisitCampaign, progress: Callable) -> tuple[dict, int]:
    """{recipient id: [region key, opens, closes, level, reasons]} under every rule version of
    the campaign; the most senior level any reason names is responsible (key groups: the
    county, 001 附件第五部分 三(三))."""
    versions = list(campaign.rule_versions.select_related("rule").order_by("rule__code"))
    period = Period(campaign.period_start, campaign.period_end)
    steps = len(versions) + 1
    found: dict[int, list] = {}
    for index, version in enumerate(versions):
        progress(index, steps, f"正在按规则“{version.rule.name}”查找应走访的人员……")
        low, high = _rule_range(version.rule, campaign)
        if low > high:
            continue
        code, number, level = version.rule.code, version.number, version.responsible_level
        for item in due(version, low=low, high=high, period=period):
            reason = {
                "rule": code,
                "version": number,
                "opens": item.opens.isoformat(),
                "closes": item.closes.isoformat(),
            }
            entry = found.get(item.recipient_id)
            if entry is None:
                found[item.recipient_id] = [
                    item.region_key,
                    item.opens,
                    item.closes,
                    level,
                    [reason],
                ]
                continue
            entry[1], entry[2] = min(entry[1], item.opens), max(entry[2], item.closes)
            entry[3] = min(entry[3], level)
            entry[4].append(reason)
    return found, steps


def generate(
    campaign: VisitCampaign, *, actor, progress: Callable | None = None, job: Job | None = None
) -> dict:
    """Bring the campaign's members in line with who is due now; returns the counts. Run as
    `job`, the result is recorded in the same transaction as the members (jobs.commit_result:
    a worker dying after the commit leaves the job finished, not "nothing written")."""
    progress = progress or (lambda *args, **kwargs: None)
    found, steps = find_due(campaign, progress)
    progress(steps - 1, steps, f"共 {len(found)} 人应走访，正在写入名单……")
    stations = Stations(campaign.region_key, campaign.region_key_high)
    existing = {
        row[0]: row[1:]
        for row in CampaignMember.objects.filter(campaign=campaign)
        .values_list("recipient_id", "pk", "visit_state", "reassigned_by_id", "still_due", *FIELDS)
        .iterator(chunk_size=5000)
    }
    creates, updates, dropped, removes = [], [], [], []
    for recipient_id, (region_key, opens, closes, level, reasons) in found.items():
        fresh = {
            "region_key": region_key,
            "station_key": stations.of(region_key),
            "responsible_level": level,
            "reasons": reasons,
            "opens": opens,
            "closes": closes,
        }
        row = existing.pop(recipient_id, None)
        if row is None:
            creates.append(CampaignMember(campaign=campaign, recipient_id=recipient_id, **fresh))
            continue
        pk, _state, reassigned_by, still_due, *before = row
        if reassigned_by is not None:
            fresh["responsible_level"] = before[FIELDS.index("responsible_level")]
        if not still_due or list(fresh.values()) != before:
            updates.append(CampaignMember(pk=pk, still_due=True, **fresh))
    kept = 0
    for pk, state, _reassigned, still_due, *_before in existing.values():
        if state == MemberState.DUE:
            removes.append(pk)
        else:
            kept += 1  # handled: kept, marked as no longer due
            if still_due:
                dropped.append(CampaignMember(pk=pk, still_due=False))
    counts = {"added": len(creates), "removed": len(removes), "changed": len(updates)}
    counts["kept_handled"] = kept
    with transaction.atomic():
        for start_at in range(0, len(removes), BATCH):
            CampaignMember.objects.filter(pk__in=removes[start_at : start_at + BATCH]).delete()
        CampaignMember.objects.bulk_create(creates, batch_size=BATCH)
        CampaignMember.objects.bulk_update(updates, [*FIELDS, "still_due"], batch_size=1000)
        CampaignMember.objects.bulk_update(dropped, ["still_due"], batch_size=1000)
        total = CampaignMember.objects.filter(campaign=campaign).count()
        _finish(campaign, actor=actor, total=total, counts=counts)
        if job is not None:
            jobs.commit_result(job, {**counts, "total": total})
    progress(
        steps, steps, f"已生成：{total} 人（新增 {counts['added']}，移出 {counts['removed']}）。"
    )
    return {**counts, "total": total}


def record_step(step: Step) -> None:
    CampaignStep.objects.create(
        campaign=step.obj,
        action=step.transition.action,
        from_status=step.from_status,
        to_status=step.to_status,
        actor=step.actor,
        remark=step.remark,
        extra=step.extra or None,
    )


def _finish(campaign: VisitCampaign, *, actor, total: int, counts: dict) -> None:
    """The counts and the time on the campaign; a first generation moves it to 已生成."""
    now = timezone.now()
    # Decided on the locked row: the caller's copy may be older than another run's result.
    status = VisitCampaign.objects.select_for_update().values_list("status", flat=True)
    if status.get(pk=campaign.pk) == CampaignStatus.DRAFT:

        def apply(locked):
            locked.generated_at, locked.member_count = now, total
            return ["generated_at", "member_count"]

        perform(
            CAMPAIGN_WORKFLOW,
            campaign,
            CampaignStatus.GENERATED,
            actor=actor,
            can=workflow_can,
            record=record_step,
            apply=apply,
            remark=f"{total} 人",
        )
    else:
        VisitCampaign.objects.filter(pk=campaign.pk).update(
            generated_at=now, member_count=total, updated_at=now
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=campaign,
        region_key=campaign.region_key,
        changes={"members": [None, total]},
        extra={"generation": counts},
    )

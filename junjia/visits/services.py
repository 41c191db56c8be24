"""The visit rules' one writer: add a rule, publish a changed version, retire it. Each write
is one transaction with its audit row; campaigns keep the versions they were made with."""

import calendar
import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from junjia.core import audit, clock
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction, JobStatus
from junjia.core.workflow import perform
from junjia.orgs.api import Level, can_reach, holding_station, jurisdiction_of
from junjia.registry.api import RECIPIENT_ANCHORS

from . import errors, generation, roles
from .choices import Anchor, CampaignStatus, EventKind, MemberState, RecordItem, Subject, Timing
from .evaluation import event_reasons
from .models import (
    BudgetLine,
    CampaignMember,
    ContactPerson,
    VisitCampaign,
    VisitEvent,
    VisitRule,
    VisitRuleVersion,
)
from .permissions import (
    can_keep_budget_lines,
    can_make_campaigns,
    can_make_rules,
    can_manage_campaign,
    can_manage_rule,
    can_reassign,
    can_set_contact,
    rule_scope,
    workflow_can,
)
from .workflow import CAMPAIGN_WORKFLOW

CONTENT_FIELDS = (
    "source",
    "description",
    "subject",
    "categories",
    "flags",
    "merits",
    "pension",
    "min_age",
    "timing",
    "month",
    "day",
    "anchor",
    "event_kind",
    "days_before",
    "days_after",
    "months_after",
    "times_per_year",
    "responsible_level",
    "record_items",
    "contact_counts",
)
CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ANNIVERSARY_ANCHORS = (Anchor.BIRTH, Anchor.DEATH, Anchor.CATEGORY_START)
LABELS = {f.name: str(f.verbose_name) for f in VisitRuleVersion._meta.fields}


def check_content(content: dict) -> dict:
    """The rule's content, complete and consistent, or InvalidInput naming the field."""
    data = {name: content.get(name) for name in CONTENT_FIELDS}
    for name in ("categories", "flags", "merits", "record_items"):
        data[name] = list(data[name] or [])
    for name in ("days_before", "days_after", "months_after"):
        data[name] = data[name] or 0
    data["subject"] = data["subject"] or Subject.LIVING
    data["responsible_level"] = data["responsible_level"] or Level.VILLAGE
    data["contact_counts"] = data["contact_counts"] or "home"
    data["pension"] = bool(data["pension"])
    data["anchor"] = data["anchor"] or ""
    data["event_kind"] = data["event_kind"] or ""
    data["description"] = data["description"] or ""
    for item in data["record_items"]:
        if item not in RecordItem.values:
            raise InvalidInput(f"未知的记录项：{item}", field="record_items")
    if not (data["source"] or "").strip():
        raise InvalidInput(errors.NO_WHEN.format(label="依据"), field="source")
    timing = data["timing"]
    if timing not in Timing.values:
        raise InvalidInput(errors.NO_WHEN.format(label="时间"), field="timing")
    if timing in (Timing.FIXED_DATE, Timing.LUNAR_DATE):
        _check_month_day(data, lunar=timing == Timing.LUNAR_DATE)
    if timing == Timing.ANNIVERSARY and data["anchor"] not in ANNIVERSARY_ANCHORS:
        raise InvalidInput(errors.BAD_ANNIVERSARY, field="anchor")
    if timing == Timing.EVENT:
        _check_event(data)
    elif data["event_kind"]:
        raise InvalidInput(errors.NOT_AN_EVENT, field="event_kind")
    if timing == Timing.FREQUENCY and not data["times_per_year"]:
        raise InvalidInput(errors.NO_WHEN.format(label="每年至少次数"), field="times_per_year")
    if timing in (Timing.FIXED_DATE, Timing.LUNAR_DATE, Timing.FREQUENCY):
        data["anchor"] = ""
    deceased = data["subject"] == Subject.DECEASED
    if data["anchor"] == Anchor.DEATH and not deceased:
        raise InvalidInput(errors.DEATH_NEEDS_DECEASED, field="subject")
    if deceased and data["anchor"] != Anchor.DEATH:
        raise InvalidInput(errors.DECEASED_NEEDS_DEATH, field="subject")
    if data["anchor"] not in ("", Anchor.RECORDED_EVENT, *RECIPIENT_ANCHORS):
        raise InvalidInput(errors.NO_WHEN.format(label="起算日期"), field="anchor")
    return data


def _check_month_day(data: dict, *, lunar: bool) -> None:
    month, day = data["month"], data["day"]
    if not month or not 1 <= month <= 12:
        raise InvalidInput(errors.NO_WHEN.format(label="月（1–12）"), field="month")
    if not day:
        raise InvalidInput(errors.NO_WHEN.format(label="日"), field="day")
    if lunar and day > 30:
        raise InvalidInput(errors.BAD_LUNAR.format(month=month, day=day), field="day")
    if not lunar and day > calendar.monthrange(2024, month)[1]:  # a leap year: 29 February
        raise InvalidInput(errors.BAD_DATE.format(month=month, day=day), field="day")


def _check_event(data: dict) -> None:
    if data["anchor"] not in Anchor.values:
        raise InvalidInput(errors.NO_WHEN.format(label="起算日期"), field="anchor")
    if data["anchor"] == Anchor.RECORDED_EVENT and data["event_kind"] not in EventKind.values:
        raise InvalidInput(errors.NO_EVENT_KIND, field="event_kind")
    if data["anchor"] != Anchor.RECORDED_EVENT:
        data["event_kind"] = ""
    if not (data["months_after"] or data["days_after"]):
        raise InvalidInput(errors.NO_WINDOW, field="months_after")


def _publish(actor, rule: VisitRule, data: dict) -> VisitRuleVersion:
    number = (rule.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = VisitRuleVersion.objects.create(rule=rule, number=number, published_by=actor, **data)
    rule.current_version = version
    rule.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def rule_add(*, actor, code: str, name: str, content: dict, national: bool = False) -> VisitRule:
    """A new rule owned by the actor's region (county level and above). `national` (and no
    actor) is the seed loader's: a rule of the seeds, owned by no region."""
    if not national and not can_make_rules(actor):
        raise NotPermitted(errors.NOT_RULE_MAKER)
    code = (code or "").strip()
    if not code and (name or "").strip():
        code = code_from_name(name)
    if not CODE.match(code or ""):
        raise InvalidInput(errors.BAD_CODE, field="code")
    if VisitRule.objects.filter(code=code).exists():
        raise InvalidInput(errors.CODE_TAKEN.format(code=code), field="code")
    if not (name or "").strip():
        raise InvalidInput(errors.NO_WHEN.format(label="规则名称"), field="name")
    data = check_content(content)
    owner = {}
    if not national:
        juris = jurisdiction_of(actor)
        owner = {
            "region_key": juris.low,
            "region_key_high": juris.high,
            "owner_name": juris.region_name,
        }
    rule = VisitRule.objects.create(code=code, name=name.strip(), **owner)
    version = _publish(actor, rule, data)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=rule,
        region_key=rule.region_key,
        changes={"code": [None, code], "version": [None, version.number]},
    )
    return rule


def code_from_name(name: str) -> str:
    """A rule code nobody has yet, from the Chinese name's pinyin ("春节走访" →
    "chun-jie-zou-fang"; "-2", "-3"… when taken), so a county clerk need not type English."""
    from pypinyin import lazy_pinyin

    words = []
    for word in lazy_pinyin(name.strip(), errors="default"):
        words += re.findall(r"[a-z0-9]+", word.lower())
    base = ""
    for word in words or ["rule"]:
        if len(base) + len(word) + 1 > 34:  # room for a "-NN" suffix within 40
            break
        base = f"{base}-{word}" if base else word
    base = base or "rule"
    taken = set(VisitRule.objects.filter(code__startswith=base).values_list("code", flat=True))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def rule_change(*, actor, rule: VisitRule, name: str, content: dict) -> VisitRuleVersion:
    """Publish a new version; campaigns already made keep the version they were made with."""
    rule = VisitRule.objects.select_for_update().get(pk=rule.pk)
    _require_manager(actor, rule)
    if rule.is_retired:
        raise WrongState(errors.RULE_RETIRED)
    if not (name or "").strip():
        raise InvalidInput(errors.NO_WHEN.format(label="规则名称"), field="name")
    data = check_content(content)
    before = rule.current_version
    if name.strip() != rule.name:
        rule.name = name.strip()
        rule.save(update_fields=["name", "updated_at"])
    version = _publish(actor, rule, data)
    changed = {
        key: [getattr(before, key), value]
        for key, value in data.items()
        if before is None or getattr(before, key) != value
    }
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=rule,
        region_key=rule.region_key,
        changes={"version": [before.number if before else None, version.number], **changed},
    )
    return version


@transaction.atomic
def rule_retire(*, actor, rule: VisitRule, reason: str) -> VisitRule:
    """Retire the rule: no new campaign uses it; it and its versions are kept."""
    rule = VisitRule.objects.select_for_update().get(pk=rule.pk)
    _require_manager(actor, rule)
    if rule.is_retired:
        raise WrongState(errors.ALREADY_RETIRED)
    if not (reason or "").strip():
        raise InvalidInput(errors.NO_REASON, field="reason")
    rule.retired_at = timezone.now()
    rule.retired_by = actor
    rule.retire_reason = reason.strip()[:200]
    rule.save(update_fields=["retired_at", "retired_by", "retire_reason", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=rule,
        region_key=rule.region_key,
        changes={"retired_at": [None, rule.retired_at.isoformat()], "reason": [None, reason]},
    )
    return rule


def _require_manager(actor, rule: VisitRule) -> None:
    if not can_make_rules(actor):
        raise NotPermitted(errors.NOT_RULE_MAKER)
    if not can_manage_rule(actor, rule):
        raise NotPermitted(errors.NOT_OWNER.format(owner=rule.owner_name))


@transaction.atomic
@transaction.atomic
def event_record(
    *, actor, recipient, kind: str, occurred_on, note: str = "", source: str = ""
) -> VisitEvent:
    """An event that makes a visit due (六必访; 000's key visits), recorded by a clerk or
    raised by another module acting for its user (api.raise_visit_event). The event rules
    in force for the person decide the visit due at once — its window, the most senior
    level any of them names, the person's station — so it is on the responsible clerk's
    to-do list until a visit is recorded (recording.visit_record), campaign or not."""
    if not can_reach(actor, roles.VIEW, recipient.region_key):
        raise NotPermitted(errors.NOT_RECIPIENT_CLERK)
    if kind not in EventKind.values:
        raise InvalidInput(errors.BAD_EVENT_KIND.format(kind=kind), field="kind")
    if occurred_on is None:
        raise InvalidInput(errors.NO_EVENT_DATE, field="occurred_on")
    if occurred_on > clock.today():
        raise InvalidInput(errors.EVENT_IN_FUTURE, field="occurred_on")
    reasons = event_reasons(recipient.pk, recipient.region_key, kind, occurred_on)
    station = holding_station(recipient.region_key)
    due = {}
    if reasons:
        due = {
            "visit_state": MemberState.DUE,
            "reasons": reasons,
            "opens": min(dt.date.fromisoformat(r["opens"]) for r in reasons),
            "closes": min(dt.date.fromisoformat(r["closes"]) for r in reasons),
            "responsible_level": min(r["level"] for r in reasons),
        }
    event = VisitEvent.objects.create(
        recipient=recipient,
        region_key=recipient.region_key,
        kind=kind,
        occurred_on=occurred_on,
        note=(note or "").strip()[:200],
        source=(source or "")[:60],
        recorded_by=actor,
        station_key=station.region_key if station else recipient.region_key,
        **due,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        region_key=event.region_key,
        subject_id=str(recipient.pk),
        changes={"kind": [None, kind], "occurred_on": [None, occurred_on.isoformat()]},
        extra={
            "source": event.source,
            "visit_due": [r["rule"] for r in reasons],
            "closes": event.closes.isoformat() if event.closes else None,
        },
    )
    return event


# --- campaigns (issue 13 "Campaigns and plans") ----------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor, name: str, period_start: dt.date, period_end: dt.date, rule_codes: list[str]
) -> VisitCampaign:
    """A campaign for the actor's jurisdiction (county level and above) over the period,
    keeping the current version of each rule chosen; its members are generated by a job
    queued when this transaction commits (campaign.job)."""
    if not can_make_campaigns(actor):
        raise NotPermitted(errors.NOT_CAMPAIGN_MAKER)
    if not (name or "").strip():
        raise InvalidInput(errors.NO_CAMPAIGN_NAME, field="name")
    if period_start is None:
        raise InvalidInput(errors.NO_PERIOD.format(label="走访开始日期"), field="period_start")
    if period_end is None:
        raise InvalidInput(errors.NO_PERIOD.format(label="走访结束日期"), field="period_end")
    if period_end < period_start:
        raise InvalidInput(errors.BAD_PERIOD, field="period_end")
    if (period_end - period_start).days > 365:
        raise InvalidInput(errors.PERIOD_TOO_LONG, field="period_end")
    codes = list(dict.fromkeys(c.strip() for c in rule_codes or () if c and c.strip()))
    if not codes:
        raise InvalidInput(errors.NO_RULES, field="rules")
    rules = {
        rule.code: rule
        for rule in VisitRule.objects.filter(
            rule_scope(actor), code__in=codes, retired_at__isnull=True
        )
    }
    for code in codes:
        if code not in rules:
            raise InvalidInput(errors.RULE_NOT_AVAILABLE.format(code=code), field="rules")
    juris = jurisdiction_of(actor)
    campaign = VisitCampaign.objects.create(
        name=name.strip()[:100],
        region_key=juris.low,
        region_key_high=juris.high,
        region_name=juris.region_name,
        period_start=period_start,
        period_end=period_end,
        created_by=actor,
    )
    campaign.rule_versions.set([rules[code].current_version_id for code in codes])
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=campaign,
        region_key=campaign.region_key,
        changes={
            "period": [None, f"{period_start.isoformat()}～{period_end.isoformat()}"],
            "rules": [None, {code: rules[code].current_version.number for code in codes}],
        },
    )
    generation.start(actor=actor, campaign=campaign)
    return campaign


def _require_campaign_manager(actor, campaign: VisitCampaign) -> None:
    if not can_manage_campaign(actor, campaign):
        raise NotPermitted(errors.NOT_CAMPAIGN_MAKER)


def _generating(campaign: VisitCampaign) -> bool:
    job = campaign.job
    return job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


@transaction.atomic
def campaign_regenerate(*, actor, campaign: VisitCampaign):
    """Generate again after the registry changed (the campaign's own rule versions): people
    newly due are added, those no longer due removed, handled members always kept."""
    locked = VisitCampaign.objects.select_for_update(of=("self",)).select_related("job")
    campaign = locked.get(pk=campaign.pk)
    _require_campaign_manager(actor, campaign)
    if campaign.status == CampaignStatus.CLOSED:
        raise WrongState(errors.CAMPAIGN_CLOSED)
    if _generating(campaign):
        raise WrongState(errors.GENERATING)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=campaign,
        region_key=campaign.region_key,
        extra={"regenerate": True},
    )
    return generation.start(actor=actor, campaign=campaign)


def campaign_move(*, actor, campaign: VisitCampaign, to: str, remark: str = "") -> VisitCampaign:
    """Open the campaign for visits, or close it: through the workflow kernel."""
    if _generating(campaign):
        raise WrongState(errors.GENERATING)

    def record(step):
        generation.record_step(step)
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            region_key=step.obj.region_key,
            changes={"status": [step.from_status, step.to_status]},
        )

    return perform(
        CAMPAIGN_WORKFLOW,
        campaign,
        to,
        actor=actor,
        can=workflow_can,
        record=record,
        remark=(remark or "").strip(),
    )


@transaction.atomic
def member_reassign(*, actor, member: CampaignMember, level: int, reason: str) -> CampaignMember:
    """Give the person to another level (001 附件第五部分 三(三): key groups to the county): a
    station head above the village, within their jurisdiction, between their own level and
    the village; kept through re-generation."""
    member = CampaignMember.objects.select_for_update().select_related("campaign").get(pk=member.pk)
    if not can_reassign(actor, member):
        raise NotPermitted(errors.NOT_REASSIGNER)
    juris = jurisdiction_of(actor)
    if member.campaign.status == CampaignStatus.CLOSED:
        raise WrongState(errors.CAMPAIGN_CLOSED)
    if member.responsible_level < juris.level:
        raise NotPermitted(errors.LEVEL_ABOVE.format(level=Level(member.responsible_level).label))
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    if not juris.level <= level <= Level.VILLAGE:
        own = Level(juris.level).label
        raise InvalidInput(errors.BAD_LEVEL.format(own=own), field="level")
    if level == member.responsible_level:
        raise InvalidInput(errors.SAME_LEVEL.format(level=Level(level).label), field="level")
    if not (reason or "").strip():
        raise InvalidInput(errors.NO_REASSIGN_REASON, field="reason")
    before = member.responsible_level
    sent = {"visitor": member.visitor_id, "volunteer": member.volunteer_id}
    member.responsible_level = level
    member.reassigned_by = actor
    member.reassigned_at = timezone.now()
    member.reassign_reason = reason.strip()[:200]
    # The responsible station changes: the visitors it had sent are no longer its to send.
    member.visitor = member.volunteer = None
    member.assigned_by = member.assigned_at = None
    member.save(
        update_fields=[
            "responsible_level",
            "reassigned_by",
            "reassigned_at",
            "reassign_reason",
            "visitor",
            "volunteer",
            "assigned_by",
            "assigned_at",
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=member,
        region_key=member.region_key,
        subject_id=f"recipient:{member.recipient_id}",
        changes={
            "responsible_level": [before, level],
            **{key: [old, None] for key, old in sent.items() if old is not None},
        },
        extra={"campaign": member.campaign_id, "reason": member.reassign_reason},
    )
    return member


# --- budget lines (经费来源) -----------------------------------------------------------------


@transaction.atomic
def budget_line_add(*, actor, name: str) -> BudgetLine:
    """A budget line for the actor's region (county level and above)."""
    if not can_keep_budget_lines(actor):
        raise NotPermitted(errors.NOT_BUDGET_KEEPER)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(errors.NO_BUDGET_LINE_NAME, field="name")
    if len(name) > 100:
        raise InvalidInput(errors.BUDGET_LINE_TOO_LONG, field="name")
    juris = jurisdiction_of(actor)
    if BudgetLine.objects.filter(region_key=juris.low, name=name).exists():
        raise InvalidInput(errors.BUDGET_LINE_TAKEN.format(name=name), field="name")
    line = BudgetLine.objects.create(
        name=name,
        region_key=juris.low,
        region_key_high=juris.high,
        owner_name=juris.region_name,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=line,
        region_key=line.region_key,
        changes={"name": [None, name]},
    )
    return line


@transaction.atomic
def budget_line_retire(*, actor, line: BudgetLine) -> BudgetLine:
    """No longer offered on the visit form; visits already paid from it keep its name."""
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    juris = jurisdiction_of(actor)
    if not can_keep_budget_lines(actor) or not juris.contains(line.region_key):
        raise NotPermitted(errors.NOT_BUDGET_KEEPER)
    if line.retired_at is not None:
        raise WrongState(errors.BUDGET_LINE_RETIRED)
    line.retired_at = timezone.now()
    line.save(update_fields=["retired_at", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=line,
        region_key=line.region_key,
        changes={"retired_at": [None, line.retired_at.isoformat()]},
    )
    return line


# --- the responsible contact (联系责任人) ---------------------------------------------------


def contact_assign(*, actor, recipient, staff=None, name: str = "") -> ContactPerson:
    """Name the person's responsible contact (联系全覆盖, 003 第41项: 有明确的责任联系人): a
    member of staff who may visit them, or someone without an account by name. The station
    that reaches the person sets it; one row per person, changed in place, audited."""
    from .recording import eligible_visitors

    if not can_set_contact(actor, recipient):
        raise NotPermitted(errors.NOT_CONTACT_SETTER)
    name = (name or "").strip()
    if staff is not None:
        if not eligible_visitors(recipient).filter(pk=staff.pk).exists():
            who = staff.full_name or staff.username
            raise InvalidInput(errors.BAD_CONTACT_STAFF.format(name=who), field="staff")
        name = staff.full_name or staff.username
    if not name:
        raise InvalidInput(errors.NO_CONTACT_NAME, field="name")
    if len(name) > 50:
        raise InvalidInput(errors.CONTACT_NAME_TOO_LONG, field="name")
    with transaction.atomic():
        found = ContactPerson.objects.select_for_update().filter(recipient=recipient).first()
        before = {"name": found.name, "staff": found.staff_id} if found else None
        if found is None:
            found = ContactPerson(recipient=recipient)
        found.region_key = recipient.region_key
        found.staff = staff
        found.name = name
        found.assigned_by = actor
        found.save()
        audit.record_change(
            actor=actor,
            obj=found,
            action=AuditAction.UPDATE if before else AuditAction.CREATE,
            before=before,
            after={"name": name, "staff": staff.pk if staff else None},
            region_key=recipient.region_key,
            subject_id=f"recipient:{recipient.pk}",
        )
    return found

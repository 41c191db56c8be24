"""The visit rules' one writer: add a rule, publish a changed version, retire it. Each write
is one transaction with its audit row; campaigns keep the versions they were made with."""

import calendar
import re

from django.db import transaction
from django.utils import timezone

from junjia.core import audit, clock
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.orgs.api import Level, can_reach, jurisdiction_of
from junjia.registry.api import RECIPIENT_ANCHORS

from . import errors, roles
from .choices import Anchor, EventKind, RecordItem, Subject, Timing
from .models import VisitEvent, VisitRule, VisitRuleVersion
from .permissions import can_make_rules, can_manage_rule

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
def event_record(
    *, actor, recipient, kind: str, occurred_on, note: str = "", source: str = ""
) -> VisitEvent:
    """An event that makes a visit due (六必访; 000's key visits), recorded by a clerk or
    raised by another module acting for its user (api.raise_visit_event)."""
    if not can_reach(actor, roles.VIEW, recipient.region_key):
        raise NotPermitted(errors.NOT_RECIPIENT_CLERK)
    if kind not in EventKind.values:
        raise InvalidInput(errors.BAD_EVENT_KIND.format(kind=kind), field="kind")
    if occurred_on > clock.today():
        raise InvalidInput(errors.EVENT_IN_FUTURE, field="occurred_on")
    event = VisitEvent.objects.create(
        recipient=recipient,
        region_key=recipient.region_key,
        kind=kind,
        occurred_on=occurred_on,
        note=(note or "").strip()[:200],
        source=source[:60],
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        region_key=event.region_key,
        subject_id=str(recipient.pk),
        changes={"kind": [None, kind], "occurred_on": [None, occurred_on.isoformat()]},
    )
    return event

"""Writes of petitions: registration (with the repeat check), every step through the
workflow kernel, the one extension, naming the leader, attachments. Each service runs in one
transaction with its audit row (issue 15; 001 附件第七部分 二, 四)."""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from junjia.core import audit, notifications
from junjia.core.clock import today
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.core.numbering import save_numbered
from junjia.core.workflow import (
    CALENDAR,
    NOT_PERMITTED,
    add_days,
    available,
    perform,
    wrong_state,
)
from junjia.orgs.api import Role, can_reach, has_capability, holding_station
from junjia.registry.api import can_view_recipient, find_by_id_number

from . import errors, roles
from .choices import EXTEND, LEADER, MatterType, PetitionStatus, Satisfaction, ToldBy
from .models import (
    PETITIONER_ID,
    PETITIONER_PHONE,
    Petition,
    PetitionAttachment,
    PetitionHandler,
    PetitionStep,
)
from .permissions import can_supervise, is_current_handler
from .workflow import EXTENDABLE, PETITION_WORKFLOW, TAKEN_ABOVE, limit

S = PetitionStatus
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes, read out by phone
ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx")
ATTACHMENT_MAX = 10 * 1024 * 1024
GROUP_MIN = 5  # 集体访: five people or more, at most five representatives (信访工作条例 第二十条)


@dataclass
class PetitionInput:
    channel: str
    received_on: dt.date
    petitioner_name: str
    id_number: str  # validated and normalised (core.personal)
    matter_type: str
    matter: str
    demands: str
    phone: str = ""
    address: str = ""
    is_group: bool = False
    people_count: int = 1
    representatives: str = ""
    skips_level: bool = False
    attachments: list = field(default_factory=list)


# --- the repeat check ------------------------------------------------------------------------


def repeat_of(id_number: str, matter_type: str) -> Petition | None:
    """The first petition of this person on this matter (same identity number, same kind of
    matter), or None: one look-up on the (id index, matter type, id) index."""
    return (
        Petition.objects.filter(
            PETITIONER_ID.matching(id_number), matter_type=matter_type, merged_into__isnull=True
        )
        .select_related("handling_station")
        .order_by("id")
        .first()
    )


# --- registration ----------------------------------------------------------------------------


def number_prefix(station) -> str:
    return f"XF{station.region.code}-{today():%Y%m%d}-"


def _save(petition: Petition, number: str) -> Petition:
    petition.number = number
    petition.save()
    return petition


def _check(data: PetitionInput) -> None:
    if not data.petitioner_name.strip():
        raise InvalidInput(errors.NO_NAME, field="petitioner_name")
    if not data.matter.strip():
        raise InvalidInput(errors.NO_MATTER, field="matter")
    if not data.demands.strip():
        raise InvalidInput(errors.NO_DEMANDS, field="demands")
    if data.received_on > today():
        raise InvalidInput(errors.RECEIVED_IN_FUTURE, field="received_on")
    if data.matter_type not in MatterType.values:
        raise InvalidInput(errors.NO_MATTER, field="matter_type")
    if data.is_group:
        if data.people_count < GROUP_MIN:
            raise InvalidInput(errors.BAD_COUNT, field="people_count")
        names = [n for n in data.representatives.replace("，", "、").split("、") if n.strip()]
        if not names or len(names) > GROUP_MIN:
            raise InvalidInput(errors.NO_REPRESENTATIVES, field="representatives")
    for upload in data.attachments:
        name = upload.name or ""
        if not name.lower().endswith(ATTACHMENT_TYPES) or upload.size > ATTACHMENT_MAX:
            raise InvalidInput(errors.BAD_FILE.format(name=name[:60]), field="attachments")


def _link(link_to) -> str:
    return reverse("petitions:detail", args=[link_to.pk])


@transaction.atomic
def petition_register(*, actor, data: PetitionInput) -> tuple[Petition, Petition | None]:
    """Register a petition at the actor's station; the actor is its first handler. A repeat
    (same person, same matter) is kept as registered, merged into the first and counted there;
    after the first's recheck the same facts and reasons are refused. Returns (petition, the
    first it was merged into or None)."""
    if not has_capability(actor, roles.HANDLE):
        raise NotPermitted("您没有登记信访件的权限。")
    station = actor.station if actor.station_id else None
    if station is None:
        raise NotPermitted(errors.NO_STATION_OF_ACTOR)
    _check(data)
    first = repeat_of(data.id_number, data.matter_type)
    if first is not None and first.status == S.RECHECKED:
        # 信访工作条例 第三十五条: after the recheck, the same facts and reasons are not accepted.
        raise InvalidInput(
            errors.RECHECKED_FINAL.format(day=first.rechecked_on, number=first.number),
            field="matter_type",
        )
    recipient = find_by_id_number(data.id_number)
    if recipient is not None and not can_view_recipient(actor, recipient):
        recipient = None  # on file elsewhere: registered minimally, nothing said about it
    if first is None:
        # 15 days from receipt to tell the petitioner whether it is accepted (第三十一条).
        opening = {"due_on": add_days(data.received_on, limit("accept"), CALENDAR), "owner": actor}
    else:  # a repeat is born merged: nobody handles it apart from the first
        opening = {"status": S.MERGED, "merged_into": first, "owner": None}
    petition = Petition(
        query_code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
        channel=data.channel,
        received_on=data.received_on,
        station=station,
        region_key=station.region_key,
        handling_station=station,
        registered_by=actor,
        recipient=recipient,
        petitioner_name=recipient.name if recipient else data.petitioner_name.strip(),
        petitioner_address=data.address.strip(),
        matter_type=data.matter_type,
        matter=data.matter.strip(),
        demands=data.demands.strip(),
        is_group=data.is_group,
        people_count=data.people_count if data.is_group else 1,
        representatives=data.representatives.strip() if data.is_group else "",
        skips_level=data.skips_level,
        **PETITIONER_ID.seal(data.id_number),
        **PETITIONER_PHONE.seal(data.phone),
        **opening,
    )
    # The station's day's next number; read again if another registration took it first.
    if save_numbered(Petition, number_prefix(station), lambda n: _save(petition, n)) is None:
        raise InvalidInput(errors.NUMBER_CLASH)
    PetitionHandler.objects.create(petition=petition, user=actor)
    for upload in data.attachments:
        _attach(petition, upload, actor)
    PetitionStep.objects.create(
        petition=petition,
        action="登记" if first is None else "登记（重复信访，并入首件）",
        to_status=petition.status,
        actor=actor,
        station_name=station.name,
        extra={"merged_into": first.number} if first else None,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=petition,
        subject_id=f"recipient:{recipient.pk}" if recipient else "",
        extra={"channel": data.channel, "merged_into": first.pk if first else None},
    )
    if first is not None:
        _merge(first, petition, actor)
    return petition, first


def _merge(first: Petition, repeat: Petition, actor) -> None:
    locked = Petition.objects.select_for_update(of=("self",)).get(pk=first.pk)
    locked.repeat_count += 1
    locked.save(update_fields=["repeat_count", "updated_at"])
    PetitionStep.objects.create(
        petition=locked,
        action="重复信访并入",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        remark=f"{repeat.get_channel_display()}，{repeat.received_on}（{repeat.number}）",
        station_name=repeat.station.name,
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        changes={"repeat_count": [locked.repeat_count - 1, locked.repeat_count]},
        extra={"repeat": repeat.number},
    )
    tell = {locked.owner_id, locked.leader_id} - {None, actor.pk}
    if tell:
        transaction.on_commit(
            lambda: notifications.notify(
                tell, f"信访件 {locked.number} 收到重复信访（{repeat.number}）", _link(locked)
            )
        )


def _attach(petition: Petition, upload: UploadedFile, actor) -> PetitionAttachment:
    name = (upload.name or "附件").rsplit("/", 1)[-1][:200]
    attachment = PetitionAttachment(petition=petition, name=name, uploaded_by=actor)
    attachment.file.save(f"{secrets.token_hex(8)}-{name}", upload, save=False)
    attachment.save()
    return attachment


# --- steps through the kernel ------------------------------------------------------------------


def taking_station(petition: Petition):
    """Where a waiting step is taken up: the handling station, or — for a review or recheck —
    the station one level above it (第三十五条, 第三十六条)."""
    if petition.status in TAKEN_ABOVE:
        return station_above(petition.handling_station)
    return petition.handling_station


def station_above(station):
    parent = station.region.parent
    return holding_station(parent.key) if parent is not None else None


def workflow_can(actor, capability: str, petition: Petition) -> bool | str:
    """The kernel's permission check: within reach; taking up at one's own station; other
    steps by the current handlers (首办负责制, the shared rule in staffing.api) or the heads."""
    if capability == roles.TAKE:
        station = taking_station(petition)
        if station is None:
            return errors.TOP_LEVEL
        if has_capability(actor, roles.TAKE) and actor.station_id == station.pk:
            return True
        return errors.NOT_TAKER.format(station=station.name)
    if not can_reach(actor, capability, petition.region_key):
        return False
    if is_current_handler(actor, petition) or can_supervise(actor, petition):
        return True
    owner = petition.owner or petition.handling_station
    return errors.NOT_HANDLER.format(owner=owner)


def steps_for(actor, petition: Petition) -> list[tuple[str, str]]:
    """(status, action) the actor may take now: the buttons and the API's `allowed`."""
    steps = available(PETITION_WORKFLOW, petition, actor, can=workflow_can)
    return [(to, transition.action) for to, transition in steps]


def _unit(actor, petition: Petition) -> str:
    """The unit that took the step: the actor's station (a leader above, a head above)."""
    return actor.station.name if actor.station_id else petition.handling_station.name


def _recorder(actor, remark: str, extra: dict):
    def record(step):
        petition = step.obj
        PetitionStep.objects.create(
            petition=petition,
            action=step.transition.action,
            from_status=step.from_status,
            to_status=step.to_status,
            actor=actor,
            remark=remark,
            station_name=_unit(actor, petition),
            extra={**extra, **step.extra} or None,
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=petition,
            changes={"status": [step.from_status, step.to_status]},
            extra={"action": step.transition.action, **extra, **step.extra},
        )

    return record


def _told(context: dict) -> str:
    told_by = context.get("told_by") or ""
    if told_by and told_by not in ToldBy.values:
        raise InvalidInput(errors.NO_NOTICE, field="told_by")
    return told_by


def _lower_station(actor, petition: Petition, pk):
    """A station one level below the handling one, within it (交办)."""
    from junjia.orgs.api import stations_in_reach

    if not str(pk or "").strip():
        raise InvalidInput(errors.NO_STATION, field="station")
    handling = petition.handling_station
    station = (
        stations_in_reach(actor, roles.VIEW)
        .filter(
            pk=pk,
            region__parent_id=handling.region_id,
            region__level__gt=handling.region.level,
        )
        .first()
        if str(pk or "").isdigit()
        else None
    )
    if station is None:
        raise InvalidInput(errors.BAD_STATION, field="station")
    return station


@transaction.atomic
def petition_step(*, actor, petition: Petition, to: str, **context) -> Petition:
    """Move a petition one step (the buttons and the API's actions): whatever the step needs
    is in `context` (told_by, reason, station, department, receipt, result, reply,
    satisfaction, opinion); the kernel checks table, permission, input and guard."""
    petition = (
        Petition.objects.select_for_update(of=("self",))
        .select_related("handling_station__region", "leader", "owner")
        .get(pk=petition.pk)
    )
    transition = PETITION_WORKFLOW.allowed(petition.status).get(to)
    if transition is None:
        raise wrong_state(PETITION_WORKFLOW, petition.status, to)
    answer = workflow_can(actor, transition.permission, petition)
    if answer is not True:
        raise NotPermitted(answer if isinstance(answer, str) and answer else NOT_PERMITTED)
    current = petition.status
    remark = str(context.pop("remark", "") or context.get("reason") or "").strip()
    extra: dict = {}
    told_by = _told(context)
    if told_by:
        extra["told_by"] = ToldBy(told_by).label
    if petition.leader_id:
        extra["leader"] = str(petition.leader)  # 领导包案: the leader takes part in each step
    lower = None
    if to == S.HANDED_DOWN:
        lower = _lower_station(actor, petition, context.get("station"))
        extra["station"] = lower.name
    satisfaction = context.get("satisfaction") or ""
    if to == S.CONCLUDED and satisfaction and satisfaction not in Satisfaction.values:
        raise InvalidInput(errors.NO_SATISFACTION, field="satisfaction")
    above = None
    if to in (S.ESCALATED, S.REVIEW, S.RECHECK):
        above = station_above(petition.handling_station)
        if above is None:
            raise InvalidInput(errors.TOP_LEVEL, field="reason" if to == S.ESCALATED else None)
        extra["station"] = above.name
    day = today()

    def apply(locked: Petition) -> list[str]:
        fields: list[str] = []
        if to == S.ACCEPTED:
            locked.accepted_on = day
            fields.append("accepted_on")
        elif to == S.HANDED_DOWN:
            locked.handling_station, locked.owner = lower, None
            locked.region_key = lower.region_key  # the lowest station that has held it
            fields += ["handling_station", "owner", "region_key"]
        elif to == S.ESCALATED:
            locked.handling_station, locked.owner = above, None
            fields += ["handling_station", "owner"]
        elif to == S.TRANSFERRED:
            locked.transfer_department = str(context["department"]).strip()[:100]
            locked.transfer_receipt = str(context["receipt"]).strip()[:100]
            fields += ["transfer_department", "transfer_receipt"]
        elif to == S.IN_PROGRESS and current != S.TRANSFERRED:
            locked.owner = actor  # 接办: the taker is the first handler here
            fields.append("owner")
        elif to == S.CONCLUDED:
            locked.reply = str(context["reply"]).strip()
            locked.reply_on = day
            locked.satisfaction = satisfaction
            fields += ["reply", "reply_on", "satisfaction"]
        elif to in (S.REVIEW, S.RECHECK):
            locked.handling_station, locked.owner = above, actor
            fields += ["handling_station", "owner"]
        elif to == S.REVIEWED:
            locked.review_opinion, locked.reviewed_on = str(context["opinion"]).strip(), day
            fields += ["review_opinion", "reviewed_on"]
        elif to == S.RECHECKED:
            locked.recheck_opinion, locked.rechecked_on = str(context["opinion"]).strip(), day
            fields += ["recheck_opinion", "rechecked_on"]
        return fields

    if S.TRANSFERRED in (to, current):
        extra["department"] = petition.transfer_department or str(context.get("department", ""))
    for key in ("receipt", "result"):
        if context.get(key):
            extra[key] = str(context[key]).strip()[:300]
    moved = perform(
        PETITION_WORKFLOW,
        petition,
        to,
        actor=actor,
        can=workflow_can,
        record=_recorder(actor, remark, extra),
        apply=apply,
        effects=[_tell_leader(petition, actor)],
        remark=remark,
        **context,
    )
    if moved.owner_id:
        PetitionHandler.objects.get_or_create(petition=moved, user_id=moved.owner_id)
    return moved


def _tell_leader(petition: Petition, actor):
    def tell():
        if petition.leader_id and petition.leader_id != actor.pk:
            notifications.notify(
                [petition.leader_id],
                f"包案信访件 {petition.number} 有新的办理步骤",
                _link(petition),
            )

    return tell


# --- one action, as the page and the API name it ----------------------------------------------


def petition_act(*, actor, petition: Petition, action: str, data: dict) -> str:
    """A step to the status `action`, an extension (EXTEND) or naming the leader (LEADER);
    the message saying what was done."""
    if action == EXTEND:
        petition_extend(
            actor=actor,
            petition=petition,
            days=data.get("days") or 0,
            reason=data.get("reason", ""),
            told_by=data.get("told_by", ""),
        )
        return "已批准延期"
    if action == LEADER:
        petition_name_leader(actor=actor, petition=petition, leader_id=data.get("leader"))
        return "已指定包案领导"
    moved = petition_step(actor=actor, petition=petition, to=action, **data)
    return f"已办理：{moved.get_status_display()}"


# --- extension and leader ----------------------------------------------------------------------


@transaction.atomic
def petition_extend(*, actor, petition: Petition, days: int, reason: str, told_by: str) -> Petition:
    """One extension of the 60-day limit, at most 30 days, approved by the handling unit's
    head (or a head above), the reason told to the petitioner (第三十三条)."""
    locked = (
        Petition.objects.select_for_update(of=("self",))
        .select_related("handling_station")
        .get(pk=petition.pk)
    )
    if not can_supervise(actor, locked):
        raise NotPermitted(errors.NOT_SUPERVISOR)
    if locked.status not in EXTENDABLE or locked.due_on is None:
        raise WrongState(
            errors.NOT_RUNNING.format(status=locked.get_status_display()),
            status=locked.status,
            status_label=locked.get_status_display(),
            allowed=PETITION_WORKFLOW.steps(locked.status),
        )
    if locked.extension_days:
        raise InvalidInput(errors.EXTENDED_ONCE, field="days")
    most = limit("extension_max")
    if not isinstance(days, int) or not 1 <= days <= most:
        raise InvalidInput(errors.BAD_EXTENSION.format(days=most), field="days")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(errors.NO_REASON, field="reason")
    if told_by not in ToldBy.values:
        raise InvalidInput(errors.NO_NOTICE, field="told_by")
    before = locked.due_on
    locked.due_on = add_days(before, days, CALENDAR)
    locked.extension_days, locked.extension_reason = days, reason[:300]
    locked.save(update_fields=["due_on", "extension_days", "extension_reason", "updated_at"])
    PetitionStep.objects.create(
        petition=locked,
        action="延期（负责人批准）",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        remark=reason,
        station_name=_unit(actor, locked),
        extra={"days": days, "due_on": locked.due_on.isoformat(), "told_by": ToldBy(told_by).label},
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        changes={"due_on": [before.isoformat(), locked.due_on.isoformat()]},
        extra={"action": "延期", "days": days},
    )
    return locked


def leader_candidates(petition: Petition):
    """Heads and leaders of the handling station and the stations above it."""
    from django.contrib.auth import get_user_model

    station = petition.handling_station
    region = station.region
    users = get_user_model().objects.filter(
        is_active=True,
        role_grants__role__in=[Role.STATION_HEAD, Role.LEADER],
        station__isnull=False,
    )
    keys = []
    while region is not None:
        keys.append(region.key)
        region = region.parent
    return users.filter(region_key__in=keys).distinct().order_by("-region_key", "pk")


@transaction.atomic
def petition_name_leader(*, actor, petition: Petition, leader_id) -> Petition:
    """领导包案: a head names the leader who owns a hard, supervised or prominent matter."""
    locked = (
        Petition.objects.select_for_update(of=("self",))
        .select_related("handling_station")
        .get(pk=petition.pk)
    )
    if not can_supervise(actor, locked):
        raise NotPermitted(errors.NOT_SUPERVISOR)
    if locked.status not in PETITION_WORKFLOW.running | PETITION_WORKFLOW.paused:
        raise wrong_state(PETITION_WORKFLOW, locked.status, locked.status)
    leader = leader_candidates(locked).filter(pk=leader_id).first() if leader_id else None
    if leader is None:
        raise InvalidInput(errors.NO_LEADER if not leader_id else errors.BAD_LEADER, field="leader")
    if not has_capability(leader, roles.LEAD):
        raise InvalidInput(errors.BAD_LEADER, field="leader")
    if locked.leader_id == leader.pk:
        raise InvalidInput(errors.SAME_LEADER.format(leader=leader), field="leader")
    before = locked.leader_id
    locked.leader = leader
    locked.save(update_fields=["leader", "updated_at"])
    PetitionHandler.objects.get_or_create(petition=locked, user=leader)
    PetitionStep.objects.create(
        petition=locked,
        action="指定包案领导",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        remark=str(leader),
        station_name=_unit(actor, locked),
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        changes={"leader": [before, leader.pk]},
    )
    transaction.on_commit(
        lambda: notifications.notify(
            [leader.pk], f"您被指定为信访件 {locked.number} 的包案领导", _link(locked)
        )
    )
    return locked


def record_view(actor, petition: Petition, *, readable: bool, page: str) -> None:
    """Every view of a petition is audited, with whether its content was shown."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=petition,
        subject_id=f"recipient:{petition.recipient_id}" if petition.recipient_id else "",
        extra={"page": page, "content": readable},
    )

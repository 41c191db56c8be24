"""Writes for service items, cases, AB roles and leave, lunch duty, appointments,
callbacks, evaluations and the bad-review loop. Rules cite 000 §7 and §9."""

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from junjia.core import audit, clock, notifications, sms
from junjia.core.crypto import get_provider
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.core.workdays import add_working_days, is_working_day
from junjia.core.workflow import available, perform
from junjia.orgs.api import can_reach, require_capability, station_heads

from . import errors
from .choices import (
    CALLBACK_AREAS,
    LOOP_ORDER,
    SATISFIED_LEVELS,
    AppointmentStatus,
    CallbackStatus,
    CaseStatus,
    Channel,
    ExtensionStatus,
    LoopStage,
    MaterialState,
    SlotKind,
)
from .models import (
    Appointment,
    AppointmentSlot,
    Callback,
    Case,
    CaseStep,
    Evaluation,
    Extension,
    Handover,
    Leave,
    LoopRecord,
    LunchDuty,
    RectificationLoop,
    ServiceItem,
    ServiceItemVersion,
    WindowPost,
)
from .workflow import (
    APPOINTMENT_WORKFLOW,
    CALLBACK_WORKFLOW,
    CASE_WORKFLOW,
    EXTENSION_WORKFLOW,
    LOOP_WORKFLOW,
)

ID_AAD = b"cases.applicant.id_number"
PHONE_AAD = b"cases.applicant.phone"
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no look-alikes, read out by phone
CALLBACK_DAYS = 10


# Materials can be checked again until the case is accepted (the one-time notice loop).
RECHECK_STATUSES = (CaseStatus.CONSULTED, CaseStatus.RECEIVED, CaseStatus.NOTICE_ISSUED)


def _today() -> dt.date:
    return clock.today()


# --- catalogue --------------------------------------------------------------------------------


@transaction.atomic
def item_publish(
    *,
    actor,
    item: ServiceItem | None,
    code: str,
    name: str,
    area: str,
    handling_levels: list[int],
    content: dict,
) -> ServiceItemVersion:
    """Create an item or publish a new version of it; open cases keep their own version."""
    if actor is not None:
        require_capability(actor, "cases.catalogue")
    if item is None:
        item = ServiceItem.objects.create(
            code=code, name=name, area=area, handling_levels=handling_levels
        )
    else:
        item.name, item.area, item.handling_levels = name, area, handling_levels
        item.save(update_fields=["name", "area", "handling_levels", "updated_at"])
    number = (item.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ServiceItemVersion.objects.create(
        item=item, number=number, published_by=actor, **content
    )
    item.current_version = version
    item.save(update_fields=["current_version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=version,
        region_key=None,
        changes={"item": [None, item.code], "version": [None, number]},
    )
    return version


# --- who handles a case (首办负责制 and AB角工作制) -----------------------------------


def on_leave(user, day: dt.date) -> bool:
    return Leave.objects.filter(user=user, start_date__lte=day, end_date__gte=day).exists()


def stand_ins_for(user, day: dt.date) -> list:
    """Primaries whose backup is `user` and who are away on `day`."""
    primaries = WindowPost.objects.filter(backup=user).values_list("primary_id", flat=True)
    away = Leave.objects.filter(user_id__in=primaries, start_date__lte=day, end_date__gte=day)
    return list(away.values_list("user_id", flat=True).distinct())


def current_handler_ids(case: Case, day: dt.date | None = None) -> set[int]:
    """The owner, and while the owner is away their backup (B) too."""
    day = day or _today()
    handlers = {case.owner_id}
    if on_leave(case.owner, day):
        handlers |= set(
            WindowPost.objects.filter(primary_id=case.owner_id).values_list("backup_id", flat=True)
        )
    return handlers


def can_handle(actor, case: Case) -> bool:
    if not can_reach(actor, "cases.handle", case.region_key):
        return False
    if actor.pk in current_handler_ids(case):
        return True
    return can_reach(actor, "cases.supervise", case.region_key)


def _can(actor, capability, case) -> bool | str:
    """The kernel's permission check: outside the jurisdiction or without the capability,
    no; inside it but not the case's handler, the reason naming the first handler."""
    if not can_reach(actor, capability, case.region_key):
        return False
    if capability == "cases.handle" and not can_handle(actor, case):
        return errors.NOT_HANDLER.format(owner=case.owner)
    return True


def _recorder(actor, case, remark=""):
    def record(step):
        text = step.remark or remark
        CaseStep.objects.create(
            case=step.obj,
            action=step.transition.action,
            from_status=step.from_status,
            to_status=step.to_status,
            actor=actor,
            remark=text,
            extra=step.extra or None,
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            subject_id=f"recipient:{step.obj.recipient_id}" if step.obj.recipient_id else "",
            changes={"status": [step.from_status, step.to_status]},
            extra={"action": step.transition.action, "remark": text, **step.extra},
        )

    return record


# --- opening a case -------------------------------------------------------------------------------


def check_materials(
    version: ServiceItemVersion, received: dict[str, dict], categories=None
) -> list[dict]:
    """The item's material list with the state of each as received at the window. For a
    person on file, category-specific materials apply by their categories; for a walk-in
    (categories None) everything applies until the clerk marks it 不适用."""
    rows = []
    for material in version.materials:
        wanted_for = set(material.get("categories") or [])
        applies = not wanted_for or categories is None or bool(wanted_for & set(categories))
        got = received.get(material["name"], {})
        state = got.get("state") or (MaterialState.MISSING if applies else MaterialState.NOT_NEEDED)
        if state not in MaterialState.values:
            state = MaterialState.MISSING
        rows.append(
            {
                "name": material["name"],
                "form": material.get("form", ""),
                "count": material.get("count", 1),
                "state": state,
                "note": (got.get("note") or "").strip()[:200],
            }
        )
    return rows


def _number(station) -> str:
    prefix = f"{station.region.code}-{_today():%Y%m%d}-"
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


@transaction.atomic
def case_open(
    *,
    actor,
    item: ServiceItem,
    channel: str,
    recipient=None,
    applicant_name: str = "",
    applicant_phone: str = "",
    applicant_id: str = "",
    received: dict | None = None,
    consultation: bool = False,
    doorstep: dict | None = None,
    proxy: dict | None = None,
    outside_remit: bool = False,
) -> Case:
    """Open a case at the actor's station; the actor becomes its first handler."""
    require_capability(actor, "cases.handle")
    station = actor.station
    version = item.current_version
    Channel(channel)
    # The catalogue says which levels handle an item; a hall takes only those (a matter of
    # another level is recorded as outside its remit and referred).
    level = station.region.level
    if not outside_remit and level not in item.handling_levels:
        raise InvalidInput(errors.ITEM_NOT_HERE.format(item=item.name), field="item")
    if channel == Channel.DOORSTEP and not (doorstep or {}).get("condition", "").strip():
        raise errors.CaseError(errors.DOORSTEP_CONDITION)
    if channel == Channel.PROXY and not (
        (proxy or {}).get("requester") and (proxy or {}).get("authorisation")
    ):
        raise errors.CaseError(errors.PROXY_AUTHORISATION)
    categories = None
    if recipient is not None:
        if not can_reach(actor, "registry.view", recipient.region_key):
            raise errors.CaseError("该服务对象不在您的辖区内。")
        applicant_name = recipient.name
        categories = tuple(recipient.categories.values_list("category", flat=True))
    if not applicant_name.strip():
        raise errors.CaseError("请填写申请人姓名，或选择服务对象档案。")
    provider = get_provider()
    extra = {}
    if applicant_phone:
        from junjia.registry.api import mask_phone, normalise_mobile

        phone = normalise_mobile(applicant_phone)
        extra.update(
            applicant_phone_enc=provider.encrypt_text(phone, aad=PHONE_AAD),
            applicant_phone_masked=mask_phone(phone),
        )
    if applicant_id and recipient is None:
        from junjia.registry.api import parse_id_number

        number = parse_id_number(applicant_id).value
        extra.update(
            applicant_id_enc=provider.encrypt_text(number, aad=ID_AAD),
            applicant_id_index=provider.blind_index(number, purpose="recipient.id"),
            applicant_id_masked=number[:6] + "*" * 8 + number[-4:],
        )
    status = CaseStatus.CONSULTED if consultation else CaseStatus.RECEIVED
    doorstep, proxy = doorstep or {}, proxy or {}
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    number=_number(station),
                    item_version=version,
                    station=station,
                    region_key=station.region_key,
                    recipient=recipient,
                    applicant_name=applicant_name.strip(),
                    channel=channel,
                    status=status,
                    owner=actor,
                    materials=check_materials(version, received or {}, categories),
                    outside_remit=outside_remit,
                    doorstep_condition=doorstep.get("condition", ""),
                    doorstep_at=doorstep.get("at"),
                    doorstep_place=doorstep.get("place", ""),
                    proxy_requester=proxy.get("requester", ""),
                    proxy_relationship=proxy.get("relationship", ""),
                    proxy_authorisation=proxy.get("authorisation", ""),
                    **extra,
                )
            break
        except IntegrityError:
            continue
    else:
        raise errors.CaseError("办件编号生成冲突，请重试。")
    CaseStep.objects.create(
        case=case, action="咨询登记" if consultation else "接件", to_status=status, actor=actor
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=case,
        subject_id=f"recipient:{recipient.pk}" if recipient else "",
        changes={"item": [None, item.name], "channel": [None, channel]},
    )
    return case


# --- moving a case along ------------------------------------------------------------------------


@transaction.atomic
def case_recheck(*, actor, case: Case, received: dict) -> Case:
    """Record the materials as now received. The person may come back to any clerk; the case
    stays with its first handler, who is told (首办负责制)."""
    if not can_reach(actor, "cases.handle", case.region_key):
        raise errors.CaseError("该办件不在您的辖区内。")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in RECHECK_STATUSES:
        raise errors.CaseError(
            errors.NOT_RECHECKABLE.format(status=CaseStatus(locked.status).label)
        )
    categories = None
    if locked.recipient_id:
        categories = tuple(locked.recipient.categories.values_list("category", flat=True))
    locked.materials = check_materials(locked.item_version, received, categories)
    locked.save(update_fields=["materials", "updated_at"])
    if locked.status == CaseStatus.NOTICE_ISSUED:
        perform(
            CASE_WORKFLOW,
            locked,
            CaseStatus.RECEIVED,
            actor=actor,
            can=lambda a, cap, obj: can_reach(a, cap, obj.region_key),
            record=_recorder(actor, locked, "申请人补齐材料"),
        )
    if actor.pk != locked.owner_id:
        notifications.notify(
            [locked.owner],
            f"办件 {locked.number}（{locked.applicant_name}）已补交材料，请继续办理。",
            link=f"/cases/{locked.pk}/",
        )
    return Case.objects.get(pk=locked.pk)


def case_move(*, actor, case: Case, to: str, remark: str = "", **context) -> Case:
    return perform(
        CASE_WORKFLOW,
        case,
        to,
        actor=actor,
        can=_can,
        record=_recorder(actor, case),
        remark=remark,
        **context,
    )


def case_actions(actor, case: Case) -> list[tuple[str, object]]:
    """What this user may do to this case now: the buttons of the page and the API's list."""
    return available(CASE_WORKFLOW, case, actor, can=_can)


@transaction.atomic
def case_mark_incomplete(*, actor, case: Case) -> Case:
    return case_move(actor=actor, case=case, to=CaseStatus.INCOMPLETE)


@transaction.atomic
def case_issue_notice(*, actor, case: Case) -> Case:
    """一次性告知: issued once, in full, from the item and the materials check."""
    return case_move(actor=actor, case=case, to=CaseStatus.NOTICE_ISSUED)


@transaction.atomic
def case_accept(*, actor, case: Case) -> Case:
    """Acceptance starts the promised time limit, counted in working days (the workflow's
    deadline)."""

    def apply(locked):
        locked.accepted_on = _today()
        return ["accepted_on"]

    return perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.ACCEPTED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case),
        apply=apply,
    )


@transaction.atomic
def case_complete(*, actor, case: Case, result: str) -> Case:
    now = timezone.localtime()

    def apply(locked):
        locked.completed_at = now
        locked.result = result.strip()
        # 延时服务 (000 §7): finished after closing time because it was ready to finish.
        locked.delay_service = now.time() > closing_time()
        return ["completed_at", "result", "delay_service"]

    def text_rating_link():
        phone = _applicant_phone(locked)
        if phone:
            link = rating_url(locked)
            sms.send(phone, f"【军之家】您的办件 {locked.number} 已办结，请对服务进行评价：{link}")

    locked = perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.COMPLETED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case, result.strip()),
        apply=apply,
        effects=[text_rating_link],
        result=result,
    )
    if locked.item_version.item.area in CALLBACK_AREAS:
        Callback.objects.create(
            case=locked,
            region_key=locked.region_key,
            owner=locked.owner,
            due_on=add_working_days(_today(), CALLBACK_DAYS),
        )
    return locked


def _applicant_phone(case: Case) -> str:
    if case.applicant_phone_enc:
        return get_provider().decrypt_text(case.applicant_phone_enc, aad=PHONE_AAD)
    if case.recipient_id:
        from junjia.registry.api import reveal_phone

        return reveal_phone(case.recipient)
    return ""


def rating_url(case: Case) -> str:
    """The public rating link printed as a QR code on the receipt and sent by SMS."""
    from django.urls import reverse

    base = getattr(settings, "JUNJIA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("portal:rate", args=[rating_token(case)])


def closing_time() -> dt.time:
    return dt.time.fromisoformat(getattr(settings, "JUNJIA_CLOSING_TIME", "17:30"))


@transaction.atomic
def case_refuse(*, actor, case: Case, reason: str) -> Case:
    def apply(locked):
        locked.refusal_reason = reason.strip()
        return ["refusal_reason"]

    return perform(
        CASE_WORKFLOW,
        case,
        CaseStatus.REFUSED,
        actor=actor,
        can=_can,
        record=_recorder(actor, case, reason.strip()),
        apply=apply,
        reason=reason,
    )


@transaction.atomic
def case_record_doorstep(*, actor, case: Case, outcome: str) -> Case:
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.channel != Channel.DOORSTEP:
        raise errors.CaseError(errors.NOT_DOORSTEP)
    if not outcome.strip():
        raise errors.CaseError(errors.DOORSTEP_OUTCOME_REQUIRED)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.doorstep_outcome = outcome.strip()
    locked.save(update_fields=["doorstep_outcome", "updated_at"])
    CaseStep.objects.create(
        case=locked,
        action="上门服务记录",
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        remark=outcome.strip(),
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        changes={"doorstep_outcome": [None, outcome]},
    )
    return locked


@transaction.atomic
def handover_record(
    *, actor, case: Case, direction: str, items: list[str], counterpart: str
) -> Handover:
    """帮办代办: a receipted hand-over of materials, person → clerk or clerk → person."""
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.channel not in (Channel.PROXY, Channel.ASSISTED):
        raise errors.CaseError(errors.HANDOVER_NOT_PROXY)
    items = [i.strip() for i in items if i.strip()]
    if not items or not counterpart.strip():
        raise errors.CaseError("请填写交接的材料和交接人。")
    receipt = f"JJ{_today():%Y%m%d}{secrets.randbelow(10**6):06d}"
    handover = Handover.objects.create(
        case=case,
        direction=direction,
        items=items,
        counterpart=counterpart.strip(),
        receipt_no=receipt,
        clerk=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=handover,
        region_key=case.region_key,
        changes={"items": [None, "、".join(items)], "direction": [None, direction]},
    )
    return handover


# --- extensions ------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, actor, case: Case, days: int, reason: str) -> Extension:
    if not can_handle(actor, case):
        raise errors.CaseError(errors.NOT_HANDLER.format(owner=case.owner))
    if case.status not in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.SENT_UP):
        raise errors.CaseError(errors.NOT_IN_CLOCK)
    if not reason.strip() or days < 1:
        raise errors.CaseError(errors.EXTENSION_REASON)
    extension = Extension.objects.create(
        case=case, days=days, reason=reason.strip(), requested_by=actor
    )
    CaseStep.objects.create(
        case=case,
        action=f"申请延期 {days} 个工作日",
        from_status=case.status,
        to_status=case.status,
        actor=actor,
        remark=reason.strip(),
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=extension, region_key=case.region_key)
    return extension


def _extension_can(actor, capability, extension) -> bool | str:
    return can_reach(actor, capability, extension.case.region_key) or errors.EXTENSION_DECIDER


@transaction.atomic
def extension_decide(*, actor, extension: Extension, approve: bool) -> Extension:
    """The head approves (the limit moves on by the days asked) or refuses an extension."""

    def apply(locked):
        locked.decided_by, locked.decided_at = actor, timezone.now()
        if approve:
            case = Case.objects.select_for_update().get(pk=locked.case_id)
            case.due_on = add_working_days(case.due_on, locked.days)
            case.extended_days += locked.days
            case.save(update_fields=["due_on", "extended_days", "updated_at"])
        return ["decided_by", "decided_at"]

    def record(step):
        case = step.obj.case
        CaseStep.objects.create(
            case=case,
            action=step.transition.action,
            from_status=case.status,
            to_status=case.status,
            actor=actor,
            remark=step.obj.reason,
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            region_key=case.region_key,
            changes={"status": [step.from_status, step.to_status]},
        )

    extension = Extension.objects.select_related("case").get(pk=extension.pk)
    to = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    return perform(
        EXTENSION_WORKFLOW,
        extension,
        to,
        actor=actor,
        can=_extension_can,
        record=record,
        apply=apply,
    )


# --- AB roles, leave, lunch duty ---------------------------------------------------------------


@transaction.atomic
def window_save(
    *, actor, station, name: str, primary, backup, window: WindowPost | None = None
) -> WindowPost:
    if not can_reach(actor, "cases.rota", station.region_key):
        raise errors.CaseError("您没有维护本站窗口 AB 角的权限。")
    if primary.pk == backup.pk:
        raise errors.CaseError(errors.AB_SAME_PERSON)
    if primary.station_id != station.pk or backup.station_id != station.pk:
        raise errors.CaseError(errors.AB_STATION)
    window = window or WindowPost(station=station, region_key=station.region_key)
    before = {
        "name": window.name,
        "primary": window.primary_id if window.pk else None,
        "backup": window.backup_id if window.pk else None,
    }
    window.name, window.primary, window.backup = name.strip(), primary, backup
    window.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE if before["primary"] else AuditAction.CREATE,
        obj=window,
        changes=audit.diff(
            before, {"name": window.name, "primary": primary.pk, "backup": backup.pk}
        ),
    )
    return window


@transaction.atomic
def leave_record(*, actor, user, start: dt.date, end: dt.date, reason: str = "") -> Leave:
    """Refused when the person's A/B partner on any window is away on an overlapping day."""
    if not can_reach(actor, "cases.leave", user.region_key):
        raise errors.CaseError("该人员不在您的辖区内。")
    if actor.pk != user.pk and not can_reach(actor, "cases.rota", user.region_key):
        raise errors.CaseError("只能为自己登记请假，或由站长统一登记。")
    if end < start:
        raise errors.CaseError(errors.LEAVE_DATES)
    posts = WindowPost.objects.filter(Q(primary=user) | Q(backup=user)).select_for_update()
    for post in posts:
        partner = post.backup if post.primary_id == user.pk else post.primary
        clash = Leave.objects.filter(user=partner, start_date__lte=end, end_date__gte=start).first()
        if clash:
            raise errors.CaseError(
                errors.LEAVE_CLASH.format(
                    window=post.name, partner=partner, start=clash.start_date, end=clash.end_date
                )
            )
    leave = Leave.objects.create(
        user=user,
        region_key=user.region_key,
        start_date=start,
        end_date=end,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=leave,
        changes={"user": [None, user.get_username()], "dates": [None, f"{start}–{end}"]},
    )
    backups = WindowPost.objects.filter(primary=user).select_related("backup")
    notifications.notify(
        [p.backup for p in backups],
        f"{user} 于 {start}–{end} 请假，其办件和新工作由您（B 角）负责。",
        link="/cases/",
    )
    return leave


@transaction.atomic
def lunch_duty_set(*, actor, station, day: dt.date, user) -> LunchDuty:
    if not can_reach(actor, "cases.rota", station.region_key):
        raise errors.CaseError("您没有安排本站午间值班的权限。")
    if not is_working_day(day):
        raise errors.CaseError("午间服务只在工作日安排。")
    if user.station_id != station.pk:
        raise errors.CaseError("值班人员须是本站工作人员。")
    duty, _ = LunchDuty.objects.update_or_create(
        station=station, date=day, defaults={"user": user, "region_key": station.region_key}
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=duty,
        changes={"user": [None, user.get_username()]},
    )
    return duty


# --- appointments ----------------------------------------------------------------------------


@transaction.atomic
def slot_create(
    *, actor, station, day: dt.date, start: dt.time, end: dt.time, kind: str, capacity: int
) -> AppointmentSlot:
    if not can_reach(actor, "cases.appointments", station.region_key):
        raise errors.CaseError("您没有设置本站预约时段的权限。")
    SlotKind(kind)
    if kind == SlotKind.WORKDAY and not is_working_day(day):
        raise errors.CaseError(errors.SLOT_NOT_WORKDAY)
    if end <= start or capacity < 1:
        raise errors.CaseError("时段结束时间应晚于开始时间，人数至少为 1。")
    slot = AppointmentSlot.objects.create(
        station=station,
        region_key=station.region_key,
        date=day,
        start=start,
        end=end,
        kind=kind,
        capacity=capacity,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=slot)
    return slot


def _code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def appointment_book(
    *,
    slot: AppointmentSlot,
    name: str,
    id_number: str,
    phone: str,
    item=None,
    note: str = "",
    actor=None,
) -> Appointment:
    """Book one place. The conditional UPDATE (booked < capacity) is the only guard needed:
    concurrent requests for the last place cannot both succeed, on SQLite or PostgreSQL."""
    from junjia.registry.api import mask_phone, normalise_mobile, parse_id_number

    number = parse_id_number(id_number).value
    mobile = normalise_mobile(phone)
    if not name.strip():
        raise errors.CaseError("请填写姓名。")
    if (
        dt.datetime.combine(slot.date, slot.start, tzinfo=timezone.get_current_timezone())
        < timezone.now()
    ):
        raise errors.CaseError(errors.SLOT_PAST)
    # Everything that needs no lock is done first: encryption and the blind index are the
    # costly part, and a transaction holding the slot's row should not wait for them.
    provider = get_provider()
    fields = {
        "slot": slot,
        "region_key": slot.region_key,
        "name": name.strip(),
        "id_enc": provider.encrypt_text(number, aad=ID_AAD),
        "id_index": provider.blind_index(number, purpose="recipient.id"),
        "id_masked": number[:6] + "*" * 8 + number[-4:],
        "phone_enc": provider.encrypt_text(mobile, aad=PHONE_AAD),
        "phone_masked": mask_phone(mobile),
        "item": item,
        "note": note.strip()[:200],
        "booked_by": actor,
    }
    for attempt in range(5):
        code = _code()
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(code=code, **fields)
                audit.record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    obj=appointment,
                    region_key=slot.region_key,
                    extra={"channel": "staff" if actor else "public"},
                )
                # The place is taken last, so the slot's row stays locked (against the other
                # bookers of this slot) only from here to the commit.
                taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
                    booked=F("booked") + 1
                )
                if not taken:
                    raise errors.CaseError(errors.SLOT_FULL)
            return appointment
        except IntegrityError:
            # Only a booking code drawn twice (1 in 31⁸ a pair) is tried again, with another
            # code; any other integrity error (a slot deleted meanwhile) is the caller's.
            if attempt == 4 or not Appointment.objects.filter(code=code).exists():
                raise


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor=None) -> Appointment:
    # The person (no actor) cancels their own booking from the public page, found by its code
    # and identity number; staff are checked by appointments_admin before this.
    def apply(locked):
        AppointmentSlot.objects.filter(pk=locked.slot_id, booked__gt=0).update(
            booked=F("booked") - 1
        )
        return []

    return perform(
        APPOINTMENT_WORKFLOW,
        appointment,
        AppointmentStatus.CANCELLED,
        actor=actor,
        can=lambda *args: True,
        record=_audit_step(actor),
        apply=apply,
    )


def appointment_reschedule(
    *, appointment: Appointment, slot: AppointmentSlot, actor=None
) -> Appointment:
    """Move to another slot: book the new place first, then free the old one."""
    with transaction.atomic():
        taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if not taken:
            raise errors.CaseError(errors.SLOT_FULL)
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status != AppointmentStatus.BOOKED:
            raise errors.CaseError("该预约已取消或已办理。")
        old = locked.slot_id
        AppointmentSlot.objects.filter(pk=old, booked__gt=0).update(booked=F("booked") - 1)
        locked.slot = slot
        locked.save(update_fields=["slot", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            region_key=locked.region_key,
            changes={"slot": [old, slot.pk]},
        )
    return locked


def find_appointment(code: str, id_number: str) -> Appointment | None:
    """Public look-up needs both the code and the number: neither alone reveals anything."""
    from junjia.registry.api import parse_id_number

    try:
        number = parse_id_number(id_number).value
    except Exception:
        return None
    index = get_provider().blind_index(number, purpose="recipient.id")
    return (
        Appointment.objects.filter(code=code.strip().upper(), id_index=index)
        .select_related("slot")
        .first()
    )


# --- callbacks ----------------------------------------------------------------------------------


def _callback_can(actor, capability, callback) -> bool | str:
    return can_reach(actor, capability, callback.region_key) or "该回访不在您的辖区内。"


def _audit_step(actor, **extra):
    """A history that is the audit log itself: one audit row per step."""

    def record(step):
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            changes={"status": [step.from_status, step.to_status]},
            extra={**extra, **step.extra} or None,
        )

    return record


CALLBACK_REVEAL_CLOSED = "回访已记录，不再显示完整电话号码。"
NO_PHONE = "该办件没有登记联系电话。"


def callback_reveal_phone(*, actor, callback: Callback) -> str:
    """The full phone number the clerk needs for the callback: for whoever may record it,
    while it is due; every showing is audited (the case, and the person's file)."""
    answer = _callback_can(actor, "cases.callback", callback)
    if answer is not True:
        raise NotPermitted(answer)
    if callback.status != CallbackStatus.DUE:
        raise WrongState(CALLBACK_REVEAL_CLOSED, status=callback.status)
    case = callback.case
    with transaction.atomic():
        phone = _applicant_phone(case)
        if not phone:
            raise InvalidInput(NO_PHONE)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=case,
            subject_id=f"recipient:{case.recipient_id}" if case.recipient_id else "",
            extra={"revealed": "phone", "page": "callback", "callback": callback.pk},
        )
    return phone


@transaction.atomic
def callback_record(
    *, actor, callback: Callback, outcome: str, satisfaction: int | None, follow_up: bool
) -> Callback:
    unsatisfied = follow_up or (satisfaction is not None and satisfaction not in SATISFIED_LEVELS)

    def apply(locked):
        locked.outcome, locked.satisfaction = outcome.strip(), satisfaction
        locked.done_by, locked.done_at = actor, timezone.now()
        return ["outcome", "satisfaction", "done_by", "done_at"]

    locked = perform(
        CALLBACK_WORKFLOW,
        callback,
        CallbackStatus.FOLLOW_UP if unsatisfied else CallbackStatus.DONE,
        actor=actor,
        can=_callback_can,
        record=_audit_step(actor),
        apply=apply,
        outcome=outcome,
    )
    if unsatisfied:
        # Unsatisfactory outcomes reopen follow-up work: another callback for the first handler.
        Callback.objects.create(
            case=locked.case,
            region_key=locked.region_key,
            owner=locked.case.owner,
            due_on=add_working_days(_today(), 5),
        )
        notifications.notify(
            [locked.case.owner],
            f"办件 {locked.case.number} 回访不满意，需继续跟进。",
            link=f"/cases/{locked.case_id}/",
        )
    return locked


# --- evaluation and the bad-review loop (000 §9) -------------------------------------------------

RATING_SALT = "cases.rating"


def rating_token(case: Case) -> str:
    """A signed link token for one case; single use because a case has one evaluation."""
    return signing.dumps({"case": case.pk, "n": case.number}, salt=RATING_SALT, compress=True)


def case_for_token(token: str, max_age_days: int = 90) -> Case | None:
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=max_age_days * 86400)
    except signing.BadSignature:
        return None
    return Case.objects.filter(pk=data.get("case"), number=data.get("n")).first()


@transaction.atomic
def evaluation_submit(
    *, case: Case, score: int, comment: str, channel: str, entered_by=None
) -> Evaluation:
    case = (
        Case.objects.select_for_update()
        .select_related("item_version__item", "station")
        .get(pk=case.pk)
    )
    if case.status != CaseStatus.COMPLETED:
        raise errors.CaseError(errors.NOT_COMPLETED)
    if Evaluation.objects.filter(case=case).exists():
        raise errors.CaseError(errors.ALREADY_RATED)
    if entered_by is not None and not can_reach(entered_by, "cases.handle", case.region_key):
        raise errors.CaseError("该办件不在您的辖区内。")
    evaluation = Evaluation.objects.create(
        case=case,
        region_key=case.region_key,
        score=score,
        comment=comment.strip()[:1000],
        channel=channel,
        entered_by=entered_by,
        owner=case.owner,
        item=case.item_version.item,
    )
    audit.record(
        actor=entered_by,
        action=AuditAction.CREATE,
        obj=evaluation,
        region_key=case.region_key,
        extra={"score": score, "channel": channel},
    )
    if score not in SATISFIED_LEVELS:
        loop_open(evaluation=evaluation)
    return evaluation


def _head_of(station):
    heads: dict = {}
    _heads_of([station.pk], heads)
    return heads[station.pk]


def loop_open(*, evaluation: Evaluation) -> RectificationLoop:
    head = _head_of(evaluation.case.station) or evaluation.owner
    loop = RectificationLoop.objects.create(
        evaluation=evaluation,
        region_key=evaluation.region_key,
        stage=LoopStage.FOUND,
        owner=head,
        due_on=LOOP_WORKFLOW.deadlines[LoopStage.FOUND].due(None, _today()),
    )
    notifications.notify(
        [head],
        f"办件 {evaluation.case.number} 收到“{evaluation.get_score_display()}”评价，"
        "请启动差评整改。",
        link=f"/cases/loops/{loop.pk}/",
    )
    return loop


def _loop_can(actor, capability, loop) -> bool | str:
    """The stage's owner, or whoever has the loop capability over it."""
    return (
        actor.pk == loop.owner_id or can_reach(actor, capability, loop.region_key)
    ) or errors.LOOP_NOT_YOURS


def loop_refusal(actor, loop: RectificationLoop) -> str | None:
    """Why the actor may not move the loop on now (the kernel's answer), or None."""
    if available(LOOP_WORKFLOW, loop, actor, can=_loop_can):
        return None
    if loop.stage == LoopStage.CLOSED:
        return errors.LOOP_CLOSED
    return errors.LOOP_NOT_YOURS


def loop_next_stage(loop: RectificationLoop) -> str:
    return LOOP_ORDER[LOOP_ORDER.index(loop.stage) + 1]


@transaction.atomic
def loop_advance(
    *, actor, loop: RectificationLoop, record: str, next_owner=None
) -> RectificationLoop:
    """Close the current stage with its record and open the next, with an owner and a due date
    (the workflow's deadline for that stage)."""
    current = RectificationLoop.objects.get(pk=loop.pk)
    following = loop_next_stage(current) if current.stage != LoopStage.CLOSED else LoopStage.CLOSED

    def apply(locked):
        # the stage being closed: the kernel has refused the step if the row moved meanwhile
        LoopRecord.objects.create(
            loop=locked, stage=current.stage, text=record.strip(), actor=actor
        )
        if following == LoopStage.CLOSED:
            locked.closed_at = timezone.now()
            return ["closed_at"]
        locked.owner = next_owner or locked.owner
        return ["owner"]

    def history(step):
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            changes={"stage": [step.from_status, step.to_status]},
        )

    return perform(
        LOOP_WORKFLOW,
        current,
        following,
        actor=actor,
        can=_loop_can,
        record=history,
        apply=apply,
        text=record,
    )


# --- station heads -------------------------------------------------------------------------


def _heads_of(station_ids, known: dict) -> None:
    """Fill `known` {station id: its station head, or None} for stations not in it yet, in
    one query: the active station head with the lowest id."""
    wanted = set(station_ids) - known.keys()
    if not wanted:
        return
    heads = station_heads(wanted)
    known.update({station_id: heads.get(station_id) for station_id in wanted})

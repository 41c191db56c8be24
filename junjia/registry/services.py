"""Writes of the registry. Each is one transaction with its audit row; reads are in
selectors.py. Rules cite 000 §6.1 (信息采集) unless said otherwise."""

import datetime as dt
from collections.abc import Callable
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from junjia.core import audit, clock, notifications, personal
from junjia.core.errors import InvalidInput, WrongState
from junjia.core.models import AuditAction
from junjia.core.personal import IdNumber, normalise_mobile, parse_id_number
from junjia.core.workflow import perform
from junjia.orgs.api import (
    Level,
    can_reach,
    holding_station,
    jurisdiction_of,
    known_region_code,
    require_capability,
)
from junjia.registry import roles

from . import errors, selectors, snapshots
from .choices import (
    DISABILITY_CATEGORIES,
    ChangeStatus,
    DocumentKind,
    FileStatus,
    TransferStatus,
)
from .models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    ChangeRequest,
    Recipient,
    RecipientDocument,
    ReviewStep,
    TransferRequest,
)
from .naming import pinyin_keys
from .permissions import can
from .sections import SECTION_BY_KEY
from .workflow import (
    CHANGE_WORKFLOW,
    FILE_WORKFLOW,
    TRANSFER_WORKFLOW,
    first_review_level,
    top_review_level,
)

# Other apps register a callback(recipient, old_key, new_key) to move their rows with a
# transferred file, inside the same transaction (cases, visits, benefits …).
TRANSFER_HOOKS: list[Callable] = []


def _subject(recipient: Recipient) -> str:
    return f"recipient:{recipient.pk}"


def _record(actor, action, recipient, **kwargs):
    return audit.record(
        actor=actor,
        action=action,
        obj=recipient,
        region_key=recipient.region_key,
        subject_id=_subject(recipient),
        **kwargs,
    )


def known_county(code: str) -> bool:
    return known_region_code(code)


def check_id_number(raw: str) -> IdNumber:
    return parse_id_number(raw, known_county=known_county)


def _check_household(actor, region) -> None:
    if region.level < Level.TOWNSHIP:
        raise errors.RegistryError(errors.HOUSEHOLD_LEVEL)
    if not can_reach(actor, roles.EDIT, region.key):
        raise errors.RegistryError(errors.OUTSIDE)


def find_by_id_number(number: str) -> Recipient | None:
    return (
        Recipient.objects.filter(RECIPIENT_ID.matching(number))
        .exclude(status=FileStatus.WITHDRAWN)
        .select_related("household_region")
        .first()
    )


def holding_station_name(recipient: Recipient) -> str:
    """The station that holds a file (or the nearest one above it), by name only."""
    station = holding_station(recipient.region_key)
    return station.name if station else recipient.household_region.full_name


@transaction.atomic
def recipient_register(
    *,
    actor,
    household_region,
    id_number: str,
    name: str,
    phone: str = "",
    gender: str | None = None,
    birth_date: dt.date | None = None,
) -> tuple[Recipient, tuple[str, ...]]:
    """Open a draft file. Returns the file and any warnings about the number."""
    require_capability(actor, roles.EDIT)
    _check_household(actor, household_region)
    parsed = check_id_number(id_number)
    if gender and gender != parsed.gender:
        raise errors.RegistryError(
            errors.GENDER_MISMATCH.format(gender="男" if parsed.gender == "M" else "女")
        )
    if birth_date and birth_date != parsed.birth_date:
        raise errors.RegistryError(
            errors.BIRTH_MISMATCH.format(birth=parsed.birth_date.isoformat())
        )
    existing = find_by_id_number(parsed.value)
    if existing is not None:
        raise errors.DuplicateRecipient(
            holding_station_name(existing),
            existing.pk,
            can_reach(actor, roles.VIEW, existing.region_key),
        )
    name = name.strip()
    if not name:
        raise errors.RegistryError("请填写姓名。")
    full, initials = pinyin_keys(name)
    phone_values = RECIPIENT_PHONE.seal(normalise_mobile(phone)) if phone else {}
    recipient = Recipient.objects.create(
        household_region=household_region,
        region_key=household_region.key,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        created_by=actor,
        responsible_clerk=actor,
        **RECIPIENT_ID.seal(parsed.value),
        **phone_values,
    )
    ReviewStep.objects.create(
        recipient=recipient,
        action="建档",
        from_status="",
        to_status=FileStatus.DRAFT,
        actor=actor,
        station_name=_station_name(actor),
    )
    _record(
        actor,
        AuditAction.CREATE,
        recipient,
        changes={
            "name": [None, name],
            "id_number": [None, recipient.id_masked],
            "household_region": [None, household_region.code],
        },
        extra={"warnings": list(parsed.warnings)} if parsed.warnings else None,
    )
    return recipient, parsed.warnings


def _station_name(actor) -> str:
    return actor.station.name if getattr(actor, "station_id", None) else ""


def _open_change(recipient: Recipient) -> ChangeRequest | None:
    return recipient.changes.filter(
        status__in=[ChangeStatus.DRAFT, ChangeStatus.RETURNED, ChangeStatus.SUBMITTED]
    ).first()


def _editable_target(actor, recipient: Recipient):
    """A draft file is edited in place; an approved one through its open change request."""
    require_capability(actor, roles.EDIT)
    if not can(actor, roles.EDIT, recipient):
        raise errors.RegistryError(errors.OUTSIDE)
    if recipient.status in (FileStatus.DRAFT, FileStatus.RETURNED):
        return None
    if recipient.status == FileStatus.APPROVED:
        change = _open_change(recipient)
        if change is not None and change.status == ChangeStatus.SUBMITTED:
            raise errors.RegistryError(errors.NOT_EDITABLE)
        if change is None:
            current = snapshots.take(recipient)
            change = ChangeRequest.objects.create(
                recipient=recipient,
                region_key=recipient.region_key,
                base=current,
                proposed=current,
                created_by=actor,
            )
        return change
    raise errors.RegistryError(errors.NOT_EDITABLE)


def _section_payload(section, cleaned: dict, recipient: Recipient) -> dict:
    """Section form data → snapshot form (phone encrypted, dates as text)."""
    payload = {}
    for name, value in cleaned.items():
        if name == "phone":
            fields = RECIPIENT_PHONE.seal(value)
            payload["phone"] = {
                "enc": fields["phone_enc"],
                "masked": fields["phone_masked"],
                "index": fields["phone_index"],
            }
            if value and recipient.phone_enc and RECIPIENT_PHONE.open(recipient) == value:
                payload["phone"] = {
                    "enc": recipient.phone_enc,
                    "masked": recipient.phone_masked,
                    "index": recipient.phone_index,
                }
        elif hasattr(value, "isoformat"):
            payload[name] = value.isoformat()
        else:
            payload[name] = value
    return payload


@transaction.atomic
def recipient_update_section(
    *, actor, recipient: Recipient, section_key: str, cleaned: dict
) -> Recipient:
    """Save one section (its form already validated)."""
    section = SECTION_BY_KEY[section_key]
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    change = _editable_target(actor, recipient)
    payload = _section_payload(section, cleaned, recipient)
    if change is not None:
        proposed = dict(change.proposed)
        proposed["sections"] = {
            **proposed["sections"],
            section_key: {**proposed["sections"].get(section_key, {}), **payload},
        }
        change.proposed = proposed
        change.save(update_fields=["proposed", "updated_at"])
        _record(
            actor,
            AuditAction.UPDATE,
            recipient,
            extra={"change_request": change.pk, "section": section.label},
        )
        return recipient
    before = snapshots.take(recipient)
    after = {
        **before,
        "sections": {
            **before["sections"],
            section_key: {**before["sections"][section_key], **payload},
        },
    }
    changed = snapshots.apply(recipient, after)
    if "name" in changed:
        recipient.name_pinyin, recipient.name_initials = pinyin_keys(recipient.name)
        changed += ["name_pinyin", "name_initials"]
    if changed:
        recipient.save(update_fields=[*changed, "updated_at"])
    _audit_diff(actor, recipient, before, snapshots.take(recipient))
    return recipient


def _audit_diff(actor, recipient, before, after):
    rows = snapshots.diff(before, after)
    if rows:
        _record(
            actor,
            AuditAction.UPDATE,
            recipient,
            changes={f"{s}·{f}": [old, new] for s, f, old, new in rows},
        )


def _validate_categories(items: list[dict]) -> None:
    for item in items:
        if item["category"] in DISABILITY_CATEGORIES and not (
            item.get("disability_grade") and item.get("disability_cause")
        ):
            raise errors.RegistryError(errors.DISABILITY_NEEDS_GRADE)
        start, end = item.get("start_date"), item.get("end_date")
        if start and end and str(end) < str(start):
            raise errors.RegistryError(errors.END_BEFORE_START)


@transaction.atomic
def recipient_set_list(*, actor, recipient: Recipient, key: str, items: list[dict]) -> Recipient:
    """Replace the categories, honours, family or plan of a file (key names the list)."""
    if key not in ("categories", "honours", "family", "plan"):
        raise ValueError(key)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    change = _editable_target(actor, recipient)
    normalised = (
        items
        if key == "plan"
        else [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.items()}
            for item in items
        ]
    )
    if key == "categories":
        _validate_categories(normalised)
    if change is not None:
        change.proposed = {**change.proposed, key: normalised}
        change.save(update_fields=["proposed", "updated_at"])
        _record(
            actor, AuditAction.UPDATE, recipient, extra={"change_request": change.pk, "list": key}
        )
        return recipient
    before = snapshots.take(recipient)
    changed = snapshots.apply(recipient, {**before, key: normalised})
    if changed:
        recipient.save(update_fields=[*changed, "updated_at"])
    _audit_diff(actor, recipient, before, snapshots.take(recipient))
    return recipient


# --- collection and review ----------------------------------------------------------------


def _completeness_problems(recipient: Recipient, proposed: dict | None = None) -> list[str]:
    categories = proposed["categories"] if proposed else list(recipient.categories.values())
    problems = []
    if not categories:
        problems.append(errors.NO_CATEGORY)
    return problems


def _step_recorder(actor, recipient, change=None, remark=""):
    def record(step):
        locked, transition = step.obj, step.transition
        from_status, to_status = step.from_status, step.to_status
        ReviewStep.objects.create(
            recipient=recipient,
            change=change,
            action=transition.action,
            from_status=from_status,
            to_status=to_status,
            level=locked.review_level,
            actor=actor,
            station_name=_station_name(actor),
            remark=step.remark or remark,
            extra=step.extra or None,
        )
        _record(
            actor,
            AuditAction.UPDATE,
            recipient,
            changes={"status": [from_status, to_status]},
            extra={
                "action": transition.action,
                "remark": step.remark or remark,
                "change_request": change.pk if change else None,
            },
        )

    return record


def _tell_submitter(actor, recipient, text: str, change=None) -> None:
    """Tell who submitted the file (or change) — and the file's clerk — that it moved on."""
    people = {_last_submitter(recipient, change), recipient.responsible_clerk_id}
    if change is not None:
        people.add(change.created_by_id)
    people.discard(None)
    people.discard(actor.pk)
    link = reverse("registry:recipient_detail", args=[recipient.pk])
    notifications.notify(sorted(people), text, link=link)


def _last_submitter(recipient, change=None):
    step = (
        ReviewStep.objects.filter(recipient=recipient, change=change, action="提交审核")
        .order_by("-at", "-id")
        .first()
    )
    return step.actor_id if step else None


@transaction.atomic
def recipient_submit(*, actor, recipient: Recipient) -> Recipient:
    problems = _completeness_problems(recipient)
    if problems:
        raise errors.RegistryError("；".join(problems))
    juris = jurisdiction_of(actor)
    level = first_review_level(juris.level if juris else Level.VILLAGE)

    def apply(locked):
        locked.review_level = level
        return ["review_level"]

    return perform(
        FILE_WORKFLOW,
        recipient,
        FileStatus.SUBMITTED,
        actor=actor,
        can=can,
        record=_step_recorder(actor, recipient),
        apply=apply,
    )


@transaction.atomic
def recipient_approve(*, actor, recipient: Recipient, remark: str = "") -> Recipient:
    """Approve at the current level: pass up one level, or approve at the top."""
    # Decide from the locked row, not the caller's copy. Only a submitted file can pass up;
    # anything else is refused by the table as "→ 已通过".
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    at_top = recipient.review_level is None or recipient.review_level <= top_review_level()

    to = (
        FileStatus.APPROVED
        if at_top or recipient.status != FileStatus.SUBMITTED
        else FileStatus.SUBMITTED
    )

    def apply(locked):
        # 000 §6.1.2: the documents a category needs; a reviewer may pass a file without one,
        # but says why (the remark is kept in the review history). Checked after the kernel
        # has checked who may review it.
        missing = selectors.missing_documents(locked)
        if missing and not remark.strip():
            labels = "、".join(DocumentKind(kind).label for kind in missing)
            message = errors.MISSING_DOCUMENTS_REASON.format(missing=labels)
            raise InvalidInput(message, field="remark")
        if at_top:
            now = timezone.now()
            locked.review_level = None
            locked.approved_at = locked.approved_at or now
            locked.last_verified_at = now
            return ["review_level", "approved_at", "last_verified_at"]
        locked.review_level -= 1
        return ["review_level"]

    approved = perform(
        FILE_WORKFLOW,
        recipient,
        to,
        actor=actor,
        can=can,
        record=_step_recorder(actor, recipient, remark=remark),
        apply=apply,
        submitted_by=_last_submitter(recipient),
    )
    if at_top:
        _tell_submitter(actor, approved, f"{approved.name}的档案已审核通过。")
    return approved


@transaction.atomic
def recipient_return(*, actor, recipient: Recipient, reason: str) -> Recipient:
    def apply(locked):
        locked.review_level = None
        return ["review_level"]

    returned = perform(
        FILE_WORKFLOW,
        recipient,
        FileStatus.RETURNED,
        actor=actor,
        can=can,
        record=_step_recorder(actor, recipient, remark=reason.strip()),
        apply=apply,
        reason=reason,
        submitted_by=_last_submitter(recipient),
    )
    _tell_submitter(actor, returned, f"{returned.name}的档案被退回：{reason.strip()}")
    return returned


@transaction.atomic
def recipient_withdraw(*, actor, recipient: Recipient, reason: str = "") -> Recipient:
    return perform(
        FILE_WORKFLOW,
        recipient,
        FileStatus.WITHDRAWN,
        actor=actor,
        can=can,
        record=_step_recorder(actor, recipient, remark=reason),
    )


# --- change requests ---------------------------------------------------------------------


def _change_of(recipient) -> ChangeRequest:
    change = _open_change(recipient)
    if change is None:
        raise errors.RegistryError(errors.NOT_OPEN_CHANGE)
    return change


@transaction.atomic
def change_submit(*, actor, recipient: Recipient, reason: str = "") -> ChangeRequest:
    change = _change_of(recipient)
    problems = _completeness_problems(recipient, change.proposed)
    if problems:
        raise errors.RegistryError("；".join(problems))
    juris = jurisdiction_of(actor)
    level = first_review_level(juris.level if juris else Level.VILLAGE)

    def apply(locked):
        locked.review_level = level
        fields = ["review_level"]
        if reason:
            locked.reason = reason[:200]
            fields.append("reason")
        return fields

    return perform(
        CHANGE_WORKFLOW,
        change,
        ChangeStatus.SUBMITTED,
        actor=actor,
        can=lambda a, cap, obj: can(a, cap, recipient),
        record=_step_recorder(actor, recipient, change),
        apply=apply,
    )


@transaction.atomic
def change_approve(*, actor, recipient: Recipient, remark: str = "") -> ChangeRequest:
    change = ChangeRequest.objects.select_for_update().get(pk=_change_of(recipient).pk)
    at_top = change.review_level is None or change.review_level <= top_review_level()
    to = (
        ChangeStatus.APPROVED
        if at_top or change.status != ChangeStatus.SUBMITTED
        else ChangeStatus.SUBMITTED
    )

    def apply(locked):
        if not at_top:
            locked.review_level -= 1
            return ["review_level"]
        locked.review_level = None
        target = Recipient.objects.select_for_update().get(pk=recipient.pk)
        before = snapshots.take(target)
        changed = snapshots.apply(target, locked.proposed)
        if "name" in changed:
            target.name_pinyin, target.name_initials = pinyin_keys(target.name)
            changed += ["name_pinyin", "name_initials"]
        target.last_verified_at = timezone.now()
        target.save(update_fields=[*changed, "last_verified_at", "updated_at"])
        _audit_diff(actor, target, before, snapshots.take(target))
        return ["review_level"]

    decided = perform(
        CHANGE_WORKFLOW,
        change,
        to,
        actor=actor,
        can=lambda a, cap, obj: can(a, cap, recipient),
        record=_step_recorder(actor, recipient, change, remark),
        apply=apply,
        submitted_by=_last_submitter(recipient, change),
    )
    if at_top:
        _tell_submitter(actor, recipient, f"{recipient.name}的档案变更已审核通过。", change)
    return decided


@transaction.atomic
def change_return(*, actor, recipient: Recipient, reason: str) -> ChangeRequest:
    change = _change_of(recipient)

    def apply(locked):
        locked.review_level = None
        return ["review_level"]

    returned = perform(
        CHANGE_WORKFLOW,
        change,
        ChangeStatus.RETURNED,
        actor=actor,
        can=lambda a, cap, obj: can(a, cap, recipient),
        record=_step_recorder(actor, recipient, change, reason.strip()),
        apply=apply,
        reason=reason,
        submitted_by=_last_submitter(recipient, change),
    )
    text = f"{recipient.name}的档案变更被退回：{reason.strip()}"
    _tell_submitter(actor, recipient, text, change)
    return returned


@transaction.atomic
def change_withdraw(*, actor, recipient: Recipient) -> ChangeRequest:
    change = _change_of(recipient)
    return perform(
        CHANGE_WORKFLOW,
        change,
        ChangeStatus.WITHDRAWN,
        actor=actor,
        can=lambda a, cap, obj: can(a, cap, recipient),
        record=_step_recorder(actor, recipient, change),
    )


# --- verification, death, reveal ------------------------------------------------------------


@transaction.atomic
def recipient_verify(*, actor, recipient: Recipient) -> Recipient:
    """Mark the file as checked against the person today (定期更新、动态管理)."""
    if not can(actor, roles.EDIT, recipient):
        raise errors.RegistryError(errors.OUTSIDE)
    if recipient.status != FileStatus.APPROVED:
        raise errors.RegistryError("只有已通过审核的档案需要定期核实。")
    recipient.last_verified_at = timezone.now()
    recipient.save(update_fields=["last_verified_at", "updated_at"])
    _record(actor, AuditAction.UPDATE, recipient, extra={"event": "定期核实"})
    return recipient


@transaction.atomic
def recipient_mark_deceased(*, actor, recipient: Recipient, death_date: dt.date) -> Recipient:
    """Never deleted: the file stays readable; later rules stop for the deceased."""
    if not can(actor, roles.EDIT, recipient):
        raise errors.RegistryError(errors.OUTSIDE)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if recipient.death_date:
        raise errors.RegistryError(errors.ALREADY_DECEASED)
    if death_date > clock.today() or death_date < recipient.birth_date:
        raise errors.RegistryError(errors.DECEASED_DATE)
    recipient.death_date = death_date
    recipient.save(update_fields=["death_date", "updated_at"])
    _record(
        actor, AuditAction.UPDATE, recipient, changes={"death_date": [None, death_date.isoformat()]}
    )
    return recipient


def recipient_reveal(*, actor, recipient: Recipient, field: str) -> str:
    """Show one full value ("id_number" or "phone") to someone allowed to see it; every
    showing is audited (core.personal.reveal)."""
    column = RECIPIENT_ID if field == "id_number" else RECIPIENT_PHONE
    return personal.reveal(
        partial(column.open, recipient),
        revealed=column.kind.name,
        actor=actor,
        capability=roles.REVEAL,
        can=can,
        obj=recipient,
        subject_id=_subject(recipient),
    )


# --- documents ------------------------------------------------------------------------------

ALLOWED_DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_MAGIC = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


def _sniff(head: bytes) -> str | None:
    for magic, content_type in _MAGIC.items():
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def _documents_open(recipient: Recipient) -> None:
    """Materials are part of what is reviewed: locked while the file or its change is under
    review (the page says so), and once the file is withdrawn."""
    if (
        recipient.status == FileStatus.SUBMITTED
        or ChangeRequest.objects.filter(recipient=recipient, status=ChangeStatus.SUBMITTED).exists()
    ):
        raise WrongState(errors.UNDER_REVIEW, status=recipient.status)
    if recipient.status == FileStatus.WITHDRAWN:
        raise WrongState(errors.WITHDRAWN_FILE, status=recipient.status)


def document_upload(*, actor, recipient: Recipient, kind: str, upload) -> RecipientDocument:
    if not can(actor, roles.EDIT, recipient):
        raise errors.RegistryError(errors.OUTSIDE)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    _documents_open(recipient)
    DocumentKind(kind)
    if upload.size > 10 * 1024 * 1024:
        raise errors.RegistryError(errors.DOCUMENT_TOO_BIG)
    head = upload.read(8)
    upload.seek(0)
    if _sniff(head) is None:
        raise errors.RegistryError(errors.DOCUMENT_TYPE)
    document = RecipientDocument.objects.create(
        recipient=recipient,
        kind=kind,
        file=upload,
        original_name=upload.name[:200],
        uploaded_by=actor,
    )
    _record(
        actor,
        AuditAction.CREATE,
        recipient,
        changes={"document": [None, f"{document.get_kind_display()}：{document.original_name}"]},
    )
    return document


@transaction.atomic
def document_remove(*, actor, document: RecipientDocument) -> None:
    recipient = document.recipient
    if not can(actor, roles.EDIT, recipient):
        raise errors.RegistryError(errors.OUTSIDE)
    recipient = Recipient.objects.select_for_update().get(pk=recipient.pk)
    _documents_open(recipient)
    _record(
        actor,
        AuditAction.DELETE,
        recipient,
        changes={"document": [f"{document.get_kind_display()}：{document.original_name}", None]},
    )
    document.file.delete(save=False)
    document.delete()


# --- transfers (户籍迁移; 000 优待抚恤: 待遇关系转移) ---------------------------------


@transaction.atomic
def transfer_request(*, actor, recipient: Recipient, to_region, reason: str) -> TransferRequest:
    require_capability(actor, roles.TRANSFER)
    if to_region.level < Level.TOWNSHIP or not can_reach(actor, roles.TRANSFER, to_region.key):
        raise errors.RegistryError(errors.TRANSFER_TARGET)
    if can_reach(actor, roles.VIEW, recipient.region_key):
        raise errors.RegistryError(errors.TRANSFER_SAME)
    if recipient.status != FileStatus.APPROVED:
        raise errors.RegistryError(errors.TRANSFER_NOT_APPROVED)
    if not reason.strip():
        raise errors.RegistryError("请填写迁移原因。")
    if recipient.transfers.filter(status=TransferStatus.PENDING).exists():
        raise errors.RegistryError("该档案已有待审批的转移申请。")
    transfer = TransferRequest.objects.create(
        recipient=recipient,
        from_region=recipient.household_region,
        to_region=to_region,
        from_key=recipient.region_key,
        to_key=to_region.key,
        reason=reason.strip(),
        requested_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=transfer,
        region_key=to_region.key,
        subject_id=_subject(recipient),
        changes={"from": [None, transfer.from_region.code], "to": [None, to_region.code]},
    )
    return transfer


def can_decide_transfer(actor, transfer: TransferRequest) -> bool:
    """The sending side, or any level above both sides (their common ancestor or higher)."""
    return can_reach(actor, roles.REVIEW, transfer.from_key)


def _transfer_can(actor, capability, transfer) -> bool | str:
    if capability == roles.REVIEW:
        return can_decide_transfer(actor, transfer) or errors.TRANSFER_DECIDER
    # Withdrawing: only who asked (the guard); they asked from within their jurisdiction.
    return transfer.requested_by_id == actor.pk or errors.TRANSFER_NOT_YOURS


def _transfer_step(actor, region_key_of, **extra):
    def record(step):
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=step.obj,
            region_key=region_key_of(step.obj),
            subject_id=_subject(step.obj.recipient),
            changes={"status": [step.from_status, step.to_status]},
            extra=extra or None,
        )

    return record


@transaction.atomic
def transfer_decide(
    *, actor, transfer: TransferRequest, approve: bool, remark: str = ""
) -> TransferRequest:
    def apply(locked):
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.remark = remark.strip()
        if approve:
            _move(actor, locked)
        return ["decided_by", "decided_at", "remark"]

    return perform(
        TRANSFER_WORKFLOW,
        transfer,
        TransferStatus.APPROVED if approve else TransferStatus.REJECTED,
        actor=actor,
        can=_transfer_can,
        record=_transfer_step(actor, lambda t: t.from_key, remark=remark),
        apply=apply,
        remark=remark,
    )


def _move(actor, transfer: TransferRequest) -> None:
    recipient = Recipient.objects.select_for_update().get(pk=transfer.recipient_id)
    old_key, new_key = recipient.region_key, transfer.to_key
    recipient.household_region = transfer.to_region
    recipient.region_key = new_key
    recipient.save(update_fields=["household_region", "region_key", "updated_at"])
    recipient.categories.update(region_key=new_key)
    recipient.changes.update(region_key=new_key)
    for hook in TRANSFER_HOOKS:
        hook(recipient, old_key, new_key)
    ReviewStep.objects.create(
        recipient=recipient,
        action="档案转移",
        from_status=recipient.status,
        to_status=recipient.status,
        actor=actor,
        station_name=_station_name(actor),
        remark=f"由 {transfer.from_region.full_name} 迁至 {transfer.to_region.full_name}",
    )
    _record(
        actor,
        AuditAction.UPDATE,
        recipient,
        changes={"household_region": [transfer.from_region.code, transfer.to_region.code]},
        extra={"transfer": transfer.pk},
    )


@transaction.atomic
def transfer_cancel(*, actor, transfer: TransferRequest) -> TransferRequest:
    return perform(
        TRANSFER_WORKFLOW,
        transfer,
        TransferStatus.CANCELLED,
        actor=actor,
        can=_transfer_can,
        record=_transfer_step(actor, lambda t: t.to_key),
    )


__all__ = ["TRANSFER_HOOKS"]

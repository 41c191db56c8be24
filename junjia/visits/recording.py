"""Recording a visit (issue 13 "Recording a visit"): the one writer of Visit. Validation
with a Chinese message per field, the visit, the campaign members it answers marked
visited and the audit row, all in one transaction. The same client key from the same user
returns the first visit and writes nothing (the API's idempotent create)."""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.core.workflow import perform
from junjia.orgs.api import ancestor_keys, can_reach, holding_station, jurisdiction_of

from . import errors, roles
from .choices import SITUATIONS, CampaignStatus, MemberState, VisitHow
from .models import CampaignMember, Visit, VisitEvent, VisitPhoto, VisitRuleVersion
from .selectors import budget_lines_where
from .workflow import EVENT_WORKFLOW, MEMBER_WORKFLOW

MAX_FEN = 10_000_000  # 十万元: a larger comfort payment is a typing error
# Campaigns a visit counts for: generated (the list is out) or open, not closed.
LIVE_CAMPAIGNS = (CampaignStatus.GENERATED, CampaignStatus.OPEN)


@dataclass
class VisitInput:
    visited_at: dt.datetime | None
    how: str
    met: str
    visitors: list = field(default_factory=list)  # staff users
    volunteer_visitors: str = ""
    situations: dict = field(default_factory=dict)  # SITUATIONS' field names
    needs_found: str = ""
    money_fen: int = 0
    budget_line: str = ""
    goods: str = ""
    client_key: str = ""
    # Uploaded files (Django's UploadedFile): the photos in order, the drawn signature and
    # the photo of a signed paper form.
    photos: list = field(default_factory=list)
    signature: object = None
    signed_form_photo: object = None


def eligible_visitors(recipient):
    """Active staff of the person's station and of the stations above it: who may visit."""
    key = recipient.region_key
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            # the stations holding the key: its ancestors' keys, on the unique key index
            station__region__key__in=ancestor_keys(key),
            station__region__key_high__gte=key,
        )
        .select_related("station")
        .order_by("-station__region__level", "full_name", "username")
    )


def visitors_within(recipient, pks) -> dict:
    """Of the given users, those eligible_visitors would list, by id: fetched by primary
    key and checked here, not an interval join over every station (which the sync of a
    phone's records would pay on each one)."""
    key = recipient.region_key
    users = (
        get_user_model()
        .objects.filter(pk__in=list(pks), is_active=True, station__isnull=False)
        .select_related("station__region")
    )
    return {u.pk: u for u in users if u.station.region.key <= key <= u.station.region.key_high}


def counts_for(how: str, member) -> bool:
    """Whether a visit made this way completes the member (or event). A home visit does; a
    phone call, a video call or a meeting only where every rule version that made the
    person due counts them (contact_counts "any": 联系全覆盖, 003 第41项 "电话、走访、座谈均
    计入"); the festival and key-group visits of 000 and 001 附件第五部分 三(二)(三) are home
    visits (入户走访)."""
    if how == VisitHow.HOME:
        return True
    wanted = {(r["rule"], r["version"]) for r in member.reasons}
    if not wanted:
        return False
    versions = VisitRuleVersion.objects.filter(
        rule__code__in={code for code, _ in wanted}
    ).values_list("rule__code", "number", "contact_counts")
    found = {(code, number): counts for code, number, counts in versions}
    return all(found.get(key) == "any" for key in wanted)


def _check(actor, recipient, data: VisitInput) -> None:
    if data.visited_at is None:
        raise InvalidInput(errors.NO_VISITED_AT, field="visited_at")
    if data.visited_at > timezone.now() + dt.timedelta(minutes=5):  # a phone's clock drifts
        raise InvalidInput(errors.VISIT_IN_FUTURE, field="visited_at")
    if data.how not in VisitHow.values:
        raise InvalidInput(errors.BAD_HOW, field="how")
    if not (data.met or "").strip():
        raise InvalidInput(errors.NO_MET, field="met")
    if not data.visitors and not (data.volunteer_visitors or "").strip():
        raise InvalidInput(errors.NO_VISITORS, field="visitors")
    allowed = visitors_within(recipient, [u.pk for u in data.visitors]) if data.visitors else {}
    for user in data.visitors:
        if user.pk not in allowed:
            name = user.full_name or user.username
            raise InvalidInput(errors.BAD_VISITOR.format(name=name), field="visitors")
    if not isinstance(data.money_fen, int) or isinstance(data.money_fen, bool):
        raise InvalidInput(errors.BAD_MONEY, field="money_fen")
    if data.money_fen < 0:
        raise InvalidInput(errors.BAD_MONEY, field="money_fen")
    if data.money_fen > MAX_FEN:
        raise InvalidInput(errors.MONEY_TOO_LARGE, field="money_fen")
    line = (data.budget_line or "").strip()
    if data.money_fen and not line:
        raise InvalidInput(errors.NO_BUDGET_LINE, field="budget_line")
    # Where the county (city, province) has set up its budget lines, a line is one of them,
    # so the comfort-money ledger's totals add up under one name; elsewhere it is typed.
    lines = budget_lines_where(recipient.region_key) if line else []
    if lines and line not in lines:
        raise InvalidInput(errors.BAD_BUDGET_LINE.format(name=line), field="budget_line")
    if len(data.client_key or "") > 64:
        raise InvalidInput(errors.BAD_CLIENT_KEY, field="client_key")
    _check_files(data)


MAX_PHOTOS = 9
MAX_PHOTO_MB = 5  # the phone shrinks a photo to ~150 KB; a page without script sends it raw
MAX_SIGNATURE_MB = 2
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
SIGNATURE_FIELDS = {"signature": ("签收签名", "签名"), "signed_form_photo": ("签收单照片", "拍摄")}


def _is_image(upload) -> bool:
    """JPEG or PNG by its first bytes and readable as an image (Pillow reads the header
    and checks the data's structure without decoding every pixel)."""
    from PIL import Image

    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(_IMAGE_MAGIC):
        return False
    try:
        with Image.open(upload) as image:
            image.verify()
    except Exception:  # Pillow raises many types for a damaged file
        return False
    finally:
        upload.seek(0)
    return True


def _renamed(upload):
    """The file stored under a random name: the phone's file name may hold a person's name."""
    upload.seek(0)
    png = upload.read(4) == b"\x89PNG"
    upload.seek(0)
    upload.name = f"{uuid.uuid4().hex}.{'png' if png else 'jpg'}"
    return upload


def _check_files(data: VisitInput) -> None:
    if len(data.photos) > MAX_PHOTOS:
        raise InvalidInput(errors.TOO_MANY_PHOTOS.format(limit=MAX_PHOTOS), field="photos")
    for n, photo in enumerate(data.photos, start=1):
        if photo.size > MAX_PHOTO_MB * 1024 * 1024:
            raise InvalidInput(errors.PHOTO_TOO_LARGE.format(n=n, mb=MAX_PHOTO_MB), field="photos")
        if not _is_image(photo):
            raise InvalidInput(errors.PHOTO_NOT_IMAGE.format(n=n), field="photos")
    for name, (label, verb) in SIGNATURE_FIELDS.items():
        upload = getattr(data, name)
        if upload is None:
            continue
        if upload.size > MAX_SIGNATURE_MB * 1024 * 1024:
            message = errors.SIGNATURE_TOO_LARGE.format(label=label, mb=MAX_SIGNATURE_MB, verb=verb)
            raise InvalidInput(message, field=name)
        if not _is_image(upload):
            message = errors.SIGNATURE_NOT_IMAGE.format(label=label, verb=verb)
            raise InvalidInput(message, field=name)


def _members(recipient, member: CampaignMember | None, visited_on: dt.date) -> list:
    """The campaign members the visit answers, locked: the one it was recorded from, or
    the person's members still due whose window holds the day (any level's visit counts
    for the campaign, issue 13)."""
    if member is not None:
        locked = CampaignMember.objects.select_for_update(of=("self",)).select_related("campaign")
        member = locked.get(pk=member.pk)
        if member.recipient_id != recipient.pk:
            raise InvalidInput(errors.MEMBER_OTHER_PERSON, field="member")
        if member.campaign.status == CampaignStatus.CLOSED:
            raise WrongState(errors.MEMBER_CLOSED)
        return [member]
    return list(
        CampaignMember.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .filter(
            recipient=recipient,
            visit_state=MemberState.DUE,
            campaign__status__in=LIVE_CAMPAIGNS,
            opens__lte=visited_on,
            closes__gte=visited_on,
        )
        .order_by("campaign_id")
    )


def _may_record(actor, capability: str, member: CampaignMember) -> bool:
    """The kernel's permission check: a visit that counts is recorded by someone who reaches
    the person (any level's visit counts for the campaign, issue 13)."""
    return can_reach(actor, capability, member.region_key)


def _visit_is_the_record(step) -> None:
    """The member's step is written as the visit itself (Visit.member) and its audit row."""


def visit_record(
    *, actor, recipient, data: VisitInput, member: CampaignMember | None = None
) -> tuple[Visit, bool]:
    """Record the visit; (visit, True). With a client key the actor used before: (the
    first visit, False) and nothing written."""
    key = (data.client_key or "").strip()
    if key:
        first = Visit.objects.filter(recorded_by=actor, client_key=key).first()
        if first is not None:
            return first, False
    try:
        with transaction.atomic():
            return _record(actor, recipient, data, member, key), True
    except IntegrityError:
        # The same key sent twice at once: the other request wrote it.
        first = Visit.objects.filter(recorded_by=actor, client_key=key).first() if key else None
        if first is None:
            raise
        return first, False


def _record(actor, recipient, data: VisitInput, member, key: str) -> Visit:
    if not can_reach(actor, roles.RECORD, recipient.region_key):
        raise NotPermitted(errors.NOT_VISIT_RECORDER)
    if member is not None and not jurisdiction_of(actor).contains(member.region_key):
        raise NotPermitted(errors.NOT_VISIT_RECORDER)
    _check(actor, recipient, data)
    visited_on = timezone.localtime(data.visited_at).date()
    members = _members(recipient, member, visited_on)
    counted = [m for m in members if counts_for(data.how, m)]
    # Linked to a campaign it counts for, else to the first it answers (shown as not counted).
    linked = (counted or members or [None])[0]
    station = holding_station(recipient.region_key)
    situations = {name: (data.situations.get(name) or "").strip() for name, _ in SITUATIONS}
    visit = Visit.objects.create(
        recipient=recipient,
        region_key=recipient.region_key,
        station_key=station.region_key if station else recipient.region_key,
        member=linked,
        campaign=linked.campaign if linked else None,
        visited_at=data.visited_at,
        volunteer_visitors=(data.volunteer_visitors or "").strip()[:200],
        how=data.how,
        met=data.met.strip()[:100],
        needs_found=(data.needs_found or "").strip(),
        money_fen=data.money_fen,
        budget_line=(data.budget_line or "").strip()[:100],
        goods=(data.goods or "").strip()[:200],
        counted=bool(counted),
        recorded_by=actor,
        client_key=key,
        signature=_renamed(data.signature) if data.signature else "",
        signed_form_photo=_renamed(data.signed_form_photo) if data.signed_form_photo else "",
        **situations,
    )
    if data.visitors:  # a new visit: add, no read of the (empty) set first
        visit.visitors.add(*data.visitors)
    for n, photo in enumerate(data.photos, start=1):
        VisitPhoto.objects.create(visit=visit, image=_renamed(photo), order=n, size=photo.size)
    marked = []
    for m in counted:
        if m.visit_state == MemberState.DUE:
            # Through the kernel (workflow.MEMBER_WORKFLOW); the visit is the step's record.
            perform(
                MEMBER_WORKFLOW,
                m,
                MemberState.VISITED,
                actor=actor,
                can=_may_record,
                record=_visit_is_the_record,
            )
            marked.append(m.pk)
    events = _clear_events(actor, recipient, visit, visited_on)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=visit,
        region_key=visit.region_key,
        subject_id=f"recipient:{recipient.pk}",
        changes={
            "how": [None, visit.how],
            "visited_at": [None, visit.visited_at.isoformat()],
            "money_fen": [None, visit.money_fen],
        },
        extra={
            "campaign": visit.campaign_id,
            "members_visited": marked,
            "events_visited": events,
            "counted": visit.counted,
            "visitors": [u.pk for u in data.visitors],
            "photos": len(data.photos),
            "signed": visit.is_signed,
        },
    )
    return visit


def _clear_events(actor, recipient, visit: Visit, visited_on: dt.date) -> list[int]:
    """The person's events with a visit still due that this visit answers — on or after the
    event's day, late or not, and made in a way the event's rules count — moved to visited
    through the kernel (workflow.EVENT_WORKFLOW) and linked to the visit."""
    due = (
        VisitEvent.objects.select_for_update()
        .filter(recipient=recipient, visit_state=MemberState.DUE, occurred_on__lte=visited_on)
        .order_by("pk")
    )
    cleared = []
    for event in due:
        if not counts_for(visit.how, event):
            continue

        def link(locked, visit=visit):
            locked.visit = visit
            return ["visit"]

        perform(
            EVENT_WORKFLOW,
            event,
            MemberState.VISITED,
            actor=actor,
            can=_may_record,
            record=_visit_is_the_record,
            apply=link,
        )
        cleared.append(event.pk)
    return cleared

"""Assigning campaign members to visitors (走访分派, issue 13 "Assignment to staff and to
volunteer visitors"): the one writer of CampaignMember.visitor and .volunteer. The responsible
station (permissions.can_assign) gives its people to a member of staff — active staff of that
station or a station above it in the person's chain — and/or to a volunteer recorded by name.
Assigning again replaces the visitors; unassigning clears them. One transaction, one audit
row per person. The responsible level is another matter (services.member_reassign)."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.core.personal import PhoneError, normalise_mobile
from junjia.orgs.api import jurisdiction_of
from junjia.orgs.choices import BUSINESS_ROLES

from . import errors
from .choices import CampaignStatus, MemberState
from .models import VOLUNTEER_PHONE, CampaignMember, VolunteerVisitor
from .permissions import can_assign, may_assign_here, volunteer_scope

MAX_MEMBERS = 500  # people in one assignment: a page of the member list at most


def staff_visitors(actor):
    """Staff the actor may send: active staff holding a business role at her own station
    or a station above it (each reaches every person she assigns), by level and name."""
    juris = jurisdiction_of(actor)
    if juris is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            station__region__key__lte=juris.low,
            station__region__key_high__gte=juris.high,
            role_grants__role__in=BUSINESS_ROLES,
        )
        .select_related("station")
        .distinct()
        .order_by("-station__region__level", "full_name", "username")
    )


def volunteers_for(actor):
    """Volunteers recorded by the actor's station and the stations below it."""
    return VolunteerVisitor.objects.filter(volunteer_scope(actor)).order_by("name", "id")


def _name(user) -> str:
    return user.full_name or user.username


def _check_visitor(visitor, members: list[CampaignMember]) -> None:
    """The visitor is active staff of the responsible station or one above it, for each
    person: else InvalidInput naming the visitor and the person."""
    rows = (
        get_user_model()
        .objects.filter(pk=visitor.pk, is_active=True, role_grants__role__in=BUSINESS_ROLES)
        .values_list("station__region__key", "station__region__key_high", "station__region__level")
        .first()
    )
    for member in members:
        if rows is None or rows[0] is None:
            ok = False
        else:
            low, high, level = rows
            ok = low <= member.region_key <= high and level <= member.responsible_level
        if not ok:
            raise InvalidInput(
                errors.BAD_ASSIGN_VISITOR.format(
                    visitor=_name(visitor), person=member.recipient.name
                ),
                field="visitor",
            )


def _volunteer_input(name: str, phone: str) -> tuple[str, str]:
    """The volunteer's name and normalised mobile number ("" when not given), or
    InvalidInput naming the field."""
    name = (name or "").strip()
    phone = (phone or "").strip()
    if not name:
        if phone:
            raise InvalidInput(errors.NO_VOLUNTEER_NAME, field="volunteer_name")
        return "", ""
    if len(name) > 50:
        raise InvalidInput(errors.VOLUNTEER_NAME_TOO_LONG, field="volunteer_name")
    if phone:
        try:
            phone = normalise_mobile(phone)
        except PhoneError as exc:
            raise InvalidInput(f"志愿者{exc}", field="volunteer_phone") from exc
    return name, phone


def _volunteer(actor, name: str, phone: str) -> VolunteerVisitor | None:
    """The volunteer of the actor's station with this name and phone, recorded on first use."""
    if not name:
        return None
    station_key = jurisdiction_of(actor).low
    index = VOLUNTEER_PHONE.lookup(phone) if phone else ""
    found = VolunteerVisitor.objects.filter(
        station_key=station_key, name=name, phone_index=index
    ).first()
    if found is not None:
        return found
    volunteer = VolunteerVisitor.objects.create(
        station_key=station_key, name=name, recorded_by=actor, **VOLUNTEER_PHONE.seal(phone)
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=volunteer,
        region_key=station_key,
        changes={"name": [None, name], "phone": [None, volunteer.phone_masked]},
    )
    return volunteer


def _locked(actor, members: Iterable) -> list[CampaignMember]:
    pks = sorted({m if isinstance(m, int) else m.pk for m in members})
    if not pks:
        raise InvalidInput(errors.NO_MEMBERS_CHOSEN, field="members")
    if len(pks) > MAX_MEMBERS:
        raise InvalidInput(errors.TOO_MANY_MEMBERS.format(limit=MAX_MEMBERS), field="members")
    if not may_assign_here(actor):
        raise NotPermitted(errors.NOT_ASSIGNER)
    locked = list(
        CampaignMember.objects.select_for_update(of=("self",))
        .select_related("campaign", "recipient")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    if len(locked) != len(pks):
        raise InvalidInput(errors.MEMBER_NOT_FOUND, field="members")
    for member in locked:
        if not can_assign(actor, member):
            raise NotPermitted(errors.NOT_ASSIGNER_OF.format(person=member.recipient.name))
        if member.campaign.status == CampaignStatus.CLOSED:
            raise WrongState(errors.CAMPAIGN_CLOSED)
        if member.visit_state != MemberState.DUE:
            raise WrongState(errors.ALREADY_VISITED.format(person=member.recipient.name))
    return locked


def _write(actor, members: list[CampaignMember], visitor, volunteer, remark: str) -> None:
    now = timezone.now()
    for member in members:
        before = [member.visitor_id, member.volunteer_id]
        member.visitor = visitor
        member.volunteer = volunteer
        member.assigned_by = actor if (visitor or volunteer) else None
        member.assigned_at = now if (visitor or volunteer) else None
        member.save(update_fields=["visitor", "volunteer", "assigned_by", "assigned_at"])
        after = [member.visitor_id, member.volunteer_id]
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=member,
            region_key=member.region_key,
            subject_id=f"recipient:{member.recipient_id}",
            changes={
                key: [old, new]
                for key, old, new in zip(("visitor", "volunteer"), before, after, strict=True)
                if old != new
            },
            extra={"campaign": member.campaign_id, "assign": remark},
        )


@transaction.atomic
def member_assign(
    *,
    actor,
    members: Iterable,
    visitor=None,
    volunteer_name: str = "",
    volunteer_phone: str = "",
) -> list[CampaignMember]:
    """Give the people (members or their ids) to a member of staff and/or a volunteer
    recorded by name (and optional mobile number); what they had before is replaced."""
    locked = _locked(actor, members)
    name, phone = _volunteer_input(volunteer_name, volunteer_phone)
    if visitor is None and not name:
        raise InvalidInput(errors.NO_VISITOR_CHOSEN, field="visitor")
    if visitor is not None:
        _check_visitor(visitor, locked)
    volunteer = _volunteer(actor, name, phone)
    reassigned = any(m.visitor_id or m.volunteer_id for m in locked)
    _write(actor, locked, visitor, volunteer, "reassign" if reassigned else "assign")
    return locked


@transaction.atomic
def member_unassign(*, actor, members: Iterable) -> list[CampaignMember]:
    """Take the people back from their visitors (the station visits them itself)."""
    locked = _locked(actor, members)
    _write(actor, locked, None, None, "unassign")
    return locked

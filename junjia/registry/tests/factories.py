"""Factories for recipient files, with valid identity numbers."""

import datetime as dt
import itertools

from django.utils import timezone

from junjia.core.personal import check_character
from junjia.registry.choices import Category, FileStatus
from junjia.registry.models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    CategoryMembership,
    Recipient,
    ReviewStep,
)
from junjia.registry.naming import pinyin_keys

_sequence = itertools.count(1)


def make_id_number(
    birth: dt.date = dt.date(1980, 5, 17),
    male: bool = True,
    area: str = "370202",
    seq: int | None = None,
) -> str:
    n = next(_sequence) if seq is None else seq
    order = (n * 2 + (1 if male else 0)) % 1000
    if male and order % 2 == 0:
        order += 1
    if not male and order % 2 == 1:
        order -= 1
    first17 = f"{area}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def make_recipient(
    region,
    *,
    created_by,
    name: str = "张三",
    status: str = FileStatus.APPROVED,
    categories=(Category.RETIRED_SOLDIER,),
    id_number: str | None = None,
    phone: str = "",
    birth: dt.date = dt.date(1980, 5, 17),
    male: bool = True,
    **fields,
) -> Recipient:
    """A file straight in the given status (tests of other rules need not walk the review)."""
    number = id_number or make_id_number(birth, male)
    full, initials = pinyin_keys(name)
    now = timezone.now()
    recipient = Recipient.objects.create(
        household_region=region,
        region_key=region.key,
        name=name,
        name_pinyin=full,
        name_initials=initials,
        gender="M" if male else "F",
        birth_date=birth,
        status=status,
        approved_at=now if status == FileStatus.APPROVED else None,
        last_verified_at=now if status == FileStatus.APPROVED else None,
        created_by=created_by,
        responsible_clerk=created_by,
        **RECIPIENT_ID.seal(number),
        **RECIPIENT_PHONE.seal(phone),
        **fields,
    )
    CategoryMembership.objects.bulk_create(
        [
            CategoryMembership(recipient=recipient, category=c, region_key=region.key)
            for c in categories
        ]
    )
    ReviewStep.objects.create(
        recipient=recipient, action="建档", from_status="", to_status=status, actor=created_by
    )
    return recipient

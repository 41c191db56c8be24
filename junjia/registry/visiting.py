"""What the visit rules ask of the registry (issue 13): approved files in a key range that
match a rule's "who", with the one date of the file the rule counts from — one query, set-based,
for campaigns over a province."""

import datetime as dt

from django.db.models import DateField, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, NullIf

from .choices import FLAG_FIELDS, MeritKind
from .models import CategoryMembership, Honour, Recipient

# The dates of a file a visit rule may count from (visits.choices.Anchor holds the labels).
ANCHORS = ("birth_date", "death_date", "discharge_date", "category_start", "pension_approved_on")
PENSION_TYPES = ("disability", "regular", "subsidy", "other")  # sections.PensionForm, not ""
UNKNOWN = "未知的{what}：{value}"


def _pension_approved_on():
    # Kept in the file's pension section (JSON, ISO date text); "" is no date.
    text = KeyTextTransform("pension_approved_on", KeyTextTransform("pension", "sections"))
    return Cast(NullIf(text, Value("")), DateField())


def recipient_facts(
    *,
    low: int,
    high: int,
    on: dt.date,
    categories=(),
    flags=(),
    merits=(),
    pension: bool = False,
    deceased: bool = False,
    anchor: str = "",
) -> QuerySet:
    """Approved files with region_key in [low, high], living (or, with deceased, dead), who
    hold any of the categories (a membership current on `on`), flags, merits, or a pension or
    subsidy — everyone when none is asked. Values: id, region_key, birth_date and, when an
    anchor is named, `anchor` (that date; for category_start the earliest start date of
    the categories asked)."""
    for name in flags:
        if name not in FLAG_FIELDS:
            raise ValueError(UNKNOWN.format(what="标记", value=name))
    for kind in merits:
        if kind not in MeritKind.values:
            raise ValueError(UNKNOWN.format(what="立功受奖", value=kind))
    if anchor and anchor not in ANCHORS:
        raise ValueError(UNKNOWN.format(what="起算日期", value=anchor))
    qs = Recipient.objects.filter(
        status="approved",
        region_key__gte=low,
        region_key__lte=high,
        death_date__isnull=not deceased,
    )
    memberships = CategoryMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        recipient=OuterRef("pk"),
        category__in=list(categories),
    )
    who = Q()
    if categories:
        who |= Exists(memberships)
    for name in flags:
        who |= Q(**{name: True})
    if merits:
        who |= Exists(Honour.objects.filter(recipient=OuterRef("pk"), kind__in=list(merits)))
    if pension:
        who |= Q(sections__pension__pension_type__in=list(PENSION_TYPES))
    if who:
        qs = qs.filter(who)
    fields = ["id", "region_key", "birth_date"]
    if anchor == "category_start":
        start = memberships.order_by().values("recipient").annotate(first=Min("start_date"))
        qs = qs.annotate(anchor=Subquery(start.values("first")[:1], output_field=DateField()))
    elif anchor == "pension_approved_on":
        qs = qs.annotate(anchor=_pension_approved_on())
    elif anchor:
        qs = qs.annotate(anchor=F(anchor))
    if anchor:
        fields.append("anchor")
    return qs.values(*fields)

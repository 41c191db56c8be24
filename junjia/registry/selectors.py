"""Reads of the registry: scoped search with keyset pages, review queues, counts."""

import base64
import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from junjia.core import clock
from junjia.core.personal import IdNumberError, parse_id_number
from junjia.orgs.api import Level, has_capability, jurisdiction_of, subtree_range
from junjia.registry import roles

from .choices import (
    BEREAVED_CATEGORIES,
    DISABILITY_CATEGORIES,
    FLAG_FIELDS,
    SERVED_CATEGORIES,
    Category,
    ChangeStatus,
    DocumentKind,
    FileStatus,
    Hardship,
    TransferStatus,
)
from .models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    CategoryCount,
    CategoryMembership,
    ChangeRequest,
    Recipient,
    TransferRequest,
)
from .permissions import recipient_scope
from .tasks import living_approved_memberships

PAGE_SIZE = 50
COUNT_CAP = 10_000
MAX_AGE = 150
MAX_QUERY = 100
BAD_AGE = "年龄应为 0 至 150 之间的整数。"
BAD_CHOICE = "取值无效，可选：{allowed}。"
BAD_CURSOR = "翻页位置无效，请从第一页重新查询。"
SORTS = {
    "name": ("name_pinyin", "id"),
    "birth": ("birth_date", "id"),
    "-updated": ("-updated_at", "-id"),
}


def recipients(actor) -> QuerySet[Recipient]:
    return Recipient.objects.filter(recipient_scope(actor))


@dataclass
class SearchParams:
    q: str = ""
    category: str = ""
    flag: str = ""
    region: str = ""  # a region code inside the jurisdiction: its subtree
    age_min: int | None = None
    age_max: int | None = None
    status: str = ""
    deceased: str = ""  # "", "1", "0"
    hardship: str = ""
    sort: str = "name"
    after: str = ""  # keyset cursor

    # What was wrong with the query, by parameter (a page ignores it and says so; the API
    # answers 400 naming it). Not part of the search itself.
    problems: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_query(cls, data) -> "SearchParams":
        problems: dict[str, str] = {}

        def age(key):
            value = (data.get(key) or "").strip()
            if not value:
                return None
            if not value.isdigit() or int(value) > MAX_AGE:
                problems[key] = BAD_AGE
                return None
            return int(value)

        def choice(key, allowed, default=""):
            value = data.get(key) or default
            if value and value not in allowed:
                problems[key] = BAD_CHOICE.format(allowed="、".join(sorted(allowed)))
                return default
            return value

        after = data.get("after") or ""
        if after and _cursor(after) is None:
            problems["after"] = BAD_CURSOR
            after = ""
        params = cls(
            q=(data.get("q") or "").strip()[:MAX_QUERY],
            category=choice("category", set(Category.values)),
            flag=choice("flag", set(FLAG_FIELDS)),
            region=(data.get("region") or "").strip()[:12],
            age_min=age("age_min"),
            age_max=age("age_max"),
            status=choice("status", set(FileStatus.values)),
            deceased=choice("deceased", {"1", "0"}),
            hardship=choice("hardship", set(Hardship.values) - {""}),
            sort=choice("sort", set(SORTS), "name"),
            after=after,
        )
        params.problems = problems
        return params

    def as_query(self) -> dict:
        data = {
            k: v
            for k, v in vars(self).items()
            if v not in ("", None) and k not in ("after", "problems")
        }
        return {k: str(v) for k, v in data.items()}


def _text_filter(q: str) -> Q:
    """Interpret the search box: full number, number tail, phone, pinyin or a name part."""
    compact = q.replace(" ", "").upper()
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        try:
            number = parse_id_number(compact).value
        except IdNumberError:
            return Q(pk__in=[])
        return RECIPIENT_ID.matching(number)
    if len(compact) == 11 and compact.isdigit() and compact.startswith("1"):
        return RECIPIENT_PHONE.matching(compact)
    if (
        len(compact) in (4, 6)
        and compact[:-1].isdigit()
        and (compact[-1].isdigit() or compact[-1] == "X")
    ):
        return RECIPIENT_ID.matching_tail(compact)
    if q.isascii() and q.replace(" ", "").isalpha():
        key = q.replace(" ", "").lower()
        return _prefix(key, "name_initials") | _prefix(key, "name_pinyin")
    # Name fragments of one or two characters: no index helps (trigrams need three), so the
    # county's files are scanned in the covering index recip_region_search (migration 0002),
    # never in the table; see search().
    return Q(name__contains=q) | Q(former_names__contains=q)


def _prefix(key: str, field_name: str) -> Q:
    """field starts with key, also written as a range so a B-tree index can seek to it (LIKE
    'x%' cannot use one unless the database collation is "C"). Pinyin keys are a–z only."""
    condition = Q(**{f"{field_name}__startswith": key, f"{field_name}__gte": key})
    stem = key.rstrip("z")
    if stem:
        # The first string after every key-prefixed one: 'wbb' → 'wbc', 'yz' → 'z'.
        condition &= Q(**{f"{field_name}__lt": stem[:-1] + chr(ord(stem[-1]) + 1)})
    return condition


def _years_ago(years: int, today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def filtered(actor, params: SearchParams) -> QuerySet[Recipient]:
    qs = recipients(actor)
    if params.region:
        try:
            low, high = subtree_range(params.region)
        except ValueError:
            return qs.none()
        qs = qs.filter(region_key__gte=low, region_key__lte=high)
    if params.q:
        qs = qs.filter(_text_filter(params.q))
    if params.category:
        qs = qs.filter(
            pk__in=CategoryMembership.objects.filter(category=params.category).values(
                "recipient_id"
            )
        )
    if params.flag in ("combat_veteran", "pre1949_veteran", "empty_nest", "migrant_family"):
        qs = qs.filter(**{params.flag: True})
    today = clock.today()
    if params.age_min is not None:
        qs = qs.filter(birth_date__lte=_years_ago(params.age_min, today))
    if params.age_max is not None:
        qs = qs.filter(birth_date__gt=_years_ago(params.age_max + 1, today))
    if params.status in FileStatus.values:
        qs = qs.filter(status=params.status)
    else:
        qs = qs.exclude(status=FileStatus.WITHDRAWN)
    if params.deceased == "1":
        qs = qs.filter(death_date__isnull=False)
    elif params.deceased == "0":
        qs = qs.filter(death_date__isnull=True)
    if params.hardship:
        qs = qs.filter(hardship=params.hardship)
    return qs


def _encode(values) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str):
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def _cursor(text: str):
    """A cursor as _encode made it — [sort value, id] — or None."""
    value = _decode(text)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    key, last_id = value
    if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 < last_id < 2**63:
        return None
    if key is not None and not isinstance(key, str):
        return None
    if isinstance(key, str) and len(key) > 100:
        return None
    return value


@dataclass
class Page:
    rows: list
    next_cursor: str = ""
    count: int = 0
    count_capped: bool = False
    params: SearchParams = field(default_factory=SearchParams)

    @property
    def count_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.count_capped else f"{self.count:,}"


def search(
    actor, params: SearchParams, *, page_size: int = PAGE_SIZE, with_count: bool = True
) -> Page:
    """One page in keyset order (deep pages cost the same as the first); the count is
    exact up to 10,000 and '10,000+' beyond, never a full COUNT of a large set."""
    qs = filtered(actor, params)
    order = SORTS[params.sort]
    key_field = order[0].lstrip("-")
    descending = order[0].startswith("-")
    cursor = _cursor(params.after) if params.after else None
    page_qs = qs
    if cursor:
        value, last_id = cursor
        try:
            if key_field.endswith("_date"):
                value = dt.date.fromisoformat(value) if value else None
            elif key_field.endswith("_at"):
                value = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):  # a cursor of another sort order: start again
            cursor, value = None, None
    if cursor:
        # The first condition is implied by the second; it is there so the database seeks
        # straight to the cursor in the sort index instead of reading every earlier row.
        if descending:
            page_qs = qs.filter(
                Q(**{f"{key_field}__lte": value}),
                Q(**{f"{key_field}__lt": value}) | Q(**{key_field: value, "id__lt": last_id}),
            )
        else:
            page_qs = qs.filter(
                Q(**{f"{key_field}__gte": value}),
                Q(**{f"{key_field}__gt": value}) | Q(**{key_field: value, "id__gt": last_id}),
            )
    # The page's ids are chosen in a subquery that reads only indexed columns — in a county
    # the filters then run over the covering index recip_region_search, not over the wide
    # rows (one page read per file) — and only the chosen rows are fetched. One round trip.
    chosen = page_qs.order_by(*order).values("id")[: page_size + 1]
    rows = list(
        Recipient.objects.filter(pk__in=chosen)
        .select_related("household_region")
        # Lists never show the free-form section details or the plan, the two big columns
        # (about 2 KB a file, JSON decoded row by row); a caller that reads them still can.
        .defer("sections", "plan")
        .order_by(*order)
    )
    next_cursor = ""
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = _encode([getattr(rows[-1], key_field), rows[-1].pk])
    count, capped = 0, False
    if with_count:
        count = qs.order_by()[: COUNT_CAP + 1].count()
        capped = count > COUNT_CAP
        count = min(count, COUNT_CAP)
    return Page(rows, next_cursor, count, capped, params)


def review_queue(actor) -> dict:
    """Files and change requests waiting for this reviewer's level in their jurisdiction."""
    return {
        "files": list(files_to_review(actor)[:200]),
        "changes": list(changes_to_review(actor)[:200]),
    }


def files_to_review(actor) -> QuerySet[Recipient]:
    """Submitted files at this reviewer's level in their jurisdiction, oldest first."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.REVIEW):
        return Recipient.objects.none()
    return (
        Recipient.objects.filter(
            recipient_scope(actor, roles.REVIEW),
            status=FileStatus.SUBMITTED,
            review_level=juris.level,
        )
        .select_related("household_region")
        .order_by("updated_at")
    )


def changes_to_review(actor) -> QuerySet[ChangeRequest]:
    """Submitted change requests at this reviewer's level in their jurisdiction, oldest first."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.REVIEW):
        return ChangeRequest.objects.none()
    return (
        ChangeRequest.objects.filter(
            recipient__in=Recipient.objects.filter(recipient_scope(actor, roles.REVIEW)),
            status=ChangeStatus.SUBMITTED,
            review_level=juris.level,
        )
        .select_related("recipient", "recipient__household_region")
        .order_by("updated_at")
    )


def reverification_due(actor, *, months: int = 12) -> QuerySet[Recipient]:
    """Approved, living people whose file was not checked for 12 months (定期更新)."""
    cutoff = timezone.now() - dt.timedelta(days=365 * months // 12)
    return (
        recipients(actor)
        .filter(status=FileStatus.APPROVED, death_date__isnull=True)
        .filter(Q(last_verified_at__lt=cutoff) | Q(last_verified_at__isnull=True))
        .order_by("last_verified_at", "id")
    )


def transfers_for(actor) -> dict:
    """Transfers this user asked for, and those waiting for their decision."""
    juris = jurisdiction_of(actor)
    if juris is None:
        return {"incoming": [], "to_decide": []}
    incoming = _transfers().filter(to_key__gte=juris.low, to_key__lte=juris.high)
    return {
        "incoming": list(incoming.order_by("-created_at")[:100]),
        "to_decide": list(transfers_to_decide(actor)[:100]),
    }


def transfers_to_decide(actor) -> QuerySet[TransferRequest]:
    """Pending transfers out of this reviewer's jurisdiction, oldest first."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.REVIEW):
        return TransferRequest.objects.none()
    return (
        _transfers()
        .filter(status=TransferStatus.PENDING, from_key__gte=juris.low, from_key__lte=juris.high)
        .order_by("created_at")
    )


def _transfers() -> QuerySet[TransferRequest]:
    return TransferRequest.objects.select_related(
        "recipient", "from_region", "to_region", "requested_by"
    )


def required_documents(recipient: Recipient, categories=None) -> list[str]:
    """Which documents this person's file needs (000 §6.1.2 a–h), by category."""
    cats = set(
        categories
        if categories is not None
        else recipient.categories.values_list("category", flat=True)
    )
    needed = [DocumentKind.ID_CARD, DocumentKind.HOUSEHOLD_REGISTER, DocumentKind.PHOTO]
    if cats & SERVED_CATEGORIES:
        needed += [DocumentKind.DISCHARGE_CERTIFICATE, DocumentKind.DIPLOMA]
    if recipient.pk and recipient.honours.exists():
        needed.append(DocumentKind.MERIT_CERTIFICATE)
    if cats & DISABILITY_CATEGORIES:
        needed.append(DocumentKind.DISABILITY_CERTIFICATE)
    if Category.MARTYR_FAMILY in cats:
        needed.append(DocumentKind.MARTYR_CERTIFICATE)
    if Category.DUTY_DEATH_FAMILY in cats:
        needed.append(DocumentKind.DUTY_DEATH_CERTIFICATE)
    if Category.ILLNESS_DEATH_FAMILY in cats:
        needed.append(DocumentKind.ILLNESS_DEATH_CERTIFICATE)
    if cats & BEREAVED_CATEGORIES:
        needed.append(DocumentKind.KINSHIP_PROOF)
    return list(dict.fromkeys(needed))


def missing_documents(recipient: Recipient) -> list[str]:
    have = set(recipient.documents.values_list("kind", flat=True))
    return [kind for kind in required_documents(recipient) if kind not in have]


def category_counts(actor) -> list[tuple[str, int]]:
    """Recipients per category in the jurisdiction. County level and above read the
    per-county table refreshed every 45 s; smaller scopes count directly."""
    juris = jurisdiction_of(actor)
    if juris is None or not has_capability(actor, roles.VIEW):
        return []
    if juris.level <= Level.COUNTY:
        rows = CategoryCount.objects.filter(county_key__gte=juris.low, county_key__lte=juris.high)
        totals: dict[str, int] = {}
        for row in rows.values("category", "count"):
            totals[row["category"]] = totals.get(row["category"], 0) + row["count"]
    else:
        from django.db.models import Count

        totals = dict(
            living_approved_memberships()
            .filter(region_key__gte=juris.low, region_key__lte=juris.high)
            .values_list("category")
            .annotate(n=Count("id"))
            .values_list("category", "n")
        )
    return [(label, totals.get(value, 0)) for value, label in Category.choices]


# Later modules add to a person's story (cases, visits, benefits): each provider is
# provider(recipient, actor) -> [{"at": datetime, "title": str, "detail": str, "link": str}],
# already limited to what the actor may see.
TIMELINE_PROVIDERS: list = []


def timeline(recipient: Recipient, actor) -> list[dict]:
    """Events from every registered module, newest first."""
    events: list[dict] = []
    for provider in TIMELINE_PROVIDERS:
        events.extend(provider(recipient, actor))
    return sorted(events, key=lambda e: e["at"], reverse=True)

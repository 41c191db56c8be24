"""The registry demo data: valid numbers, every review stage, a consistent history."""

import datetime as dt
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from junjia.core.models import AuditEntry
from junjia.core.personal import normalise_mobile
from junjia.core.personal import parse_id_number as parse
from junjia.orgs.api import Level, can_reach, jurisdiction_of
from junjia.orgs.demo import build_demo
from junjia.orgs.models import Region, User
from junjia.registry import demo, selectors, snapshots
from junjia.registry.choices import (
    DISABILITY_CATEGORIES,
    Category,
    ChangeStatus,
    FileStatus,
    MeritKind,
)
from junjia.registry.models import (
    RECIPIENT_ID,
    RECIPIENT_PHONE,
    CategoryCount,
    CategoryMembership,
    ChangeRequest,
    FamilyMember,
    Honour,
    Recipient,
    ReviewStep,
)
from junjia.registry.naming import pinyin_keys
from junjia.registry.services import check_id_number
from junjia.registry.tasks import living_approved_memberships

COUNT = 600


@pytest.fixture
def loaded(db):
    """The demo region (3 counties × 3 townships × 4 villages) with 600 files."""
    build_demo(townships=3, villages=4)
    out = StringIO()
    call_command("load_registry_demo", "--count", str(COUNT), stdout=out)
    return out.getvalue()


def test_demo_loads_the_requested_number_of_files_and_reports_them(loaded):
    assert Recipient.objects.count() == COUNT
    assert f"已载入 {COUNT:,} 份服务对象档案" in loaded
    city = Region.objects.get(code=demo.DEMO_CITY)
    assert not Recipient.objects.exclude(region_key__gte=city.key, region_key__lte=city.key_high)
    assert set(Recipient.objects.values_list("household_region__level", flat=True)) == {
        Level.VILLAGE
    }
    entry = AuditEntry.objects.get(object_type="registry.demo")
    assert entry.action == "import"
    assert entry.extra["recipients"] == COUNT
    assert sum(entry.extra["by_status"].values()) == COUNT


def test_identity_numbers_are_valid_unique_and_match_the_columns(loaded):
    today = timezone.localdate()
    numbers = set()
    for r in Recipient.objects.all():
        number = RECIPIENT_ID.open(r)
        parsed = parse(number, today=today)
        assert parsed.birth_date == r.birth_date
        assert parsed.gender == r.gender
        fields = RECIPIENT_ID.seal(number)
        assert (r.id_index, r.id_masked, r.id_tail4_index, r.id_tail6_index) == (
            fields["id_index"],
            fields["id_masked"],
            fields["id_tail4_index"],
            fields["id_tail6_index"],
        )
        assert dt.date(1925, 1, 1) <= r.birth_date <= dt.date(2006, 12, 31)
        numbers.add(number)
    assert len(numbers) == COUNT


def test_most_numbers_carry_the_county_code_and_some_retired_codes_warn(loaded):
    codes = Counter()
    warned = 0
    for r in Recipient.objects.select_related("household_region"):
        number = RECIPIENT_ID.open(r)
        codes["own" if number[:6] == r.household_region.code[:6] else "other"] += 1
        if number[:6] in demo.RETIRED_CODES:
            warned += 1
            assert check_id_number(number).warnings  # a warning, never a refusal
    assert codes["own"] > 0.8 * COUNT
    assert codes["other"] > 0
    assert warned > 0


def test_columns_are_those_the_services_write(loaded):
    for r in Recipient.objects.all():
        assert (r.name_pinyin, r.name_initials) == pinyin_keys(r.name)
        if r.phone_enc:
            phone = RECIPIENT_PHONE.open(r)
            assert normalise_mobile(phone) == phone
            assert r.phone_index == RECIPIENT_PHONE.lookup(phone)
            assert r.phone_masked == phone[:3] + "****" + phone[-4:]
        assert set(r.sections) == {"basic", "party", "service", "placement", "employment",
                                   "training", "pension", "hardship"}  # fmt: skip
        if r.enlistment_date and r.discharge_date:
            assert r.discharge_date > r.enlistment_date
            assert r.enlistment_date > r.birth_date


def test_categories_honours_and_families_are_plausible(loaded):
    categories = Counter(CategoryMembership.objects.values_list("category", flat=True))
    assert categories[Category.RETIRED_SOLDIER] > 0.4 * COUNT
    for category in (
        Category.DISABLED_SOLDIER,
        Category.MARTYR_FAMILY,
        Category.SERVING_FAMILY,
        Category.TRANSFERRED_CADRE,
    ):
        assert categories[category] > 0, category
    for m in CategoryMembership.objects.filter(category__in=DISABILITY_CATEGORIES):
        assert 1 <= m.disability_grade <= 10
        assert m.disability_cause in ("war", "duty", "illness")
    for m in CategoryMembership.objects.select_related("recipient"):
        assert m.region_key == m.recipient.region_key
    martyr_files = Recipient.objects.filter(categories__category=Category.MARTYR_FAMILY)
    for r in martyr_files:
        assert FamilyMember.objects.filter(recipient=r, note__startswith="烈士").count() == 1
    honours = Counter(Honour.objects.values_list("kind", flat=True))
    assert honours[MeritKind.THIRD_CLASS] > honours[MeritKind.SECOND_CLASS]
    ages = [(timezone.localdate() - d).days // 365 for d in Recipient.objects.filter(
        pre1949_veteran=True).values_list("birth_date", flat=True)]  # fmt: skip
    assert all(age >= 90 for age in ages)
    served = Recipient.objects.filter(enlistment_date__isnull=False)
    assert served.filter(gender="M").count() > 0.9 * served.count()


def test_every_review_stage_is_present(loaded):
    statuses = Counter(Recipient.objects.values_list("status", "review_level"))
    assert statuses[(FileStatus.DRAFT, None)] > 0
    assert statuses[(FileStatus.SUBMITTED, Level.TOWNSHIP)] > 0
    assert statuses[(FileStatus.SUBMITTED, Level.COUNTY)] > 0
    assert statuses[(FileStatus.RETURNED, None)] > 0
    assert statuses[(FileStatus.WITHDRAWN, None)] > 0
    assert statuses[(FileStatus.APPROVED, None)] > 0.7 * COUNT
    changes = Counter(ChangeRequest.objects.values_list("status", flat=True))
    assert changes[ChangeStatus.SUBMITTED] + changes[ChangeStatus.DRAFT] > 0
    assert not ChangeRequest.objects.exclude(recipient__status=FileStatus.APPROVED)
    assert Recipient.objects.filter(death_date__isnull=False).exists()
    clerk = User.objects.filter(station__region__code="370202", role_grants__role="clerk").first()
    assert selectors.reverification_due(clerk).exists()
    assert not Recipient.objects.filter(status=FileStatus.APPROVED, approved_at__isnull=True)
    assert not Recipient.objects.filter(death_date__isnull=False).exclude(
        status=FileStatus.APPROVED
    )


def _walk(steps):
    status = ""
    for step in steps:
        assert step.from_status == status, (step.action, step.from_status, status)
        status = step.to_status
    return status


def test_review_history_is_consistent_with_status_and_jurisdiction(loaded):
    by_file = defaultdict(list)
    by_change = defaultdict(list)
    for step in ReviewStep.objects.select_related("actor", "actor__station").order_by("at", "id"):
        (by_change[step.change_id] if step.change_id else by_file[step.recipient_id]).append(step)
    files = {r.pk: r for r in Recipient.objects.all()}
    for pk, steps in by_file.items():
        r = files[pk]
        assert steps[0].action == demo.CREATE
        assert _walk(steps) == r.status
        assert steps[-1].at <= timezone.now()
        if r.status == FileStatus.APPROVED:
            assert r.approved_at == steps[-1].at
        for step in steps:
            juris = jurisdiction_of(step.actor)
            assert step.station_name == step.actor.station.name
            assert can_reach(step.actor, "registry.view", r.region_key)
            if step.action in ("审核通过", "审核通过（上报）", "退回"):
                assert can_reach(step.actor, "registry.review", r.region_key)
                submitter = next(s for s in reversed(steps[: steps.index(step)])
                                 if s.action == "提交审核")  # fmt: skip
                assert submitter.actor_id != step.actor_id  # never one's own file
                assert juris.level in (Level.TOWNSHIP, Level.COUNTY)
            else:
                assert can_reach(step.actor, "registry.edit", r.region_key)
        if r.status == FileStatus.SUBMITTED:
            assert steps[-1].level == r.review_level
    assert set(by_file) == set(files)
    for change in ChangeRequest.objects.all():
        steps = by_change.get(change.pk, [])
        status = ChangeStatus.DRAFT
        for step in steps:
            assert step.from_status == status
            status = step.to_status
        assert status == change.status
        if change.status == ChangeStatus.SUBMITTED:
            assert steps[-1].level == change.review_level


def test_open_change_requests_start_from_the_file_as_approved(loaded):
    changes = list(ChangeRequest.objects.select_related("recipient"))
    assert changes
    for change in changes:
        assert change.base == snapshots.take(change.recipient)
        assert change.proposed != change.base
        assert change.reason


def test_category_counts_are_refreshed_after_the_load(loaded):
    total = sum(CategoryCount.objects.values_list("count", flat=True))
    assert total == living_approved_memberships().count()
    assert total > 0


def test_if_empty_skips_a_second_time_and_without_it_refuses(loaded):
    out = StringIO()
    call_command("load_registry_demo", "--if-empty", stdout=out)
    assert "跳过" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_registry_demo", stdout=StringIO())
    assert Recipient.objects.count() == COUNT
    assert AuditEntry.objects.filter(object_type="registry.demo").count() == 1


def test_the_same_seed_gives_the_same_people(db):
    build_demo(townships=2, villages=2)
    counties = Region.objects.filter(code__in=demo.DEMO_COUNTIES)
    today = dt.date(2026, 11, 23)
    kwargs = {"count": 40, "seed": 3, "today": today, "part_size": 50, "for_copy": False}
    first = demo.generate_part(demo.build_parts(counties, **kwargs)[0]).recipients
    again = demo.generate_part(demo.build_parts(counties, **kwargs)[0]).recipients
    assert [(r["name"], r["id_index"], r["status"]) for r in first] == [
        (r["name"], r["id_index"], r["status"]) for r in again
    ]


def test_scale_mode_creates_staff_and_spreads_files_over_a_province(db):
    """The province path on a small province tree (the bench runs it at a million)."""
    from junjia.orgs.catalog import load_catalog
    from junjia.orgs.demo import build_tree

    load_catalog()
    build_tree(["370202", "370203"], 2, 3)
    out = StringIO()
    call_command(
        "load_registry_demo", "--scale", "province", "--count", "300", "--part-size", "100",
        stdout=out,
    )  # fmt: skip
    assert Recipient.objects.count() == 300
    assert "类别统计已刷新" in out.getvalue()
    county = Region.objects.get(code="370202")
    assert Recipient.objects.filter(
        region_key__gte=county.key, region_key__lte=county.key_high
    ).exists()
    reviewer = User.objects.get(username="scale_370202_reviewer")
    assert not reviewer.has_usable_password()
    assert ReviewStep.objects.filter(actor=reviewer, action="审核通过").exists()
    numbers = {RECIPIENT_ID.open(r) for r in Recipient.objects.all()}
    assert len(numbers) == 300

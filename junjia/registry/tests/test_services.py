"""Registry rules: one file per person, upward review, change requests, transfers, death,
masking and reveal — each refusal leaves nothing changed."""

import datetime as dt

import pytest
from django.test import override_settings

from junjia.core.errors import InvalidInput, NotPermitted
from junjia.core.models import AuditEntry
from junjia.core.workflow import WorkflowError
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.registry import errors, selectors, services
from junjia.registry.choices import Category, ChangeStatus, FileStatus, TransferStatus
from junjia.registry.models import RECIPIENT_ID, ChangeRequest, Recipient, ReviewStep
from junjia.registry.sections import SECTION_BY_KEY
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_reviewer(tree):
    return make_staff(tree.stations.county, Role.REVIEWER, username="reviewer_county")


def register(personas, tree, **kw):
    number = kw.pop("id_number", make_id_number(dt.date(1975, 8, 1)))
    recipient, _warnings = services.recipient_register(
        actor=personas.clerk_a,
        household_region=tree.regions.village_a,
        id_number=number,
        name=kw.pop("name", "张三"),
        phone=kw.pop("phone", "13812345678"),
        **kw,
    )
    return recipient


def add_category(personas, recipient, category=Category.RETIRED_SOLDIER, **extra):
    services.recipient_set_list(
        actor=personas.clerk_a,
        recipient=recipient,
        key="categories",
        items=[
            {
                "category": category,
                "start_date": None,
                "end_date": None,
                "disability_grade": extra.get("grade"),
                "disability_cause": extra.get("cause", ""),
            }
        ],
    )


# --- registration -----------------------------------------------------------------------------


def test_register_derives_gender_birth_pinyin_and_masks(personas, tree):
    number = make_id_number(dt.date(1975, 8, 1), male=False)
    recipient = register(personas, tree, id_number=number, name="李小红")
    assert (recipient.gender, recipient.birth_date) == ("F", dt.date(1975, 8, 1))
    assert (recipient.name_pinyin, recipient.name_initials) == ("lixiaohong", "lxh")
    assert recipient.id_masked == number[:6] + "********" + number[-4:]
    assert recipient.phone_masked == "138****5678"
    assert number not in recipient.id_number_enc
    assert recipient.status == FileStatus.DRAFT
    entry = AuditEntry.objects.get(object_type="registry.recipient", action="create")
    assert number not in str(entry.changes) and "13812345678" not in str(entry.changes)


def test_form_contradicting_the_number_is_refused(personas, tree):
    number = make_id_number(dt.date(1975, 8, 1), male=True)
    with pytest.raises(errors.RegistryError, match="性别与身份证号码不符"):
        register(personas, tree, id_number=number, gender="F")
    with pytest.raises(errors.RegistryError, match="出生日期与身份证号码不符"):
        register(personas, tree, id_number=number, birth_date=dt.date(1975, 8, 2))
    assert not Recipient.objects.exists()


def test_one_person_one_file_names_only_the_holding_station(personas, tree):
    number = make_id_number(dt.date(1970, 1, 1))
    make_recipient(
        tree.regions.village_d, created_by=personas.head_county2, id_number=number, name="王五"
    )
    with pytest.raises(errors.DuplicateRecipient) as err:
        register(personas, tree, id_number=number)
    assert err.value.station_name == "村D退役军人服务站"
    assert "王五" not in str(err.value)
    assert err.value.in_jurisdiction is False
    assert Recipient.objects.count() == 1


def test_withdrawn_draft_frees_the_number(personas, tree):
    number = make_id_number(dt.date(1970, 1, 1))
    first = register(personas, tree, id_number=number)
    services.recipient_withdraw(actor=personas.clerk_a, recipient=first)
    second = register(personas, tree, id_number=number)
    assert second.pk != first.pk


def test_household_region_must_be_in_jurisdiction(personas, tree):
    with pytest.raises(errors.RegistryError, match=errors.OUTSIDE):
        services.recipient_register(
            actor=personas.clerk_a,
            household_region=tree.regions.village_b,
            id_number=make_id_number(),
            name="x",
        )


# --- review up the levels ---------------------------------------------------------------------


def test_village_file_is_reviewed_by_township_then_county(personas, tree, county_reviewer):
    recipient = register(personas, tree)
    add_category(personas, recipient)
    recipient = services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    assert (recipient.status, recipient.review_level) == (FileStatus.SUBMITTED, 4)
    assert [r.pk for r in selectors.review_queue(personas.reviewer_town)["files"]] == [recipient.pk]
    assert selectors.review_queue(county_reviewer)["files"] == []
    # The county cannot skip the township.
    with pytest.raises(WorkflowError, match="乡镇（街道）审核人"):
        services.recipient_approve(actor=county_reviewer, recipient=recipient)
    recipient = services.recipient_approve(
        actor=personas.reviewer_town, recipient=recipient, remark="属实"
    )
    assert (recipient.status, recipient.review_level) == (FileStatus.SUBMITTED, 3)
    # documents are missing: the county passes it only with a stated reason, which is kept
    with pytest.raises(InvalidInput, match="审核通过须在审核意见中说明理由") as refused:
        services.recipient_approve(actor=county_reviewer, recipient=recipient)
    assert refused.value.field == "remark"
    assert Recipient.objects.get(pk=recipient.pk).status == FileStatus.SUBMITTED
    recipient = services.recipient_approve(
        actor=county_reviewer, recipient=recipient, remark="原件已核验"
    )
    assert recipient.status == FileStatus.APPROVED
    assert recipient.approved_at and recipient.last_verified_at
    actions = list(recipient.steps.values_list("action", "station_name"))
    assert actions == [
        ("建档", "村A退役军人服务站"),
        ("提交审核", "村A退役军人服务站"),
        ("审核通过（上报）", "甲街道退役军人服务站"),
        ("审核通过", "市南区退役军人服务站"),
    ]


@override_settings(JUNJIA_REGISTRY_TOP_REVIEW_LEVEL=2)
def test_top_level_is_configurable(personas, tree, county_reviewer):
    recipient = register(personas, tree)
    add_category(personas, recipient)
    services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    services.recipient_approve(actor=personas.reviewer_town, recipient=recipient, remark="属实")
    recipient = services.recipient_approve(
        actor=county_reviewer, recipient=recipient, remark="属实"
    )
    assert (recipient.status, recipient.review_level) == (FileStatus.SUBMITTED, 2)


def test_return_needs_a_reason_and_goes_back_to_the_clerk(personas, tree):
    recipient = register(personas, tree)
    add_category(personas, recipient)
    services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    with pytest.raises(WorkflowError, match="请填写退回原因"):
        services.recipient_return(actor=personas.reviewer_town, recipient=recipient, reason=" ")
    assert Recipient.objects.get(pk=recipient.pk).status == FileStatus.SUBMITTED
    recipient = services.recipient_return(
        actor=personas.reviewer_town, recipient=recipient, reason="缺退役证"
    )
    assert recipient.status == FileStatus.RETURNED
    assert recipient.steps.last().remark == "缺退役证"
    recipient = services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    assert recipient.status == FileStatus.SUBMITTED


def test_submit_without_category_is_refused(personas, tree):
    recipient = register(personas, tree)
    with pytest.raises(errors.RegistryError, match=errors.NO_CATEGORY):
        services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    assert Recipient.objects.get(pk=recipient.pk).status == FileStatus.DRAFT


def test_neighbouring_clerk_cannot_touch_the_file(personas, tree):
    recipient = register(personas, tree)
    with pytest.raises(WorkflowError):
        services.recipient_withdraw(actor=personas.clerk_b, recipient=recipient)
    with pytest.raises(errors.RegistryError):
        services.recipient_update_section(
            actor=personas.clerk_b,
            recipient=recipient,
            section_key="basic",
            cleaned={"name": "改名"},
        )
    assert Recipient.objects.get(pk=recipient.pk).name == "张三"


def test_disabled_soldier_needs_grade_and_cause(personas, tree):
    recipient = register(personas, tree)
    with pytest.raises(errors.RegistryError, match="伤残等级"):
        add_category(personas, recipient, Category.DISABLED_SOLDIER)
    add_category(personas, recipient, Category.DISABLED_SOLDIER, grade=6, cause="war")
    membership = recipient.categories.get()
    assert (membership.disability_grade, membership.disability_cause) == (6, "war")


def test_approved_file_cannot_be_withdrawn(personas, tree):
    recipient = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, status=FileStatus.APPROVED
    )
    with pytest.raises(WorkflowError):
        services.recipient_withdraw(actor=personas.clerk_a, recipient=recipient)


# --- change requests ----------------------------------------------------------------------------


def _service_form(**data):
    form = SECTION_BY_KEY["service"].form(data=data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_change_to_approved_file_waits_for_review(personas, tree, county_reviewer):
    recipient = make_recipient(tree.regions.village_a, created_by=personas.clerk_a)
    services.recipient_update_section(
        actor=personas.clerk_a,
        recipient=recipient,
        section_key="service",
        cleaned=_service_form(
            enlistment_date="1998-12-01", discharge_date="2002-12-01", branch="navy"
        ),
    )
    recipient.refresh_from_db()
    assert recipient.branch == ""  # the approved version stays in force
    change = ChangeRequest.objects.get(recipient=recipient)
    diff = selectors_diff(change)
    assert ("服役信息", "军种", "", "海军") in diff
    services.change_submit(actor=personas.clerk_a, recipient=recipient, reason="补录服役信息")
    services.change_approve(actor=personas.reviewer_town, recipient=recipient)
    recipient.refresh_from_db()
    assert recipient.branch == ""
    services.change_approve(actor=county_reviewer, recipient=recipient)
    recipient.refresh_from_db()
    assert (recipient.branch, recipient.discharge_date) == ("navy", dt.date(2002, 12, 1))
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeStatus.APPROVED


def selectors_diff(change):
    from junjia.registry import snapshots

    return snapshots.diff(change.base, change.proposed)


def test_service_dates_are_checked():
    form = SECTION_BY_KEY["service"].form(
        data={"enlistment_date": "2010-01-01", "discharge_date": "2009-01-01"}
    )
    assert not form.is_valid()
    assert form.errors["discharge_date"] == ["退役时间应晚于入伍时间。"]
    form = SECTION_BY_KEY["service"].form(data={"enlistment_date": "2999-01-01"})
    assert form.errors["enlistment_date"] == ["入伍时间不能晚于今天。"]


def test_mobile_is_validated():
    form = SECTION_BY_KEY["basic"].form(data={"name": "x", "ethnicity": "汉族", "phone": "12345"})
    assert not form.is_valid()
    assert "11 位中国大陆手机号" in form.errors["phone"][0]


# --- death, verification, reveal ---------------------------------------------------


def test_death_is_recorded_never_deleted(personas, tree):
    recipient = make_recipient(tree.regions.village_a, created_by=personas.clerk_a)
    with pytest.raises(errors.RegistryError, match=errors.DECEASED_DATE):
        services.recipient_mark_deceased(
            actor=personas.clerk_a, recipient=recipient, death_date=dt.date(2999, 1, 1)
        )
    services.recipient_mark_deceased(
        actor=personas.clerk_a, recipient=recipient, death_date=dt.date(2026, 1, 2)
    )
    recipient.refresh_from_db()
    assert recipient.is_deceased
    params = selectors.SearchParams(deceased="1")
    assert [r.pk for r in selectors.search(personas.clerk_a, params).rows] == [recipient.pk]


def test_reverification_list(personas, tree):
    old = make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="老档案")
    Recipient.objects.filter(pk=old.pk).update(
        last_verified_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    make_recipient(tree.regions.village_a, created_by=personas.clerk_a, name="新档案")
    assert [r.name for r in selectors.reverification_due(personas.clerk_a)] == ["老档案"]
    services.recipient_verify(actor=personas.clerk_a, recipient=old)
    assert list(selectors.reverification_due(personas.clerk_a)) == []


def test_reveal_needs_permission_and_is_audited(personas, tree):
    number = make_id_number(dt.date(1966, 6, 6))
    recipient = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, id_number=number, phone="13900001111"
    )
    entries = AuditEntry.objects.filter(action="view", subject_id=f"recipient:{recipient.pk}")
    # the village clerk lacks the capability, the neighbouring head the jurisdiction
    neighbour = make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b")
    for refused in (personas.clerk_a, personas.clerk_b, neighbour):
        with pytest.raises(NotPermitted, match="您没有查看完整证件号码和电话的权限。"):
            services.recipient_reveal(actor=refused, recipient=recipient, field="id_number")
    assert not entries.exists()
    assert (
        services.recipient_reveal(actor=personas.head_a, recipient=recipient, field="id_number")
        == number
    )
    assert (
        services.recipient_reveal(actor=personas.head_a, recipient=recipient, field="phone")
        == "13900001111"
    )
    assert [(e.actor_id, e.object_id, e.region_key, e.extra) for e in entries.order_by("id")] == [
        (personas.head_a.pk, str(recipient.pk), recipient.region_key, {"revealed": field})
        for field in ("id_number", "phone")
    ]


# --- search ---------------------------------------------------------------------------------------


@pytest.fixture
def people(personas, tree):
    make = make_recipient
    return [
        make(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name="张三",
            birth=dt.date(1950, 1, 1),
            id_number=make_id_number(dt.date(1950, 1, 1), seq=11),
            phone="13800001234",
        ),
        make(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name="张三丰",
            birth=dt.date(1990, 1, 1),
            id_number=make_id_number(dt.date(1990, 1, 1), seq=12),
        ),
        make(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name="李四",
            birth=dt.date(2000, 1, 1),
            id_number=make_id_number(dt.date(2000, 1, 1), seq=13),
            categories=[Category.MARTYR_FAMILY],
            empty_nest=True,
        ),
        make(
            tree.regions.village_b,
            created_by=personas.clerk_b,
            name="张飞",
            birth=dt.date(1960, 1, 1),
            id_number=make_id_number(dt.date(1960, 1, 1), seq=14),
        ),
    ]


def names(actor, **params):
    return [r.name for r in selectors.search(actor, selectors.SearchParams(**params)).rows]


def test_search_by_name_pinyin_initials_and_numbers(personas, people):
    clerk = personas.clerk_a
    assert names(clerk, q="张") == ["张三", "张三丰"]
    assert names(clerk, q="zs") == ["张三", "张三丰"]
    assert names(clerk, q="zhangsanf") == ["张三丰"]
    number = RECIPIENT_ID.open(people[0])
    assert names(clerk, q=number) == ["张三"]
    assert names(clerk, q=number[-4:]) == ["张三"]
    assert names(clerk, q=number[-6:]) == ["张三"]
    assert names(clerk, q="13800001234") == ["张三"]


def test_search_never_leaves_the_jurisdiction(personas, people):
    assert names(personas.clerk_a, q="张飞") == []
    assert names(personas.reviewer_town, q="张") == ["张飞", "张三", "张三丰"]


def test_search_filters(personas, people):
    clerk = personas.clerk_a
    assert names(clerk, category=Category.MARTYR_FAMILY) == ["李四"]
    assert names(clerk, flag="empty_nest") == ["李四"]
    assert names(clerk, age_min=70) == ["张三"]
    assert names(clerk, age_max=30) == ["李四"]
    assert names(personas.reviewer_town, region="370202001002") == ["张飞"]


def test_keyset_pages_walk_the_whole_list(personas, people):
    seen, cursor = [], ""
    while True:
        page = selectors.search(
            personas.reviewer_town, selectors.SearchParams(after=cursor), page_size=1
        )
        seen += [r.name for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ["李四", "张飞", "张三", "张三丰"]
    assert page.count == 4 and not page.count_capped


def test_list_query_count_is_constant(personas, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        page = selectors.search(personas.reviewer_town, selectors.SearchParams())
        [r.household_region.name for r in page.rows]


def test_required_documents_follow_categories(personas, tree):
    recipient = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, categories=[Category.MARTYR_FAMILY]
    )
    assert selectors.required_documents(recipient) == [
        "id_card",
        "household_register",
        "photo",
        "martyr_certificate",
        "kinship_proof",
    ]


# --- transfers ----------------------------------------------------------------------------------


def test_transfer_moves_the_file_and_everything_attached(personas, tree):
    recipient = make_recipient(
        tree.regions.village_d, created_by=personas.head_county2, name="迁户"
    )
    transfer = services.transfer_request(
        actor=personas.clerk_a,
        recipient=recipient,
        to_region=tree.regions.village_a,
        reason="户籍迁入",
    )
    with pytest.raises(NotPermitted, match=errors.TRANSFER_DECIDER):
        services.transfer_decide(actor=personas.head_county, transfer=transfer, approve=True)
    services.transfer_decide(
        actor=personas.head_county2, transfer=transfer, approve=True, remark="同意"
    )
    recipient.refresh_from_db()
    assert recipient.household_region == tree.regions.village_a
    assert recipient.region_key == tree.regions.village_a.key
    assert set(recipient.categories.values_list("region_key", flat=True)) == {
        tree.regions.village_a.key
    }
    assert recipient.steps.last().action == "档案转移"
    assert names(personas.clerk_a, q="迁户") == ["迁户"]


def test_common_ancestor_may_decide_a_transfer(personas, tree):
    city_head = make_staff(tree.stations.city, Role.STATION_HEAD)
    recipient = make_recipient(tree.regions.village_d, created_by=personas.head_county2)
    transfer = services.transfer_request(
        actor=personas.clerk_a, recipient=recipient, to_region=tree.regions.village_a, reason="迁入"
    )
    services.transfer_decide(actor=city_head, transfer=transfer, approve=False, remark="材料不全")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED
    recipient.refresh_from_db()
    assert recipient.region_key == tree.regions.village_d.key


def test_transfer_within_jurisdiction_is_refused(personas, tree):
    recipient = make_recipient(tree.regions.village_a, created_by=personas.clerk_a)
    with pytest.raises(errors.RegistryError, match=errors.TRANSFER_SAME):
        services.transfer_request(
            actor=personas.clerk_a,
            recipient=recipient,
            to_region=tree.regions.village_a,
            reason="x",
        )


def test_review_steps_are_kept_for_every_action(personas, tree):
    recipient = register(personas, tree)
    add_category(personas, recipient)
    services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    assert ReviewStep.objects.filter(recipient=recipient).count() == 2

"""Registry pages: search and list, ledgers, new files and transfer requests — scoping,
capabilities, audit rows, Chinese errors, nothing written on refusal."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from junjia.core.models import AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.registry.choices import Category, FileStatus, TransferStatus
from junjia.registry.models import Ledger, Recipient, ReviewStep, TransferRequest
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db

LIST = "registry:recipient_list"


def list_views():
    return AuditEntry.objects.filter(object_type="registry.recipient_list")


@pytest.fixture
def files(tree, personas):
    """张三 and 李四 in village A, 王五 in village B, 赵六 in another county."""
    r = tree.regions
    return {
        "zhang": make_recipient(
            r.village_a,
            created_by=personas.clerk_a,
            name="张三",
            birth=dt.date(1950, 3, 4),
            phone="13812345678",
            id_number=make_id_number(dt.date(1950, 3, 4), seq=11),
            combat_veteran=True,
        ),
        "li": make_recipient(
            r.village_a,
            created_by=personas.clerk_a,
            name="李四",
            birth=dt.date(1990, 1, 2),
            categories=(Category.MARTYR_FAMILY,),
            id_number=make_id_number(dt.date(1990, 1, 2), seq=12),
            status=FileStatus.DRAFT,
        ),
        "wang": make_recipient(
            r.village_b,
            created_by=personas.clerk_b,
            name="王五",
            birth=dt.date(1960, 6, 6),
            id_number=make_id_number(dt.date(1960, 6, 6), seq=13),
        ),
        "zhao": make_recipient(
            r.village_d,
            created_by=personas.head_county2,
            name="赵六",
            id_number=make_id_number(dt.date(1970, 7, 7), area="370203", seq=14),
        ),
    }


# --- 档案查询 --------------------------------------------------------------------------------


def test_clerk_sees_only_their_village(client, personas, files):
    # Given the clerk of village A
    login_as(client, personas.clerk_a)
    # When they open the list with no filter
    body = client.get(reverse(LIST)).content.decode()
    # Then they see A's files and not B's or the other county's
    assert "张三" in body and "李四" in body
    assert "王五" not in body and "赵六" not in body
    assert "共 2 人" in body


def test_township_reviewer_sees_both_villages(client, personas, files):
    login_as(client, personas.reviewer_town)
    body = client.get(reverse(LIST)).content.decode()
    assert "张三" in body and "王五" in body and "赵六" not in body
    assert "共 3 人" in body


@pytest.mark.parametrize(
    "query",
    ["zs", "ZS", "zhangsan", "张", "13812345678", "5678"],
    ids=["initials", "initials-upper", "full-pinyin", "name-part", "phone", "tail4-of-phone?"],
)
def test_search_box_finds_zhang_san(client, personas, files, query):
    login_as(client, personas.clerk_a)
    if query == "5678":
        # a 4-character tail is read as the identity-number tail, not the phone
        query = files["zhang"].id_masked[-4:]
    body = client.get(reverse(LIST), {"q": query}).content.decode()
    assert "张三" in body
    assert "李四" not in body


def test_search_by_full_identity_number_and_tail6(client, personas, files):
    login_as(client, personas.clerk_a)
    number = make_id_number(dt.date(1950, 3, 4), seq=11)
    assert "张三" in client.get(reverse(LIST), {"q": number}).content.decode()
    body = client.get(reverse(LIST), {"q": number[-6:]}).content.decode()
    assert "张三" in body and "李四" not in body


def test_a_search_for_a_full_number_is_masked_in_the_audit_log(client, personas, files):
    # given a clerk searches by a full identity number, then by a full phone number
    login_as(client, personas.clerk_a)
    number = make_id_number(dt.date(1950, 3, 4), seq=11)
    client.get(reverse(LIST), {"q": number})
    client.get(reverse(LIST), {"q": "13812345678"})
    client.post(reverse("registry:ledger_save"), {"name": "按号查", "q": number})
    # then the search itself works, and no audit row keeps either number
    rows = AuditEntry.objects.filter(actor_id=personas.clerk_a.pk)
    logged = " ".join(str(row.extra) + str(row.changes) for row in rows)
    assert number not in logged and "13812345678" not in logged
    assert [row.extra["q"] for row in list_views().order_by("id")] == [
        number[:6] + "********" + number[-4:],
        "138****5678",
    ]
    assert Ledger.objects.get().params["q"] == number  # the saved filter still finds him


def test_rows_show_masked_numbers_only(client, personas, files):
    login_as(client, personas.head_a)
    body = client.get(reverse(LIST)).content.decode()
    number = make_id_number(dt.date(1950, 3, 4), seq=11)
    assert files["zhang"].id_masked in body
    assert "138****5678" in body
    assert number not in body
    assert "13812345678" not in body


def test_each_list_view_writes_one_audit_row_with_the_filter(client, personas, files):
    login_as(client, personas.clerk_a)
    before = list_views().count()
    client.get(reverse(LIST), {"q": "zs", "category": "retired_soldier", "after": "x"})
    rows = list(list_views().order_by("id"))[before:]
    assert len(rows) == 1
    entry = rows[0]
    assert entry.action == "view"
    assert entry.actor_id == personas.clerk_a.pk
    assert entry.region_key == personas.clerk_a.station.region.key
    assert {k: v for k, v in entry.extra.items() if k != "request_id"} == {
        "q": "zs",
        "category": "retired_soldier",
        "sort": "name",
    }
    # and no per-person rows
    assert not AuditEntry.objects.filter(subject_id__startswith="recipient:").exists()


def test_filters_category_flag_age_status_and_deceased(client, personas, files):
    login_as(client, personas.reviewer_town)

    def names(**query):
        body = client.get(reverse(LIST), query).content.decode()
        return {n for n in ("张三", "李四", "王五") if f">{n}</a>" in body}

    assert names(category="martyr_family") == {"李四"}
    assert names(flag="combat_veteran") == {"张三"}
    assert names(age_min="60") == {"张三", "王五"}
    assert names(age_max="40") == {"李四"}
    assert names(status="draft") == {"李四"}
    assert names(region="370202001002") == {"王五"}
    Recipient.objects.filter(pk=files["wang"].pk).update(death_date=dt.date(2024, 1, 1))
    assert names(deceased="1") == {"王五"}
    assert names(deceased="0") == {"张三", "李四"}


def test_region_filter_outside_the_jurisdiction_finds_nothing(client, personas, files):
    login_as(client, personas.clerk_a)
    body = client.get(reverse(LIST), {"region": "370202001002"}).content.decode()
    assert "共 0 人" in body and "王五" not in body


def test_a_searched_region_outside_the_jurisdiction_is_not_named_back(client, personas, files):
    # issue 12 §3: the code typed is said back, the region's name (村B, 市北区) never is.
    login_as(client, personas.clerk_a)
    for code, name in (("370202001002", "村B"), ("370203", "市北区"), ("999999", "")):
        body = client.get(reverse(LIST), {"region": code}).content.decode()
        assert f"区划代码 {code}（辖区内无此区划）" in body
        if name:
            assert name not in body
    inside = client.get(reverse(LIST), {"region": "370202001001"}).content.decode()
    assert "区划：村A" in inside


def test_keyset_pages_have_a_next_link_and_no_page_numbers(client, personas, tree):
    for i in range(51):
        make_recipient(
            tree.regions.village_a,
            created_by=personas.clerk_a,
            name=f"测试{i:02d}",
            id_number=make_id_number(seq=100 + i),
        )
    login_as(client, personas.clerk_a)
    first = client.get(reverse(LIST))
    body = first.content.decode()
    assert "共 51 人" in body
    assert "下一页" in body and "第 1" not in body
    cursor = first.context["page"].next_cursor
    second = client.get(reverse(LIST), {"after": cursor}).content.decode()
    assert second.count('class="name"') == 1
    assert "回到第一页" in second and "下一页" not in second


def test_htmx_request_renders_only_the_results(client, personas, files):
    login_as(client, personas.clerk_a)
    response = client.get(reverse(LIST), {"q": "ls"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="search-form"' not in body
    assert "李四" in body and "张三" not in body
    assert "共 1 人" in body
    assert 'href="/registry/excel/export/?q=ls&amp;sort=name"' in body


def test_back_button_restore_gets_the_whole_page(client, personas, files):
    login_as(client, personas.clerk_a)
    response = client.get(
        reverse(LIST),
        {"q": "ls"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    body = response.content.decode()
    assert "<html" in body and 'id="search-form"' in body
    # and the results are never kept in the browser's htmx history cache
    assert 'id="results" aria-live="polite" hx-history="false"' in body


def test_category_counts_head_the_list(client, personas, files):
    login_as(client, personas.clerk_a)
    body = client.get(reverse(LIST)).content.decode()
    # village level counts directly: approved, living files only (李四 is a draft)
    assert "退役士兵 <strong>1</strong>" in body
    assert "烈士遗属 <strong>" not in body


def test_list_needs_registry_view(client, personas, files):
    login_as(client, personas.sysadmin)
    assert client.get(reverse(LIST)).status_code == 403
    assert not list_views().exists()


def test_leader_may_read_the_list_but_not_create(client, personas, files):
    login_as(client, personas.leader_county)
    body = client.get(reverse(LIST)).content.decode()
    assert "张三" in body and "新建档案</a>" not in body


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse(LIST))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- 台账 ----------------------------------------------------------------------------------


def test_save_the_current_filter_as_a_ledger(client, personas, files):
    login_as(client, personas.clerk_a)
    form = client.get(reverse("registry:ledger_save"), {"category": "retired_soldier", "q": "z"})
    assert "关键词“z”，退役士兵" in form.content.decode()
    response = client.post(
        reverse("registry:ledger_save"),
        {"name": "退役士兵台账", "category": "retired_soldier", "q": "z"},
    )
    assert response.status_code == 302
    ledger = Ledger.objects.get()
    assert ledger.owner == personas.clerk_a
    assert ledger.name == "退役士兵台账"
    assert ledger.params == {"q": "z", "category": "retired_soldier", "sort": "name"}
    assert ledger.region_key == tree_key(personas.clerk_a)
    entry = AuditEntry.objects.get(object_type="registry.ledger")
    assert entry.action == "create"


def tree_key(user):
    return user.station.region.key


def test_ledger_without_a_name_is_refused(client, personas, files):
    login_as(client, personas.clerk_a)
    response = client.post(reverse("registry:ledger_save"), {"name": " ", "flag": "empty_nest"})
    assert response.status_code == 200
    assert "请填写台账名称。" in response.content.decode()
    assert not Ledger.objects.exists()


def test_duplicate_ledger_name_is_refused(client, personas, files):
    login_as(client, personas.clerk_a)
    client.post(reverse("registry:ledger_save"), {"name": "重点", "flag": "empty_nest"})
    response = client.post(reverse("registry:ledger_save"), {"name": "重点"})
    assert response.status_code == 200
    assert "您已有同名台账“重点”" in response.content.decode()
    assert Ledger.objects.count() == 1


def test_ledger_list_opens_and_deletes_own_ledgers_only(client, personas, files):
    mine = Ledger.objects.create(
        owner=personas.clerk_a, name="参战", params={"flag": "combat_veteran"}, region_key=1
    )
    theirs = Ledger.objects.create(owner=personas.clerk_b, name="乙的台账", params={}, region_key=2)
    login_as(client, personas.clerk_a)
    body = client.get(reverse("registry:ledger_list")).content.decode()
    assert "参战" in body and "参战参试" in body and "乙的台账" not in body
    assert f'href="/registry/excel/export/?ledger={mine.pk}"' in body
    # open = run the search with the saved filter
    opened = client.get(reverse("registry:ledger_open", args=[mine.pk]), follow=True)
    text = opened.content.decode()
    assert "台账：参战" in text and "张三" in text and "李四" not in text
    assert client.get(reverse("registry:ledger_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("registry:ledger_delete", args=[theirs.pk])).status_code == 404
    assert Ledger.objects.filter(pk=theirs.pk).exists()
    assert client.post(reverse("registry:ledger_delete", args=[mine.pk])).status_code == 302
    assert not Ledger.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(object_type="registry.ledger", action="delete").count() == 1


def test_ledger_list_names_regions_in_one_query_however_many_ledgers(client, personas, files, tree):
    """Each saved filter's region is named (inside the jurisdiction) or said back as typed
    (outside it), with the names read once for the whole list, not once per ledger."""

    def save(name, region):
        Ledger.objects.create(
            owner=personas.head_county, name=name, params={"region": region}, region_key=1
        )

    save("甲村", tree.regions.village_a.code)
    login_as(client, personas.head_county)
    client.get(reverse("registry:ledger_list"))  # the session's first page reads more
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("registry:ledger_list"))
    save("乙村", tree.regions.village_b.code)
    save("外县", "999999999999")
    with CaptureQueriesContext(connection) as three:
        body = client.get(reverse("registry:ledger_list")).content.decode()
    assert len(three) == len(one)
    assert f"区划：{tree.regions.village_a.name}" in body
    assert f"区划：{tree.regions.village_b.name}" in body
    assert "区划代码 999999999999（辖区内无此区划）" in body


# --- 新建档案 --------------------------------------------------------------------------------


def create(client, **data):
    return client.post(reverse("registry:recipient_create"), data)


def test_village_clerk_creates_a_draft_file(client, personas, tree):
    login_as(client, personas.clerk_a)
    page = client.get(reverse("registry:recipient_create")).content.decode()
    # the village clerk's only region is chosen for them
    assert '<option value="370202001001" selected>' in page
    number = make_id_number(dt.date(1985, 2, 3), male=False, seq=7)
    response = create(
        client, household="370202001001", id_number=number, name="王芳", phone="139 0000 1111"
    )
    recipient = Recipient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:recipient_detail", args=[recipient.pk])
    assert recipient.status == FileStatus.DRAFT
    assert recipient.gender == "F" and recipient.birth_date == dt.date(1985, 2, 3)
    assert recipient.phone_masked == "139****1111"
    assert ReviewStep.objects.get(recipient=recipient).action == "建档"
    profile = client.get(response["Location"]).content.decode()
    assert "已为 王芳 建档（草稿）" in profile


def test_invalid_number_is_refused_next_to_the_field(client, personas, tree):
    login_as(client, personas.clerk_a)
    number = make_id_number(seq=8)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = create(client, household="370202001001", id_number=wrong, name="错号")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["id_number"] == [
        "身份证号码校验位不正确，请逐位核对（可能有输错或颠倒的数字）。"
    ]
    assert not Recipient.objects.exists()


def test_bad_mobile_and_missing_name_are_refused(client, personas, tree):
    login_as(client, personas.clerk_a)
    response = create(
        client, household="370202001001", id_number=make_id_number(seq=9), phone="12345"
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["phone"] == ["手机号码应为 11 位中国大陆手机号，以 13–19 开头。"]
    assert errors["name"] == ["请填写姓名。"]
    assert not Recipient.objects.exists()


def test_region_outside_the_jurisdiction_is_refused(client, personas, tree):
    login_as(client, personas.clerk_a)
    response = create(
        client, household="370202001002", id_number=make_id_number(seq=10), name="越界"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["household"] == ["所选区划不在您的辖区内。"]
    assert not Recipient.objects.exists()


def test_township_reviewer_picks_a_village(client, tree):
    clerk_town = make_staff(tree.stations.town1, Role.CLERK, username="clerk_town")
    login_as(client, clerk_town)
    page = client.get(reverse("registry:recipient_create")).content.decode()
    assert '<option value="370202001000">甲街道</option>' in page
    assert '<option value="370202001002">甲街道 › 村B</option>' in page
    assert "村C" not in page
    response = create(
        client, household="370202001002", id_number=make_id_number(seq=15), name="乙村人"
    )
    assert response.status_code == 302
    assert Recipient.objects.get().region_key == tree.regions.village_b.key


def test_unknown_county_code_is_a_warning_not_an_error(client, personas, tree):
    login_as(client, personas.clerk_a)
    number = make_id_number(area="110101", seq=16)
    response = create(client, household="370202001001", id_number=number, name="北京人")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg warning"' in page
    assert "地址码 110101 不在现行行政区划代码中" in page
    assert Recipient.objects.count() == 1


def test_preview_shows_gender_and_birth_date(client, personas, tree):
    login_as(client, personas.clerk_a)
    number = make_id_number(dt.date(1962, 10, 1), male=True, seq=17)
    body = client.post(
        reverse("registry:recipient_preview"), {"id_number": number}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "性别：<strong>男</strong>" in body
    assert "出生日期：<strong>1962-10-01</strong>" in body
    assert "<html" not in body
    bad = client.post(reverse("registry:recipient_preview"), {"id_number": "123"})
    assert "身份证号码应为 18 位（或旧版 15 位），您输入了 3 位。" in bad.content.decode()
    assert client.get(reverse("registry:recipient_preview")).status_code == 405


def test_duplicate_in_another_jurisdiction_offers_a_transfer(client, personas, files):
    # Given 王五 is filed in village B
    login_as(client, personas.clerk_a)
    number = make_id_number(dt.date(1960, 6, 6), seq=13)
    # When village A's clerk tries to file him again
    response = create(client, household="370202001001", id_number=number, name="王五")
    body = response.content.decode()
    # Then they are told where, and offered a transfer — not shown the other file
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == ["已在“村B退役军人服务站”建档。"]
    assert "申请档案转移" in body and 'action="/registry/transfers/new/"' in body
    assert reverse("registry:recipient_detail", args=[files["wang"].pk]) not in body
    assert Recipient.objects.count() == 4

    # When they ask for the transfer from the offered form
    moved = client.post(
        reverse("registry:transfer_new"),
        {"id_number": number, "to_region": "370202001001", "reason": "户籍迁入村A"},
    )
    assert moved.status_code == 302
    transfer = TransferRequest.objects.get()
    assert transfer.recipient == files["wang"]
    assert transfer.to_region == personas.clerk_a.station.region
    assert transfer.status == TransferStatus.PENDING
    listing = client.get(reverse("registry:transfer_list")).content.decode()
    assert "户籍迁入村A" in listing and "待审批" in listing


def test_duplicate_inside_the_jurisdiction_links_to_the_file(client, personas, files):
    clerk_town = make_staff(personas.reviewer_town.station, Role.CLERK, username="ct")
    login_as(client, clerk_town)
    number = make_id_number(dt.date(1960, 6, 6), seq=13)
    response = create(client, household="370202001001", id_number=number, name="王五")
    body = response.content.decode()
    assert response.status_code == 200
    assert "在您的辖区内" in body
    assert reverse("registry:recipient_detail", args=[files["wang"].pk]) in body
    assert 'id="transfer-offer"' not in body


def test_leader_cannot_create_and_nothing_is_written(client, personas, tree):
    login_as(client, personas.leader_county)
    assert client.get(reverse("registry:recipient_create")).status_code == 403
    response = create(
        client, household="370202001001", id_number=make_id_number(seq=18), name="不行"
    )
    assert response.status_code == 403
    assert not Recipient.objects.exists()


# --- 申请档案转移 (standalone form) -----------------------------------------------------------


def test_transfer_request_errors_are_in_chinese(client, personas, files):
    login_as(client, personas.clerk_a)
    url = reverse("registry:transfer_new")
    unknown = client.post(
        url, {"id_number": make_id_number(seq=19), "to_region": "370202001001", "reason": "迁入"}
    )
    assert unknown.context["form"].errors["id_number"] == [
        "系统中没有该身份证号码的档案，请直接新建档案。"
    ]
    own = client.post(
        url,
        {
            "id_number": make_id_number(dt.date(1950, 3, 4), seq=11),
            "to_region": "370202001001",
            "reason": "迁入",
        },
    )
    assert own.context["form"].non_field_errors() == ["该档案已在您的辖区内，无需转移。"]
    no_reason = client.post(
        url, {"id_number": make_id_number(dt.date(1960, 6, 6), seq=13), "to_region": "370202001001"}
    )
    assert no_reason.context["form"].errors["reason"] == ["请填写迁移原因。"]
    assert not TransferRequest.objects.exists()


def test_reviewer_cannot_request_transfers(client, personas, files):
    login_as(client, personas.reviewer_town)
    assert client.get(reverse("registry:transfer_new")).status_code == 403

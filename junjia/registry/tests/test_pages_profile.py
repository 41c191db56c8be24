"""The profile page (档案详情): audit of every view, revealing masked numbers, section and list
edits (in place for drafts, as a change request for approved files), the review actions,
documents and the contact card."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from junjia.core.errors import WrongState
from junjia.core.models import AuditAction, AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.registry.choices import Category, ChangeStatus, FileStatus
from junjia.registry.models import ChangeRequest, Recipient, RecipientDocument, ReviewStep
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db

NUMBER = make_id_number(dt.date(1958, 8, 1), seq=21)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def approved(tree, personas):
    return make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="张建国",
        birth=dt.date(1958, 8, 1),
        id_number=NUMBER,
        phone="13912345678",
    )


@pytest.fixture
def draft(tree, personas):
    return make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="李卫东",
        status=FileStatus.DRAFT,
        id_number=make_id_number(seq=22),
    )


@pytest.fixture
def reviewer_county(tree):
    return make_staff(tree.stations.county, Role.REVIEWER, username="reviewer_county")


def detail(pk):
    return reverse("registry:recipient_detail", args=[pk])


def views_of(recipient):
    return AuditEntry.objects.filter(action="view", subject_id=f"recipient:{recipient.pk}")


# --- viewing and revealing --------------------------------------------------------------------


def test_profile_view_is_audited_once(client, personas, approved):
    login_as(client, personas.clerk_a)
    body = client.get(detail(approved.pk)).content.decode()
    assert "张建国" in body and approved.id_masked in body and "139****5678" in body
    assert NUMBER not in body and "13912345678" not in body
    entry = views_of(approved).get()
    assert entry.actor_id == personas.clerk_a.pk
    assert entry.extra["page"] == "profile"
    assert entry.region_key == approved.region_key


def test_profile_outside_the_jurisdiction_is_404_and_not_audited(client, personas, approved):
    login_as(client, personas.clerk_b)
    assert client.get(detail(approved.pk)).status_code == 404
    assert not views_of(approved).exists()


def test_whole_story_on_one_screen(client, personas, approved):
    login_as(client, personas.clerk_a)
    body = client.get(detail(approved.pk)).content.decode()
    for text in (
        "基本信息",
        "组织生活和社会活动",
        "服役信息",
        "安置信息",
        "就业创业",
        "教育培训",
        "抚恤优待",
        "特困低保",
        "服务对象类别",
        "立功受奖",
        "家庭成员",
        "一人一策",
        "档案材料",
        "审核记录",
        "联系服务卡",
    ):
        assert text in body, text
    # required documents for a retired soldier, none uploaded yet
    assert body.count('<span class="mark" aria-hidden="true">缺</span>') == 5


def test_station_head_reveals_the_number_and_it_is_audited(client, personas, approved):
    login_as(client, personas.head_a)
    page = client.get(detail(approved.pk)).content.decode()
    assert 'aria-label="显示完整身份证号码"' in page
    url = reverse("registry:recipient_reveal", args=[approved.pk, "id_number"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert NUMBER in response.content.decode()
    assert "<html" not in response.content.decode()
    entry = AuditEntry.objects.get(extra__revealed="id_number")
    assert entry.subject_id == f"recipient:{approved.pk}"
    assert entry.actor_id == personas.head_a.pk
    phone = client.post(reverse("registry:recipient_reveal", args=[approved.pk, "phone"]))
    assert "13912345678" in phone.content.decode()  # without htmx: the whole page


def test_clerk_without_reveal_sees_no_button_and_is_refused(client, personas, approved):
    login_as(client, personas.clerk_a)
    page = client.get(detail(approved.pk)).content.decode()
    assert "显示完整身份证号码" not in page
    url = reverse("registry:recipient_reveal", args=[approved.pk, "id_number"])
    response = client.post(url)
    assert response.status_code == 403
    assert NUMBER not in response.content.decode()
    assert not AuditEntry.objects.filter(extra__revealed="id_number").exists()


def test_reveal_outside_the_jurisdiction_is_404(client, tree, approved):
    head_b = make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b")
    login_as(client, head_b)
    url = reverse("registry:recipient_reveal", args=[approved.pk, "id_number"])
    assert client.post(url).status_code == 404
    assert not AuditEntry.objects.filter(extra__revealed="id_number").exists()


# --- editing -----------------------------------------------------------------------------------


def basic_data(**overrides):
    data = {
        "name": "李卫东",
        "former_names": "",
        "ethnicity": "汉族",
        "phone": "",
        "current_address": "村A 3 号",
        "political_status": "party_member",
        "education": "",
    }
    data.update(overrides)
    return data


def test_draft_section_is_edited_in_place(client, personas, draft):
    login_as(client, personas.clerk_a)
    url = reverse("registry:section_edit", args=[draft.pk, "basic"])
    assert client.get(url).status_code == 200
    response = client.post(url, basic_data(phone="13700001111", empty_nest="on"))
    assert response.status_code == 302
    assert response["Location"] == detail(draft.pk) + "#tab-basic"
    draft.refresh_from_db()
    assert draft.current_address == "村A 3 号"
    assert draft.political_status == "party_member"
    assert draft.empty_nest is True
    assert draft.phone_masked == "137****1111"
    assert not ChangeRequest.objects.exists()


def test_blank_phone_keeps_the_number_and_clear_removes_it(client, personas, draft):
    Recipient.objects.filter(pk=draft.pk).update()
    login_as(client, personas.clerk_a)
    url = reverse("registry:section_edit", args=[draft.pk, "basic"])
    client.post(url, basic_data(phone="13700001111"))
    page = client.get(url).content.decode()
    assert "当前号码 137****1111；不修改请留空。" in page
    assert "13700001111" not in page
    client.post(url, basic_data(current_address="新地址"))
    draft.refresh_from_db()
    assert draft.phone_masked == "137****1111" and draft.current_address == "新地址"
    client.post(url, basic_data(clear_phone="on"))
    draft.refresh_from_db()
    assert draft.phone_masked == "" and draft.phone_enc == ""


def test_section_form_errors_are_in_chinese(client, personas, draft):
    login_as(client, personas.clerk_a)
    url = reverse("registry:section_edit", args=[draft.pk, "service"])
    response = client.post(
        url, {"enlistment_date": "2000-12-01", "discharge_date": "1999-12-01", "branch": "army"}
    )
    assert response.status_code == 200
    assert "退役时间应晚于入伍时间。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.enlistment_date is None


def test_approved_file_edits_go_into_a_change_request(client, personas, approved):
    login_as(client, personas.clerk_a)
    url = reverse("registry:section_edit", args=[approved.pk, "basic"])
    page = client.get(url).content.decode()
    assert "此处的修改将形成变更申请" in page
    client.post(url, basic_data(name="张建国", current_address="新家"))
    approved.refresh_from_db()
    assert approved.current_address == ""  # the approved version stays in force
    change = ChangeRequest.objects.get(recipient=approved)
    assert change.status == ChangeStatus.DRAFT
    assert change.proposed["sections"]["basic"]["current_address"] == "新家"
    # a second edit starts from the proposed values, not from the approved ones
    page = client.get(url).content.decode()
    assert 'value="新家"' in page
    profile = client.get(detail(approved.pk)).content.decode()
    assert "变更申请" in profile and "现居住地址" in profile and "新家" in profile
    assert "提交变更审核" in profile


def test_categories_list_edit_checks_disability_grade(client, personas, draft):
    login_as(client, personas.clerk_a)
    url = reverse("registry:list_edit", args=[draft.pk, "categories"])
    page = client.get(url).content.decode()
    assert 'name="categories-TOTAL_FORMS" value="3"' in page  # one row + two empty ones
    data = {
        "categories-TOTAL_FORMS": "3",
        "categories-INITIAL_FORMS": "1",
        "categories-0-category": "retired_soldier",
        "categories-1-category": "disabled_soldier",
        "categories-1-start_date": "2001-01-01",
        "categories-2-category": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "伤残军人、伤残民兵民工须填写伤残等级和伤残性质。" in response.content.decode()
    assert list(draft.categories.values_list("category", flat=True)) == ["retired_soldier"]
    data.update({"categories-1-disability_grade": "6", "categories-1-disability_cause": "war"})
    assert client.post(url, data).status_code == 302
    rows = list(draft.categories.order_by("category").values_list("category", "disability_grade"))
    assert rows == [("disabled_soldier", 6), ("retired_soldier", None)]


def test_list_rows_are_removed_with_the_delete_box(client, personas, draft):
    login_as(client, personas.clerk_a)
    url = reverse("registry:list_edit", args=[draft.pk, "family"])
    data = {
        "family-TOTAL_FORMS": "2",
        "family-INITIAL_FORMS": "0",
        "family-0-name": "李母",
        "family-0-relationship": "mother",
        "family-0-birth_year": "1935",
        "family-1-name": "李妻",
        "family-1-relationship": "spouse",
    }
    assert client.post(url, data).status_code == 302
    assert sorted(draft.family.values_list("name", flat=True)) == ["李妻", "李母"]
    data = {
        "family-TOTAL_FORMS": "2",
        "family-INITIAL_FORMS": "2",
        "family-0-name": "李母",
        "family-0-relationship": "mother",
        "family-0-DELETE": "on",
        "family-1-name": "李妻",
        "family-1-relationship": "spouse",
    }
    assert client.post(url, data).status_code == 302
    assert list(draft.family.values_list("name", flat=True)) == ["李妻"]


def test_plan_text_is_saved(client, personas, draft):
    login_as(client, personas.clerk_a)
    url = reverse("registry:list_edit", args=[draft.pk, "plan"])
    assert client.post(url, {"plan": "每季度走访一次。"}).status_code == 302
    draft.refresh_from_db()
    assert draft.plan == "每季度走访一次。"
    assert "每季度走访一次。" in client.get(detail(draft.pk)).content.decode()


def test_leader_and_reviewer_cannot_edit(client, personas, draft):
    url = reverse("registry:section_edit", args=[draft.pk, "basic"])
    for user in (personas.leader_county, personas.reviewer_town):
        client.logout()
        login_as(client, user)
        assert client.post(url, basic_data(current_address="x")).status_code == 403
        assert "编辑</a>" not in client.get(detail(draft.pk)).content.decode()
    draft.refresh_from_db()
    assert draft.current_address == ""


def test_submitted_file_cannot_be_edited(client, personas, draft):
    Recipient.objects.filter(pk=draft.pk).update(status=FileStatus.SUBMITTED, review_level=4)
    login_as(client, personas.clerk_a)
    url = reverse("registry:section_edit", args=[draft.pk, "basic"])
    assert client.get(url).status_code == 403
    assert "审核中，待乡镇（街道）审核" in client.get(detail(draft.pk)).content.decode()


# --- collection and review -----------------------------------------------------------------


def post(client, name, pk, data=None):
    return client.post(reverse(f"registry:{name}", args=[pk]), data or {})


def test_submit_and_approve_up_two_levels(client, personas, draft, reviewer_county):
    # Given a village clerk's draft
    login_as(client, personas.clerk_a)
    response = post(client, "recipient_submit", draft.pk)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.review_level) == (FileStatus.SUBMITTED, 4)
    assert "已提交审核，待乡镇（街道）审核。" in client.get(detail(draft.pk)).content.decode()

    # The county reviewer is not asked yet: no buttons, and a refusal if they try
    client.logout()
    login_as(client, reviewer_county)
    assert "审核通过</button>" not in client.get(detail(draft.pk)).content.decode()
    post(client, "recipient_approve", draft.pk)
    page = client.get(detail(draft.pk)).content.decode()
    assert "该档案当前应由乡镇（街道）审核人审核。" in page
    draft.refresh_from_db()
    assert draft.review_level == 4

    # The township reviewer passes it up
    client.logout()
    login_as(client, personas.reviewer_town)
    assert "审核通过</button>" in client.get(detail(draft.pk)).content.decode()
    post(client, "recipient_approve", draft.pk, {"remark": "材料齐全"})
    draft.refresh_from_db()
    assert (draft.status, draft.review_level) == (FileStatus.SUBMITTED, 3)

    # The county reviewer sees the documents are missing: passing it needs a stated reason
    client.logout()
    login_as(client, reviewer_county)
    page = client.get(detail(draft.pk)).content.decode()
    assert "尚缺材料，须说明通过理由" in page
    post(client, "recipient_approve", draft.pk)
    page = client.get(detail(draft.pk)).content.decode()
    assert "审核通过须在审核意见中说明理由" in page
    draft.refresh_from_db()
    assert draft.status == FileStatus.SUBMITTED
    post(client, "recipient_approve", draft.pk, {"remark": "原件已现场核验，扫描件后补"})
    draft.refresh_from_db()
    assert draft.status == FileStatus.APPROVED and draft.last_verified_at is not None
    page = client.get(detail(draft.pk)).content.decode()
    assert "档案已审核通过，生效。" in page
    actions = list(ReviewStep.objects.filter(recipient=draft).values_list("action", "remark"))
    assert actions == [
        ("建档", ""),
        ("提交审核", ""),
        ("审核通过（上报）", "材料齐全"),
        ("审核通过", "原件已现场核验，扫描件后补"),
    ]
    assert "材料齐全" in page


def test_return_needs_a_reason_and_the_clerk_reads_it(client, personas, draft):
    login_as(client, personas.clerk_a)
    post(client, "recipient_submit", draft.pk)
    client.logout()
    login_as(client, personas.reviewer_town)
    post(client, "recipient_return", draft.pk, {"reason": "  "})
    assert "退回时请填写退回原因。" in client.get(detail(draft.pk)).content.decode()
    draft.refresh_from_db()
    assert draft.status == FileStatus.SUBMITTED
    post(client, "recipient_return", draft.pk, {"reason": "缺退役证"})
    draft.refresh_from_db()
    assert draft.status == FileStatus.RETURNED
    client.logout()
    login_as(client, personas.clerk_a)
    page = client.get(detail(draft.pk)).content.decode()
    assert "已退回：</strong>缺退役证" in page
    assert "提交审核</button>" in page


def test_submit_without_category_is_refused(client, personas, draft):
    draft.categories.all().delete()
    login_as(client, personas.clerk_a)
    post(client, "recipient_submit", draft.pk)
    assert "请至少登记一个服务对象类别后再提交。" in client.get(detail(draft.pk)).content.decode()
    draft.refresh_from_db()
    assert draft.status == FileStatus.DRAFT


def test_clerk_cannot_approve(client, personas, draft):
    Recipient.objects.filter(pk=draft.pk).update(status=FileStatus.SUBMITTED, review_level=5)
    login_as(client, personas.clerk_a)
    assert post(client, "recipient_approve", draft.pk).status_code == 403
    draft.refresh_from_db()
    assert draft.status == FileStatus.SUBMITTED


def test_withdraw_a_draft(client, personas, draft):
    login_as(client, personas.clerk_a)
    post(client, "recipient_withdraw", draft.pk)
    draft.refresh_from_db()
    assert draft.status == FileStatus.WITHDRAWN
    assert "该档案已撤回" in client.get(detail(draft.pk)).content.decode()


def test_change_request_submitted_and_approved(client, personas, approved, reviewer_county):
    login_as(client, personas.clerk_a)
    client.post(
        reverse("registry:section_edit", args=[approved.pk, "basic"]),
        basic_data(name="张建国", current_address="新家"),
    )
    post(client, "change_submit", approved.pk, {"reason": "搬家"})
    change = ChangeRequest.objects.get()
    assert (change.status, change.review_level, change.reason) == ("submitted", 4, "搬家")
    client.logout()
    login_as(client, personas.reviewer_town)
    page = client.get(detail(approved.pk)).content.decode()
    assert "该档案的变更等待您审核。" in page and "新家" in page
    post(client, "recipient_approve", approved.pk)
    client.logout()
    login_as(client, reviewer_county)
    post(client, "recipient_approve", approved.pk)
    approved.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert approved.current_address == "新家"


def test_change_withdraw(client, personas, approved):
    login_as(client, personas.clerk_a)
    client.post(reverse("registry:list_edit", args=[approved.pk, "plan"]), {"plan": "新的一人一策"})
    post(client, "change_withdraw", approved.pk)
    assert ChangeRequest.objects.get().status == ChangeStatus.WITHDRAWN
    approved.refresh_from_db()
    assert approved.plan == ""


def test_verify_and_mark_deceased(client, personas, approved):
    login_as(client, personas.clerk_a)
    approved.last_verified_at = None
    approved.save(update_fields=["last_verified_at"])
    post(client, "recipient_verify", approved.pk)
    approved.refresh_from_db()
    assert approved.last_verified_at is not None
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    post(client, "recipient_deceased", approved.pk, {"death_date": future})
    assert (
        "去世日期不能晚于今天，也不能早于出生日期。"
        in client.get(detail(approved.pk)).content.decode()
    )
    approved.refresh_from_db()
    assert approved.death_date is None
    post(client, "recipient_deceased", approved.pk, {"death_date": "2025-01-02"})
    approved.refresh_from_db()
    assert approved.death_date == dt.date(2025, 1, 2)
    page = client.get(detail(approved.pk)).content.decode()
    assert "已去世 2025-01-02" in page and "登记去世</summary>" not in page


def test_actions_on_a_file_outside_the_jurisdiction_are_404(client, personas, approved):
    login_as(client, personas.clerk_b)
    for name in ("recipient_verify", "recipient_submit", "recipient_deceased"):
        assert post(client, name, approved.pk, {"death_date": "2020-01-01"}).status_code == 404
    approved.refresh_from_db()
    assert approved.death_date is None


# --- documents ---------------------------------------------------------------------------------


def test_upload_download_and_delete_a_document(client, personas, approved):
    login_as(client, personas.clerk_a)
    upload = SimpleUploadedFile("身份证.png", PNG, content_type="image/png")
    response = post(client, "document_upload", approved.pk, {"kind": "id_card", "file": upload})
    assert response["Location"].endswith("#documents")
    document = RecipientDocument.objects.get()
    page = client.get(detail(approved.pk)).content.decode()
    assert '<span class="mark" aria-hidden="true">✓</span> 身份证' in page
    before = views_of(approved).count()
    download = client.get(reverse("registry:document_file", args=[approved.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]
    assert views_of(approved).count() == before + 1
    assert views_of(approved).order_by("-id").first().extra["page"] == "document"
    client.post(reverse("registry:document_delete", args=[approved.pk, document.pk]))
    assert not RecipientDocument.objects.exists()


def test_wrong_document_type_is_refused(client, personas, approved):
    login_as(client, personas.clerk_a)
    upload = SimpleUploadedFile("a.exe", b"MZ" + b"0" * 20)
    post(client, "document_upload", approved.pk, {"kind": "id_card", "file": upload})
    page = client.get(detail(approved.pk)).content.decode()
    assert "只接受 PDF、JPG、PNG 格式的扫描件或照片。" in page
    assert not RecipientDocument.objects.exists()


def test_a_refused_upload_is_told_in_the_documents_section_where_the_page_opens(
    client, personas, approved
):
    login_as(client, personas.clerk_a)
    upload = SimpleUploadedFile("a.exe", b"MZ" + b"0" * 20)
    response = post(client, "document_upload", approved.pk, {"kind": "id_card", "file": upload})
    assert response["Location"].endswith("#documents")
    page = client.get(detail(approved.pk)).content.decode()
    section = page[page.index('id="documents"') :]
    assert (
        '<div class="msg error" role="alert">只接受 PDF、JPG、PNG 格式的扫描件或照片。</div>'
        in section
    )
    top = page[: page.index('id="documents"')]
    assert "只接受 PDF、JPG、PNG" not in top


def test_documents_are_locked_while_the_file_is_under_review(client, personas, draft):
    from junjia.registry import services

    document = RecipientDocument.objects.create(
        recipient=draft,
        kind="photo",
        file=SimpleUploadedFile("p.png", PNG),
        original_name="p.png",
        uploaded_by=personas.clerk_a,
    )
    services.recipient_submit(actor=personas.clerk_a, recipient=draft)
    login_as(client, personas.clerk_a)
    upload = SimpleUploadedFile("身份证.png", PNG, content_type="image/png")
    post(client, "document_upload", draft.pk, {"kind": "id_card", "file": upload})
    client.post(reverse("registry:document_delete", args=[draft.pk, document.pk]))
    page = client.get(detail(draft.pk)).content.decode()
    assert "档案正在审核中，审核结束前不能增删材料。" in page
    assert list(RecipientDocument.objects.values_list("kind", flat=True)) == ["photo"]
    # the service itself refuses, whatever calls it
    with pytest.raises(WrongState, match="审核结束前不能增删材料"):
        services.document_upload(
            actor=personas.clerk_a,
            recipient=draft,
            kind="id_card",
            upload=SimpleUploadedFile("x.png", PNG),
        )
    with pytest.raises(WrongState):
        services.document_remove(actor=personas.clerk_a, document=document)


def test_the_reviewer_sees_the_documents_inline_beside_the_decision(client, personas, draft):
    from junjia.registry import services

    document = RecipientDocument.objects.create(
        recipient=draft,
        kind="photo",
        file=SimpleUploadedFile("照片.png", PNG),
        original_name="照片.png",
        uploaded_by=personas.clerk_a,
    )
    services.recipient_submit(actor=personas.clerk_a, recipient=draft)
    login_as(client, personas.reviewer_town)
    page = client.get(detail(draft.pk)).content.decode()
    url = reverse("registry:document_file", args=[draft.pk, document.pk]) + "?inline=1"
    box = page[page.index('class="review-box"') :]
    assert f'<img src="{url}" alt="近期免冠照片：照片.png" loading="lazy">' in box
    before = views_of(draft).count()
    preview = client.get(url)
    assert "inline" in preview["Content-Disposition"] and preview["Content-Type"] == "image/png"
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert views_of(draft).count() == before + 1
    assert views_of(draft).latest("id").extra["preview"] is True


def test_document_of_another_village_is_404(client, personas, approved):
    document = RecipientDocument.objects.create(
        recipient=approved,
        kind="photo",
        file=SimpleUploadedFile("p.png", PNG),
        original_name="p.png",
        uploaded_by=personas.clerk_a,
    )
    login_as(client, personas.clerk_b)
    url = reverse("registry:document_file", args=[approved.pk, document.pk])
    assert client.get(url).status_code == 404
    delete = reverse("registry:document_delete", args=[approved.pk, document.pk])
    assert client.post(delete).status_code == 404
    assert RecipientDocument.objects.count() == 1
    assert not views_of(approved).exists()


def test_required_documents_follow_the_categories(client, personas, tree):
    martyr_kin = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="烈属",
        categories=(Category.MARTYR_FAMILY,),
        id_number=make_id_number(seq=23),
    )
    login_as(client, personas.clerk_a)
    page = client.get(detail(martyr_kin.pk)).content.decode()
    assert "烈士证明书" in page and "亲属关系证明" in page
    assert "退役证/转业证/离退休证" not in page.split('id="documents"')[1].split("</ul>")[0]


# --- 联系服务卡 --------------------------------------------------------------------------------


def test_contact_card_shows_station_clerk_and_qr_without_the_number(
    client, personas, tree, approved
):
    station = tree.stations.village_a
    station.phone = "0532-8888 0001"
    station.hotline = "12345"
    station.address = "村委会一楼"
    station.save()
    clerk = personas.clerk_a
    clerk.office_phone = "0532-8888 0002"
    clerk.save()
    login_as(client, personas.clerk_a)
    body = client.get(reverse("registry:recipient_card", args=[approved.pk])).content.decode()
    assert "村A退役军人服务站" in body
    assert clerk.full_name in body and "0532-8888 0002" in body
    assert "12345" in body and "村委会一楼" in body
    assert "<svg" in body and 'class="segno"' in body
    assert NUMBER not in body and approved.id_masked not in body
    assert views_of(approved).get().extra["page"] == "card"


def _refusals():
    return AuditEntry.objects.filter(action=AuditAction.REFUSED)


def test_opening_another_jurisdictions_file_is_a_security_event(client, tree, approved):
    head_b = make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b_sec")
    login_as(client, head_b)
    assert client.get(detail(approved.pk)).status_code == 404
    event = _refusals().get()
    assert (event.object_type, event.object_id) == ("registry.recipient", str(approved.pk))
    assert event.actor_id == head_b.pk
    assert event.extra["attempt"] == "object" and event.extra["status"] == 404
    # a number that names no file at all is only a 404: nothing was refused
    assert client.get(detail(approved.pk + 999)).status_code == 404
    assert _refusals().count() == 1


def test_the_api_keeps_the_same_security_event(tree, approved):
    from rest_framework.test import APIClient

    from junjia.orgs.tests.helpers import api_token_key

    head_b = make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b_api")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(head_b)}")
    assert api.get(f"/api/v1/recipients/{approved.pk}/").status_code == 404
    assert _refusals().get().object_id == str(approved.pk)


def test_a_refused_reveal_is_a_security_event(client, personas, approved):
    login_as(client, personas.clerk_a)
    url = reverse("registry:recipient_reveal", args=[approved.pk, "id_number"])
    assert client.post(url).status_code == 403
    event = _refusals().get()
    assert event.extra["attempt"] == "reveal"
    assert event.object_id == str(approved.pk)

"""接件 (000 §7): opening a case for a person on file or a walk-in, the materials check row by
row (missing, defective with what is wrong, not needed), the channel's extra details
(doorstep, proxy), Chinese messages naming the field, scoping and audit of the searches."""

import pytest
from django.urls import reverse

from junjia.cases.choices import CaseStatus, Channel, MaterialState
from junjia.cases.models import Case, CaseStep
from junjia.core.crypto import get_provider
from junjia.registry.choices import Category
from junjia.registry.tests.factories import make_recipient

from . import test_pages_work as base
from .test_pages_work import as_user, body, messages_of, view_rows

frozen, work = base.frozen, base.work  # the shared fixtures

OPEN = "cases:case_open"
CARD = "preferential-card"
# 优待证申领's materials in order: 身份证, 照片, 退役证 (categorised), 烈士证明书 (categorised),
# 亲属关系证明 (categorised).


def materials(*states, notes=None) -> dict:
    data = {}
    for i, state in enumerate(states):
        data[f"m-state_{i}"] = state
        data[f"m-note_{i}"] = (notes or {}).get(i, "")
    return data


def post_open(client, **fields):
    data = {"do": "open", "item": CARD, "channel": Channel.WINDOW, "recipient": "", **fields}
    return client.post(reverse(OPEN), data)


def test_the_open_form_lists_the_items_of_the_station_s_level_by_area(client, work):
    response = as_user(client, work.a).get(reverse(OPEN))

    assert response.status_code == 200
    html = body(response)
    assert "首办负责制：接件人即为该办件的首办人" in html
    assert '<optgroup label="优待抚恤">' in html
    assert "优待证申领" in html
    # 残疾等级评定 is a county matter: not offered at a village station.
    assert "残疾等级评定" not in html
    assert "请先选择办理事项" in html


def test_choosing_an_item_loads_its_materials_table(client, work):
    client = as_user(client, work.a)

    partial = client.get(reverse(OPEN), {"item": CARD}, HTTP_HX_REQUEST="true")
    page = client.get(reverse(OPEN), {"item": CARD})

    html = body(partial)
    assert "<html" not in html  # the htmx partial only
    assert 'id="materials"' in html
    assert "承诺时限 <strong>20</strong> 个工作日" in html
    for name in ("居民身份证", "近期免冠照片", "退役证（转业证、离退休证）", "烈士证明书"):
        assert name in html
    assert "按类别" in html  # category rows default to the person's categories
    assert "仅烈士遗属需要" in html or "仅" in html
    assert 'value="preferential-card" selected' in body(page)


def test_an_unknown_item_in_the_partial_asks_to_choose_one(client, work):
    html = body(
        as_user(client, work.a).get(reverse(OPEN), {"item": "nope"}, HTTP_HX_REQUEST="true")
    )

    assert "请先选择办理事项" in html


def test_a_person_on_file_is_found_and_the_case_opened_with_their_categories(client, work):
    client = as_user(client, work.a)

    found = client.get(reverse("cases:recipient_search"), {"q": "王建军"})
    assert "<strong>王建军</strong>" in body(found) and work.person.id_masked in body(found)
    response = post_open(
        client,
        recipient=str(work.person.pk),
        # 身份证 ok, 照片 ok, the three category rows left to the person's categories
        **materials("ok", "ok", "", "", ""),
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    assert (case.recipient, case.owner, case.status) == (work.person, work.a, CaseStatus.RECEIVED)
    assert case.applicant_name == "王建军"
    states = {m["name"]: m["state"] for m in case.materials}
    # A retired soldier needs the discharge certificate (not brought), not the martyr's papers.
    assert states == {
        "居民身份证": MaterialState.OK,
        "近期免冠照片": MaterialState.OK,
        "退役证（转业证、离退休证）": MaterialState.MISSING,
        "烈士证明书": MaterialState.NOT_NEEDED,
        "亲属关系证明": MaterialState.NOT_NEEDED,
    }
    assert case.item_version == case.item_version.item.current_version
    assert list(CaseStep.objects.values_list("action", flat=True)) == ["接件"]
    follow = client.get(response["Location"])
    assert "材料不全：请点“材料不全”，再出具一次性告知单" in " ".join(messages_of(follow))


def test_the_recipient_search_is_audited_with_the_query_masked(client, work):
    as_user(client, work.a).get(reverse("cases:recipient_search"), {"q": "13912345678"})

    row = view_rows(work.a, object_type="registry.recipient_list").latest("pk")
    assert (row.extra["q"], row.extra["found"]) == ("139****5678", 1)


def test_the_search_without_javascript_keeps_what_was_typed(client, work):
    response = as_user(client, work.a).post(
        reverse(OPEN),
        {
            "do": "search",
            "q": "王建军",
            "item": CARD,
            "applicant_phone": "13800001111",
            "channel": Channel.PHONE,
            **materials("ok", "defective", "", "", "", notes={1: "照片模糊"}),
        },
    )

    assert response.status_code == 200
    assert Case.objects.count() == 0
    html = body(response)
    assert "王建军" in html and 'value="13800001111"' in html
    assert 'value="defective" class="state-choice" id="id_m-state_1_2" checked' in html
    assert 'value="照片模糊"' in html
    assert 'value="phone" class="channel-choice" required id="id_channel_1" checked' in html
    assert "errorlist" not in html


def test_nobody_outside_the_jurisdiction_is_found_or_can_be_chosen(client, work):
    outsider = make_recipient(
        work.tree.regions.village_d, created_by=work.clerk_d, name="王外县", phone="13700000000"
    )
    client = as_user(client, work.a)

    found = client.get(reverse("cases:recipient_search"), {"q": "王外县"})
    forged = post_open(client, recipient=str(outsider.pk), **materials(*["ok"] * 5))
    nonsense = post_open(client, recipient="abc", **materials(*["ok"] * 5))

    assert "<strong>王外县</strong>" not in body(found)
    assert "辖区档案中没有找到“王外县”" in body(found)
    for response in (forged, nonsense):
        assert response.status_code == 200
        assert "未找到所选服务对象，或其不在您的辖区内" in body(response)
    assert Case.objects.count() == 0


def test_a_walk_in_is_captured_minimally_with_masked_numbers(client, work):
    client = as_user(client, work.a)

    response = post_open(
        client,
        applicant_name="李来访",
        applicant_phone="139 0000 1234",
        applicant_id="11010519491231002x",
        **materials("ok", "ok", "ok", "not_needed", "not_needed"),
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert case.recipient is None and case.applicant_name == "李来访"
    assert case.applicant_phone_masked == "139****1234"
    assert case.applicant_id_masked == "110105********002X"
    provider = get_provider()
    assert "13900001234" not in case.applicant_phone_enc
    assert case.applicant_id_index == provider.blind_index(
        "11010519491231002X", purpose="recipient.id"
    )
    detail = client.get(response["Location"])
    html = body(detail)
    assert "已接件，办件编号" in " ".join(messages_of(detail))
    assert "材料齐全，可以受理" in " ".join(messages_of(detail))
    assert "未建档" in html and "110105********002X" in html
    assert "11010519491231002X" not in html and "13900001234" not in html


def test_a_walk_in_needs_a_name_and_valid_numbers(client, work):
    client = as_user(client, work.a)

    no_name = post_open(client, applicant_name=" ", **materials(*["ok"] * 5))
    bad = post_open(
        client,
        applicant_name="李来访",
        applicant_phone="12345",
        applicant_id="110105194912310021",
        **materials(*["ok"] * 5),
    )

    assert "请填写申请人姓名，或在上方查找并选择档案中的服务对象。" in body(no_name)
    errors = bad.context["form"].errors
    assert set(errors) == {"applicant_phone", "applicant_id"}
    assert all("\u4e00" <= e[0][0] <= "\u9fff" or e[0][0] in "“（" for e in errors.values())
    assert Case.objects.count() == 0


def test_a_defective_material_needs_what_is_wrong(client, work):
    response = post_open(
        as_user(client, work.a),
        applicant_name="李来访",
        **materials("ok", "defective", "ok", "not_needed", "not_needed"),
    )

    assert response.status_code == 200
    assert "请说明“近期免冠照片”哪里有误（将写入一次性告知单）。" in body(response)
    assert Case.objects.count() == 0


def test_missing_and_defective_materials_with_notes_are_kept_on_the_case(client, work):
    client = as_user(client, work.a)

    post_open(
        client,
        applicant_name="李来访",
        **materials(
            "ok", "defective", "missing", "not_needed", "not_needed", notes={1: "非近期照片"}
        ),
    )

    case = Case.objects.get()
    rows = {m["name"]: (m["state"], m["note"]) for m in case.materials}
    assert rows["近期免冠照片"] == ("defective", "非近期照片")
    assert rows["退役证（转业证、离退休证）"] == ("missing", "")
    html = body(client.get(reverse("cases:case_detail", args=[case.pk])))
    assert "缺少 1 项，有误 1 项" in html
    assert "非近期照片" in html


def test_a_walk_in_s_category_rows_count_as_needed_unless_marked_not_needed(client, work):
    post_open(as_user(client, work.a), applicant_name="李来访", **materials("ok", "ok"))

    states = {m["name"]: m["state"] for m in Case.objects.get().materials}
    assert states["退役证（转业证、离退休证）"] == MaterialState.MISSING
    assert states["烈士证明书"] == MaterialState.MISSING


def test_a_doorstep_case_needs_the_reason_and_keeps_time_and_place(client, work):
    client = as_user(client, work.a)

    refused = post_open(
        client, applicant_name="韩上门", channel=Channel.DOORSTEP, **materials(*["ok"] * 5)
    )
    opened = post_open(
        client,
        applicant_name="韩上门",
        channel=Channel.DOORSTEP,
        doorstep_condition="本人瘫痪卧床，行动不便",
        doorstep_at="2026-12-03T14:30",
        doorstep_place="村A三组12号",
        **materials("ok", "ok", "ok", "not_needed", "not_needed"),
    )

    assert "上门服务须说明原因" in body(refused)
    assert opened.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.DOORSTEP
    assert case.doorstep_condition == "本人瘫痪卧床，行动不便"
    assert case.doorstep_place == "村A三组12号"
    assert f"{case.doorstep_at.astimezone():%H:%M}" in ("14:30", "06:30")
    html = body(client.get(opened["Location"]))
    assert "本人瘫痪卧床，行动不便" in html and "2026-12-03 14:30" in html


def test_a_proxy_case_needs_the_requester_and_the_authorisation(client, work):
    client = as_user(client, work.a)

    refused = post_open(
        client, applicant_name="卫老人", channel=Channel.PROXY, **materials(*["ok"] * 5)
    )
    opened = post_open(
        client,
        applicant_name="卫老人",
        channel=Channel.PROXY,
        proxy_requester="卫小明",
        proxy_relationship="儿子",
        proxy_authorisation="书面委托书一份，已核对委托人身份证",
        **materials("ok", "ok", "ok", "not_needed", "not_needed"),
    )

    errors = refused.context["form"].errors
    assert errors["proxy_requester"] == ["代办须登记委托人。"]
    assert errors["proxy_authorisation"] == ["代办须登记委托书或授权情况。"]
    case = Case.objects.get()
    assert opened.status_code == 302
    assert (case.proxy_requester, case.proxy_relationship) == ("卫小明", "儿子")


def test_an_assisted_case_may_be_opened_without_an_authorisation(client, work):
    response = post_open(
        as_user(client, work.a),
        applicant_name="卫老人",
        channel=Channel.ASSISTED,
        proxy_requester="卫老人",
        **materials("ok", "ok", "ok", "not_needed", "not_needed"),
    )

    assert response.status_code == 302
    assert Case.objects.get().channel == Channel.ASSISTED


def test_a_consultation_and_a_matter_outside_the_remit_are_recorded(client, work):
    client = as_user(client, work.a)

    response = post_open(
        client,
        item="policy-consultation",
        applicant_name="咨询人",
        channel=Channel.PHONE,
        consultation="on",
        outside_remit="on",
    )

    case = Case.objects.get()
    assert (case.status, case.outside_remit) == (CaseStatus.CONSULTED, True)
    detail = client.get(response["Location"])
    assert f"已登记咨询，编号 {case.number}。" in messages_of(detail)
    assert "不属于本大厅职权范围" in body(detail)


def test_an_item_must_be_chosen(client, work):
    response = post_open(as_user(client, work.a), item="", applicant_name="李来访")

    assert response.status_code == 200
    assert response.context["form"].errors["item"]
    assert Case.objects.count() == 0


def test_opening_needs_the_handle_capability_and_a_station(client, work):
    leader = as_user(client, work.personas.leader_county).get(reverse(OPEN))
    sysadmin = as_user(client, work.personas.sysadmin).get(reverse(OPEN))
    search = as_user(client, work.personas.leader_county).get(
        reverse("cases:recipient_search"), {"q": "王"}
    )

    assert leader.status_code == 403
    assert sysadmin.status_code == 403
    assert search.status_code == 403


def test_the_opening_writes_an_audit_row_naming_the_person(client, work):
    post_open(
        as_user(client, work.a),
        recipient=str(work.person.pk),
        **materials("ok", "ok", "", "", ""),
    )

    from junjia.core.models import AuditAction, AuditEntry

    row = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="cases.case").get()
    assert row.subject_id == f"recipient:{work.person.pk}"
    assert row.actor_id == work.a.pk


@pytest.mark.parametrize("state", ["ok", "missing", "not_needed"])
def test_every_state_of_an_uncategorised_row_is_kept(client, work, state):
    post_open(as_user(client, work.a), applicant_name="李来访", **materials(state))

    assert Case.objects.get().materials[0]["state"] == state


def test_a_person_with_categories_sees_them_in_the_search(client, work):
    make_recipient(
        work.tree.regions.village_a,
        created_by=work.a,
        name="王烈属",
        categories=(Category.MARTYR_FAMILY,),
        male=False,
    )

    html = body(as_user(client, work.a).get(reverse("cases:recipient_search"), {"q": "王烈属"}))

    assert "王烈属" in html and "烈士遗属" in html

"""The assessment pages: score sheets with the sum check, opening a quarter, the scoring form
(a missing note named by its row, nothing saved), submitting, the spot check's comparison and
附件2 as a print page and an xlsx file (audited)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from junjia.assessment.choices import AssessmentStatus
from junjia.assessment.models import Assessment, ScoreRound, Scoring
from junjia.assessment.tests.factories import (
    form_body,
    full_marks,
    loaded_version,
    open_round,
    scored,
    township_head,
)
from junjia.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_sheet_pages_show_the_rows_and_the_sum_check(client, personas):
    version = loaded_version()
    client.force_login(personas.clerk_a)
    page = client.get(reverse("assessment:sheet_list")).content.decode()
    assert "服务对象100人以下村（社区）退役军人服务站规范建设运行验收评分表" in page
    assert "一致" in page
    detail = client.get(reverse("assessment:sheet_detail", args=[version.pk])).content.decode()
    assert "各计分项分值合计 100 分，与表中所注总分值一致" in detail
    assert "做好为烈属、军属和退役军人等家庭悬挂光荣牌工作。" in detail
    assert "发生重大舆情负面炒作的" in detail
    assert "同一事项只计最高加分，不累计加分" in detail


def test_a_difference_in_the_sum_is_shown(client, personas):
    version = loaded_version()
    version.declared_total = 105
    version.save(update_fields=["declared_total"])
    client.force_login(personas.clerk_a)
    detail = client.get(reverse("assessment:sheet_detail", args=[version.pk])).content.decode()
    assert "<strong>相差 -5 分</strong>" in detail
    assert "相差 -5 分" in client.get(reverse("assessment:sheet_list")).content.decode()


def test_a_county_head_opens_a_quarter_on_the_page(client, personas):
    loaded_version()
    client.force_login(personas.head_county)
    response = client.post(reverse("assessment:round_list"), {"year": "2027", "quarter": "2"})
    found = ScoreRound.objects.get()
    assert response.url == reverse("assessment:round_detail", args=[found.pk])
    again = client.post(reverse("assessment:round_list"), {"year": "2027", "quarter": "2"})
    assert "市南区2027年第二季度的考核已开启。" in again.content.decode()
    client.force_login(personas.clerk_a)
    assert "开启季度考核" not in client.get(reverse("assessment:round_list")).content.decode()
    assert (
        client.post(reverse("assessment:round_list"), {"year": "2027", "quarter": "3"}).status_code
        == 403
    )


def test_the_scoring_form_names_the_row_missing_its_note(client, tree, personas):
    found = open_round(personas)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    client.force_login(township_head(tree))
    url = reverse("assessment:assessment_score", args=[a.pk])
    page = client.get(url).content.decode()
    assert "（一） 组织领导" in page and "当前得分" in page
    response = client.post(url, form_body(found.version, score_41="1"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "第41项扣了 1 分，请填写扣分说明。" in text
    assert Scoring.objects.count() == 0
    bad = client.post(url, form_body(found.version, score_12="二"))
    assert "第12项得分应为数字（如 2 或 1.5）。" in bad.content.decode()
    saved = client.post(url, form_body(found.version, score_41="1", note_41="两户未建立联系"))
    assert saved.status_code == 302
    scoring = Scoring.objects.get()
    assert (scoring.total, scoring.complete) == (99, True)
    # the draft comes back filled in
    assert 'value="两户未建立联系"' not in client.get(url).content.decode()
    assert "两户未建立联系</textarea>" in client.get(url).content.decode()


def test_submitting_from_the_form_and_bonus_claims(client, tree, personas):
    found = open_round(personas)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    client.force_login(township_head(tree))
    url = reverse("assessment:assessment_score", args=[a.pk])
    data = form_body(
        found.version,
        action="submit",
        claim_row_1="58",
        claim_matter_1="老兵调解室",
        claim_points_1="3",
        claim_row_2="59",
        claim_matter_2="老兵调解室",
        claim_points_2="4",
    )
    response = client.post(url, data)
    assert response.url == reverse("assessment:assessment_detail", args=[a.pk])
    a.refresh_from_db()
    assert (a.status, a.total, a.passed) == (AssessmentStatus.SUBMITTED, 104, True)
    claims = list(a.scorings.get().claims.values_list("row__number", "counted"))
    assert claims == [(58, False), (59, True)]
    detail = client.get(response.url).content.decode()
    assert "同一事项已有更高加分，不计入" in detail
    # no further change once submitted
    assert "不能再修改这份评分" in client.get(url).content.decode()


def test_the_county_spot_check_comparison_page(client, tree, personas):
    found = open_round(personas)
    head = township_head(tree)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    scored(head, a, full_marks(found.version))
    from junjia.assessment import services

    services.assessment_submit(actor=head, assessment=a)
    client.force_login(personas.head_county)
    url = reverse("assessment:assessment_check", args=[a.pk])
    data = form_body(found.version, action="submit", score_39="1", note_39="三户未挂光荣牌")
    response = client.post(url, data)
    assert response.url == reverse("assessment:assessment_compare", args=[a.pk])
    page = client.get(response.url).content.decode()
    assert "有 <strong>1</strong> 项得分不同" in page
    assert '<tr class="differs">' in page and "<strong>-2</strong>" in page
    a.refresh_from_db()
    assert a.status == AssessmentStatus.CHECKED
    # the township sees the comparison too, but cannot check
    client.force_login(head)
    assert client.get(response.url).status_code == 200
    assert client.get(url).status_code == 403


def test_statistics_page_and_xlsx_in_the_layout_of_the_form(client, tree, personas):
    tree.stations.village_b.phone = "023-70605678"
    tree.stations.village_b.save(update_fields=["phone"])
    found = open_round(personas)
    head = township_head(tree)
    b = Assessment.objects.get(round=found, station=tree.stations.village_b)
    scored(
        head,
        b,
        full_marks(
            found.version,
            **{
                "6": ("0", "无专职人员"),
                "7": ("0", "经费未保障"),
                "9": ("0", "无场所"),
                "48": ("1.5", "未动员培训"),
            },
        ),
    )
    from junjia.assessment import services

    services.assessment_submit(actor=head, assessment=b)
    client.force_login(head)
    url = reverse("assessment:statistics", args=[found.pk])
    page = client.get(url).content.decode()
    assert "服务对象100人以下村（社区）退役军人服务站规范建设运行验收情况统计表" in page
    assert "填报单位（加盖公章）：甲街道退役军人服务站" in page
    assert "<td>89.5</td>" in page and "未达标" in page
    response = client.get(url, {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "服务对象100人以下村（社区）退役军人服务站规范建设运行验收情况统计表"
    assert rows[1][0] == "填报单位（加盖公章）：甲街道退役军人服务站"
    assert rows[2] == ("序号", "退役军人服务站名称", "得分", "联系人", "联系电话", "备注")
    assert rows[3][:6] == (
        1,
        "村A退役军人服务站",
        None,
        personas.head_a.full_name,
        None,
        "尚未报送",
    )
    assert rows[4][:6] == (2, "村B退役军人服务站", 89.5, None, "023-70605678", "未达标")
    exports = AuditEntry.objects.filter(action="export", object_type="assessment.scoreround")
    assert exports.count() == 1
    assert exports.get().actor_id == head.pk


def test_another_county_sees_nothing(client, tree, personas):
    found = open_round(personas)
    a = Assessment.objects.get(round=found, station=tree.stations.village_a)
    client.force_login(personas.head_county2)
    assert "市南区" not in client.get(reverse("assessment:round_list")).content.decode()
    for name, pk in (
        ("assessment:round_detail", found.pk),
        ("assessment:statistics", found.pk),
        ("assessment:assessment_detail", a.pk),
        ("assessment:assessment_score", a.pk),
        ("assessment:assessment_check", a.pk),
        ("assessment:assessment_compare", a.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name

"""Staff pages of orgs: what each persona sees and can change, and clear Chinese errors."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from junjia.core.models import AuditEntry
from junjia.orgs import selectors
from junjia.orgs.choices import Role
from junjia.orgs.models import Region, Station, StationPhoto, User
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as

pytestmark = pytest.mark.django_db


def test_home_shows_station_and_jurisdiction(client, personas):
    login_as(client, personas.head_county)
    body = client.get("/").content.decode()
    assert "市南区退役军人服务站" in body
    assert "辖区：市南区及以下" in body
    assert "下辖乡镇（街道）区划" in body


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("orgs:region_tree"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_region_tree_starts_at_the_users_region(client, personas):
    login_as(client, personas.reviewer_town)
    body = client.get(reverse("orgs:region_tree")).content.decode()
    assert "甲街道" in body and "村A" in body and "村B" in body
    assert "乙街道" not in body and "村C" not in body


def test_region_children_partial_is_scoped(client, personas, tree):
    login_as(client, personas.clerk_a)
    ok = client.get(reverse("orgs:region_children", args=[tree.regions.village_a.code]))
    assert ok.status_code == 200
    refused = client.get(reverse("orgs:region_children", args=[tree.regions.town1.code]))
    assert refused.status_code == 404


def test_region_search_by_name_and_code_stays_in_jurisdiction(client, personas):
    login_as(client, personas.head_county)
    body = client.get(reverse("orgs:region_tree"), {"q": "村"}).content.decode()
    assert "村A" in body and "村C" in body and "村D" not in body
    body = client.get(reverse("orgs:region_tree"), {"q": "370203"}).content.decode()
    assert "没有匹配" in body


def test_adding_a_village_from_the_page(client, personas, tree):
    login_as(client, personas.head_county)
    url = reverse("orgs:region_create", args=[tree.regions.town1.code])
    response = client.post(url, {"code": "370202001010", "name": "十村"})
    assert response.status_code == 302
    assert Region.objects.get(code="370202001010").parent == tree.regions.town1


def test_bad_code_on_the_page_names_the_problem(client, personas, tree):
    login_as(client, personas.head_county)
    url = reverse("orgs:region_create", args=[tree.regions.town1.code])
    response = client.post(url, {"code": "370203001010", "name": "外村"})
    assert response.status_code == 400
    assert "不在上级区划 370202001000 的代码范围内" in response.content.decode()
    assert not Region.objects.filter(code="370203001010").exists()


def test_station_profile_edit_saves_and_audits(client, personas, tree):
    login_as(client, personas.head_a)
    station = tree.stations.village_a
    url = reverse("orgs:station_edit", args=[station.pk])
    data = {
        "name": "村A退役军人服务站",
        "address": "村委会一楼",
        "latitude": "36.0669",
        "longitude": "120.3826",
        "phone": "0532-8888",
        "hotline": "",
        "office_hours": "工作日",
        "authorised_posts": "2",
        "filled_posts": "2",
        "funding_in_budget": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    station.refresh_from_db()
    assert (station.address, station.filled_posts, station.funding_in_budget) == (
        "村委会一楼",
        2,
        True,
    )
    assert AuditEntry.objects.filter(
        object_type="orgs.station", object_id=str(station.pk), action="update"
    ).exists()


def test_station_profile_errors_are_clear_and_nothing_saved(client, personas, tree):
    login_as(client, personas.head_a)
    station = tree.stations.village_a
    response = client.post(
        reverse("orgs:station_edit", args=[station.pk]),
        {
            "name": "x",
            "authorised_posts": "2",
            "filled_posts": "5",
            "latitude": "91",
            "longitude": "",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "在编在岗人数不能超过核定编制数" in body
    station.refresh_from_db()
    assert station.name == "村A退役军人服务站" and station.filled_posts == 0


def test_clerk_cannot_edit_station(client, personas, tree):
    login_as(client, personas.clerk_a)
    response = client.get(reverse("orgs:station_edit", args=[tree.stations.village_a.pk]))
    assert response.status_code == 404


def test_station_list_filters_below_standard(client, personas, tree):
    Station.objects.filter(pk=tree.stations.town1.pk).update(authorised_posts=10, filled_posts=8)
    Station.objects.filter(pk=tree.stations.town2.pk).update(authorised_posts=10, filled_posts=9)
    login_as(client, personas.head_county)
    body = client.get(reverse("orgs:station_list"), {"below": "1"}).content.decode()
    assert "甲街道退役军人服务站" in body
    assert "乙街道退役军人服务站" not in body
    assert "80% 未达标" in body


def test_publications_are_saved(client, personas, tree):
    login_as(client, personas.head_a)
    station = tree.stations.village_a
    data = {
        k: "" for k in ("duties", "rules", "process", "organisation", "services", "commitments")
    }
    data["commitments"] = "一次告知，限时办结"
    client.post(reverse("orgs:station_publications", args=[station.pk]), data)
    assert station.publications.get(kind="commitments").content == "一次告知，限时办结"


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "front.png"
    return buffer


def test_photo_upload_and_scoped_serving(client, personas, tree):
    login_as(client, personas.head_a)
    station = tree.stations.village_a
    response = client.post(
        reverse("orgs:station_photos", args=[station.pk]), {"image": _png(), "caption": "门牌"}
    )
    assert response.status_code == 302
    photo = StationPhoto.objects.get(station=station)
    assert (
        client.get(reverse("orgs:station_photo_file", args=[station.pk, photo.pk])).status_code
        == 200
    )
    client.logout()
    login_as(client, personas.clerk_b)
    assert (
        client.get(reverse("orgs:station_photo_file", args=[station.pk, photo.pk])).status_code
        == 404
    )


def test_non_image_upload_is_refused(client, personas, tree):
    login_as(client, personas.head_a)
    fake = io.BytesIO(b"not an image")
    fake.name = "x.png"
    response = client.post(
        reverse("orgs:station_photos", args=[tree.stations.village_a.pk]), {"image": fake}
    )
    assert response.status_code == 400
    assert "请上传有效的图片文件" in response.content.decode()
    assert not StationPhoto.objects.exists()


def test_sysadmin_creates_staff_and_sees_the_password_once(client, personas, tree):
    login_as(client, personas.sysadmin)
    response = client.post(
        reverse("orgs:staff_create"),
        {
            "username": "zhang_clerk",
            "full_name": "张三",
            "office_phone": "",
            "station": tree.stations.village_a.pk,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "一次性密码" in body
    assert "该账号尚无角色（待授权）" in body
    user = User.objects.get(username="zhang_clerk")
    assert user.must_change_password
    assert user.role_codes == frozenset()


def test_security_admin_form_refuses_two_admin_roles(client, personas, tree):
    login_as(client, personas.secadmin)
    response = client.post(
        reverse("orgs:staff_roles", args=[personas.clerk_a.pk]),
        {"roles": ["system_admin", "audit_admin"]},
    )
    assert response.status_code == 400
    assert "三员分立" in response.content.decode()
    assert personas.clerk_a.role_codes == frozenset({"clerk"})
    refused = AuditEntry.objects.get(action="security.refused")
    assert refused.extra["attempt"] == "授予角色"


def test_staff_detail_view_is_audited(client, personas):
    login_as(client, personas.head_county)
    client.get(reverse("orgs:staff_detail", args=[personas.clerk_a.pk]))
    entry = AuditEntry.objects.filter(action="view", object_type="orgs.user").latest("id")
    assert entry.actor_name == "head_county"
    assert entry.subject_id == f"staff:{personas.clerk_a.pk}"


def test_audit_log_only_for_the_audit_admin(client, personas):
    login_as(client, personas.sysadmin)
    assert client.get(reverse("orgs:audit_log")).status_code == 403
    client.logout()
    login_as(client, personas.auditor)
    assert client.get(reverse("orgs:audit_log")).status_code == 200


def test_audit_log_filters(client, personas, tree):
    from junjia.orgs import services

    services.region_rename(actor=personas.head_county, region=tree.regions.village_c, name="丙村")
    login_as(client, personas.auditor)
    body = client.get(
        reverse("orgs:audit_log"), {"actor": "head_county", "object_type": "orgs.region"}
    ).content.decode()
    assert "丙村" in body
    body = client.get(reverse("orgs:audit_log"), {"actor": "nobody"}).content.decode()
    assert "没有符合条件的记录" in body
    body = client.get(reverse("orgs:audit_log"), {"start": "2026-13-01"}).content.decode()
    assert "开始日期格式应为 YYYY-MM-DD" in body


def test_audit_verify_job_reports_intact_chain(
    client, personas, django_capture_on_commit_callbacks
):
    login_as(client, personas.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orgs:audit_verify"))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "已完成" in body and "哈希链完整" in body


def test_someone_elses_job_is_not_found(client, personas, django_capture_on_commit_callbacks):
    from junjia.core import jobs

    job = jobs.job_start(
        actor=personas.auditor,
        kind="core.audit_verify",
        title="t",
        region_key=personas.auditor.region_key,
        params={},
    )
    login_as(client, personas.sysadmin)
    assert client.get(reverse("orgs:job_detail", args=[job.pk])).status_code == 404


def test_healthz_reports_database_and_tasks(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] and data["tasks"]["ok"]


@pytest.fixture
def seven_at_village_a(personas, tree):
    """Village A: clerk_a, head_a and five more active accounts, and one disabled."""
    for n in range(5):
        make_staff(tree.stations.village_a, Role.CLERK, username=f"clerk_a{n}")
    make_staff(tree.stations.village_a, Role.CLERK, username="gone_a", is_active=False)


def test_home_and_station_page_give_a_village_clerk_the_same_staff_count(
    client, personas, tree, seven_at_village_a
):
    # given a village clerk, who may see the station but not the staff list (no staff.view)
    login_as(client, personas.clerk_a)

    # when they open the home page and their station's page
    home = client.get("/")
    page = client.get(reverse("orgs:station_detail", args=[tree.stations.village_a.pk]))

    # then both count the station's seven active accounts
    assert home.context["summary"]["staff_count"] == 7
    body = page.content.decode()
    assert '<dd id="staff-count">7</dd>' in body
    assert "共 7 个在用账号；您无权查看名单。" in body


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_a", 7),
        ("clerk_b", 1),  # the neighbouring village: clerk_b alone
        ("reviewer_town", 9),  # 甲街道: village A's 7, village B's 1, the reviewer
        ("head_county", 11),  # 市南区: those 9 and the county's head and leader
        ("head_county2", 1),  # 市北区: none of 市南区's
        ("auditor", 0),  # the audit administrator holds no station.view
    ],
)
def test_active_staff_count_follows_the_station_scope(
    personas, seven_at_village_a, persona, expected
):
    assert selectors.active_staff_count(getattr(personas, persona)) == expected


def test_active_staff_count_for_one_station(personas, tree, seven_at_village_a):
    count = selectors.active_staff_count(personas.head_county, station=tree.stations.village_b)

    assert count == 1

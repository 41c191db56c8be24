"""Pages of the working-day calendar: who may see them, entering a year, errors shown."""

import datetime as dt

import pytest
from django.urls import reverse
from freezegun import freeze_time

from junjia.core.models import AuditEntry, CalendarDay, CalendarSource, CalendarYear
from junjia.core.tests.helpers_otp import login_otp_verified
from junjia.core.workdays.services import calendar_seed_from_package, calendar_year_save

SCHEDULE_2027 = (
    "2027-01-01 休 元旦\r\n2027-02-06 休 春节\r\n2027-02-08 休 春节\r\n2027-02-20 班 春节调休"
)
TODAY = "2026-11-23 10:00:00+08:00"


@pytest.fixture
def seeded(db):
    calendar_seed_from_package(actor=None)


@pytest.fixture
def admin_client(client, personas):
    login_otp_verified(client, personas.sysadmin)
    return client


def _state():
    return (
        list(CalendarYear.objects.values_list("year", "source", "notice")),
        list(CalendarDay.objects.values_list("date", "kind", "name")),
        AuditEntry.objects.count(),
    )


def _pages():
    return [
        ("get", reverse("workdays:year_list")),
        ("get", reverse("workdays:year_detail", args=[2026])),
        ("get", reverse("workdays:year_create")),
        ("post", reverse("workdays:year_create")),
        ("get", reverse("workdays:year_edit", args=[2027])),
        ("post", reverse("workdays:year_edit", args=[2027])),
    ]


def test_urls():
    assert reverse("workdays:year_list") == "/calendar/"
    assert reverse("workdays:year_detail", args=[2027]) == "/calendar/2027/"


@pytest.mark.parametrize(
    "persona", ["clerk_a", "head_county", "leader_county", "secadmin", "auditor"]
)
def test_others_get_403_and_change_nothing(client, seeded, personas, persona):
    calendar_year_save(actor=personas.sysadmin, year=2027, notice="原通知", schedule=SCHEDULE_2027)
    login_otp_verified(client, getattr(personas, persona))
    before = _state()
    data = {"year": "2028", "notice": "x", "schedule": "2028-01-03 休 元旦"}

    for method, url in _pages():
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 403, url

    assert _state() == before


def test_anonymous_is_sent_to_log_in(client, seeded):
    response = client.get(reverse("workdays:year_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_without_second_factor_is_sent_to_verify(client, seeded, personas):
    personas.sysadmin.must_change_password = False
    personas.sysadmin.save(update_fields=["must_change_password"])
    client.force_login(personas.sysadmin)
    response = client.get(reverse("workdays:year_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))


@freeze_time(TODAY)
def test_year_list_shows_years_and_the_missing_2027_warning(admin_client, seeded):
    response = admin_client.get(reverse("workdays:year_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "2027 年的节假日安排尚未录入" in body
    assert [y.year for y in response.context["years"]][:2] == [2026, 2025]
    y2026 = response.context["years"][0]
    assert (y2026.holiday_count, y2026.workday_count) == (19, 6)
    assert 'href="/calendar/"' in body  # the navigation entry 工作日历


@freeze_time(TODAY)
def test_year_detail_shows_grid_and_exceptions(admin_client, seeded):
    response = admin_client.get(reverse("workdays:year_detail", args=[2026]))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<span class="badge ok" title="国庆节调休">10</span>' in body
    assert '<span class="badge bad" title="国庆节">7</span>' in body
    assert "不能在页面上修改" in body
    assert response.context["can_edit"] is False
    assert len(response.context["months"]) == 12


def test_unknown_year_detail_is_404(admin_client, seeded):
    assert admin_client.get(reverse("workdays:year_detail", args=[2030])).status_code == 404


@freeze_time(TODAY)
def test_admin_enters_2027(admin_client, seeded, personas):
    response = admin_client.post(
        reverse("workdays:year_create"),
        {"year": "2027", "notice": "国办发明电〔2026〕测试号", "schedule": SCHEDULE_2027},
    )

    assert response.status_code == 302
    assert response["Location"] == "/calendar/2027/"
    year = CalendarYear.objects.get(year=2027)
    assert (year.source, year.entered_by) == (CalendarSource.ADMIN, personas.sysadmin)
    assert year.days.count() == 3
    entry = AuditEntry.objects.filter(object_type="core.calendaryear").latest("id")
    assert (entry.action, entry.actor_id, entry.object_repr) == (
        "create",
        personas.sysadmin.pk,
        "2027年",
    )
    page = admin_client.get(response["Location"]).content.decode()
    assert (
        "2027 年节假日安排已录入：保存放假或调休 3 天。"
        "另有 1 个周末休息日本来就不上班，未单独保存。" in page
    )
    # and the warning is gone
    assert admin_client.get(reverse("workdays:year_list")).context["warning"] is None


def test_bad_lines_are_shown_and_nothing_is_saved(admin_client, seeded):
    before = _state()
    response = admin_client.post(
        reverse("workdays:year_create"),
        {"year": "2027", "notice": "通知", "schedule": "2027-01-01 休 元旦\n2027-01-04 班 错误"},
    )

    assert response.status_code == 400
    assert "第 2 行：2027-01-04 是星期一，本来就上班" in response.content.decode()
    assert _state() == before


def test_creating_a_package_year_is_refused(admin_client, seeded):
    before = _state()
    response = admin_client.post(
        reverse("workdays:year_create"),
        {"year": "2026", "notice": "通知", "schedule": "2026-10-08 休 国庆节"},
    )
    assert response.status_code == 400
    assert "2026 年的安排来自 chinese-calendar 软件包，不能在此修改" in response.content.decode()
    assert _state() == before


def test_edit_is_prefilled_and_replaces(admin_client, seeded, personas):
    calendar_year_save(actor=personas.sysadmin, year=2027, notice="原通知", schedule=SCHEDULE_2027)
    url = reverse("workdays:year_edit", args=[2027])

    form = admin_client.get(url).context["form"]
    assert (
        form.initial["schedule"] == "2027-01-01 休 元旦\n2027-02-08 休 春节\n2027-02-20 班 春节调休"
    )
    response = admin_client.post(
        url, {"year": "2099", "notice": "更正通知", "schedule": "2027-01-01 休 元旦"}
    )

    assert response.status_code == 302
    assert list(CalendarYear.objects.filter(year__gte=2027).values_list("year", "notice")) == [
        (2027, "更正通知")
    ]
    assert list(CalendarDay.objects.filter(year__year=2027).values_list("date", flat=True)) == [
        dt.date(2027, 1, 1)
    ]
    assert (
        AuditEntry.objects.filter(object_type="core.calendaryear").latest("id").action == "update"
    )


def test_editing_a_package_year_redirects_with_a_message(admin_client, seeded):
    before = _state()
    response = admin_client.post(
        reverse("workdays:year_edit", args=[2026]),
        {"year": "2026", "notice": "x", "schedule": "2026-10-08 休 国庆节"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/calendar/2026/"
    assert _state() == before

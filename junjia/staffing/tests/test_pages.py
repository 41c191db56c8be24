"""Pages of 窗口与AB角, 请假 and 午间值班 (000 §7: AB角工作制, 午间服务): who sees and
changes what, the AB rule on leave, lunch duty on working days only, Chinese refusals with
nothing written. The pages keep their cases addresses (cases:rota, /cases/rota/ …)."""

import datetime as dt

import pytest
from django.urls import reverse

from junjia.core.models import AuditEntry, Notification
from junjia.staffing import api as staffing
from junjia.staffing import errors
from junjia.staffing.models import Leave, LunchDuty, WindowPost

from .helpers import TODAY, as_user, body, frozen, make_rota

__all__ = ["frozen"]  # the fixture


@pytest.fixture
def rota(db, tree, personas, frozen):
    return make_rota(tree, personas, frozen)


def counts():
    return (
        WindowPost.objects.count(),
        Leave.objects.count(),
        LunchDuty.objects.count(),
        AuditEntry.objects.exclude(action="security.refused").count(),
    )


# --- 窗口与AB角 ----------------------------------------------------------------------------


def test_windows_show_a_and_b_and_who_stands_in_today(client, rota):
    Leave.objects.create(
        user=rota.a,
        region_key=rota.a.region_key,
        start_date=TODAY,
        end_date=TODAY,
        created_by=rota.head,
    )
    response = as_user(client, rota.a2).get(reverse("cases:rota"))
    assert response.status_code == 200
    html = body(response)
    assert "综合窗口" in html and "B 角顶岗" in html
    assert "今天：2026年12月1日" in html
    assert "张一" in html and "李二" in html
    assert "B 窗口" not in html  # village B is outside village A's jurisdiction
    assert 'id="uncovered"' not in html
    assert "新增窗口/岗位" not in html  # a clerk may look, not change


def test_a_window_with_a_and_b_both_away_is_flagged(client, rota):
    # Leave recorded before the window was set up can leave both away: the page says so.
    for user in (rota.a, rota.a2):
        Leave.objects.create(
            user=user,
            region_key=user.region_key,
            start_date=TODAY,
            end_date=TODAY,
            created_by=rota.head,
        )
    html = body(as_user(client, rota.head).get(reverse("cases:rota")))
    assert 'id="uncovered"' in html
    assert "村A退役军人服务站 · 综合窗口（A：张一，B：李二）" in html
    assert '<span class="badge bad">无人在岗</span>' in html


def test_township_sees_every_village_and_can_filter_one(client, rota):
    reviewer = rota.personas.reviewer_town
    html = body(as_user(client, reviewer).get(reverse("cases:rota")))
    assert "综合窗口" in html and "B 窗口" in html
    html = body(client.get(reverse("cases:rota"), {"station": rota.tree.stations.village_b.pk}))
    assert "B 窗口" in html and "综合窗口" not in html


def test_a_station_outside_the_jurisdiction_is_not_found(client, rota):
    response = as_user(client, rota.head).get(
        reverse("cases:rota"), {"station": rota.tree.stations.village_b.pk}
    )
    assert response.status_code == 404


def test_head_adds_a_window_with_a_and_b(client, rota):
    as_user(client, rota.head)
    before = AuditEntry.objects.filter(object_type="staffing.windowpost").count()
    response = client.post(
        reverse("cases:window_create"),
        {"name": "优抚岗", "primary": rota.a2.pk, "backup": rota.a.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/rota/?station={rota.station.pk}"
    window = WindowPost.objects.get(name="优抚岗")
    assert (window.station, window.primary, window.backup) == (rota.station, rota.a2, rota.a)
    assert AuditEntry.objects.filter(object_type="staffing.windowpost").count() == before + 1
    html = body(client.get(response["Location"]))
    assert "已新增窗口“优抚岗”。" in html


def test_head_swaps_a_and_b(client, rota):
    as_user(client, rota.head)
    response = client.post(
        reverse("cases:window_edit", args=[rota.window.pk]),
        {"name": "综合窗口", "primary": rota.a2.pk, "backup": rota.a.pk},
    )
    assert response.status_code == 302
    rota.window.refresh_from_db()
    assert (rota.window.primary, rota.window.backup) == (rota.a2, rota.a)


def test_the_same_person_as_a_and_b_is_refused_and_nothing_is_written(client, rota):
    as_user(client, rota.head)
    before = counts()
    response = client.post(
        reverse("cases:window_create"),
        {"name": "优抚岗", "primary": rota.a.pk, "backup": rota.a.pk},
    )
    assert response.status_code == 200
    assert "A 角和 B 角不能是同一个人。" in body(response)
    assert counts() == before


def test_staff_of_another_station_cannot_be_a_or_b(client, rota):
    as_user(client, rota.head)
    before = counts()
    response = client.post(
        reverse("cases:window_edit", args=[rota.window.pk]),
        {"name": "综合窗口", "primary": rota.personas.clerk_b.pk, "backup": rota.a.pk},
    )
    assert "选择一个有效的选项" in body(response)
    assert counts() == before
    rota.window.refresh_from_db()
    assert rota.window.primary == rota.a


def test_a_clerk_may_not_set_up_windows(client, rota):
    as_user(client, rota.a)
    before = counts()
    assert client.get(reverse("cases:window_create")).status_code == 403
    response = client.post(
        reverse("cases:window_edit", args=[rota.window.pk]),
        {"name": "改名", "primary": rota.a2.pk, "backup": rota.a.pk},
    )
    assert response.status_code == 404
    assert counts() == before


def test_a_window_of_another_village_is_not_found(client, rota):
    as_user(client, rota.head)
    url = reverse("cases:window_edit", args=[rota.window_b.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404


# --- 请假 --------------------------------------------------------------------------------------


def test_a_clerk_records_their_own_leave_and_b_is_told(client, rota):
    as_user(client, rota.a)
    response = client.post(
        reverse("cases:leave"),
        # A clerk's form has no 请假人员: a smuggled user is ignored, the leave is their own.
        {"start_date": "2026-12-07", "end_date": "2026-12-09", "reason": "年休假", "user": 1},
    )
    assert response.status_code == 302
    leave = Leave.objects.get()
    assert (leave.user, leave.start_date, leave.end_date, leave.reason) == (
        rota.a,
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 9),
        "年休假",
    )
    assert Notification.objects.filter(user=rota.a2, text__contains="B 角").count() == 1
    html = body(client.get(reverse("cases:leave")))
    assert "已登记 张一 2026-12-07 至 2026-12-09 请假；其 B 角已收到通知。" in html
    assert "2026-12-07 至 2026-12-09" in html


def test_leave_that_puts_a_and_b_away_together_is_refused_with_the_window_and_dates(client, rota):
    staffing.leave_record(
        actor=rota.head, user=rota.a, start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 11)
    )
    as_user(client, rota.a2)
    before = counts()
    response = client.post(
        reverse("cases:leave"), {"start_date": "2026-12-10", "end_date": "2026-12-14"}
    )
    assert response.status_code == 200
    assert "综合窗口：A 角与 B 角不能同时休假（张一 在 2026-12-07–2026-12-11 已请假）。" in body(
        response
    )
    assert counts() == before


def test_leave_ending_before_it_starts_is_refused(client, rota):
    as_user(client, rota.a)
    before = counts()
    response = client.post(
        reverse("cases:leave"), {"start_date": "2026-12-10", "end_date": "2026-12-08"}
    )
    assert errors.LEAVE_DATES in body(response)
    assert counts() == before


def test_the_head_records_leave_for_staff_and_sees_current_and_coming_leave(client, rota):
    Leave.objects.create(
        user=rota.a2,
        region_key=rota.a2.region_key,
        start_date=dt.date(2026, 11, 2),
        end_date=dt.date(2026, 11, 3),
        reason="已结束的假",
        created_by=rota.head,
    )
    Leave.objects.create(
        user=rota.personas.clerk_b,
        region_key=rota.personas.clerk_b.region_key,
        start_date=TODAY,
        end_date=TODAY,
        reason="村B的假",
        created_by=rota.personas.clerk_b,
    )
    as_user(client, rota.head)
    response = client.post(
        reverse("cases:leave"),
        {"user": rota.a.pk, "start_date": "2026-12-01", "end_date": "2026-12-02", "reason": "病假"},
    )
    assert response.status_code == 302
    assert Leave.objects.filter(user=rota.a, created_by=rota.head, reason="病假").count() == 1
    html = body(client.get(reverse("cases:leave")))
    assert "病假" in html and "休假中" in html
    assert "已结束的假" not in html
    assert "村B的假" not in html


def test_the_head_cannot_record_leave_for_someone_outside_the_jurisdiction(client, rota):
    as_user(client, rota.head)
    before = counts()
    response = client.post(
        reverse("cases:leave"),
        {"user": rota.personas.clerk_b.pk, "start_date": "2026-12-01", "end_date": "2026-12-01"},
    )
    assert "选择一个有效的选项" in body(response)
    assert counts() == before


def test_a_leader_has_no_leave_page(client, rota):
    assert as_user(client, rota.personas.leader_county).get(reverse("cases:leave")).status_code == (
        403
    )


# --- 午间值班 -------------------------------------------------------------------------------


def test_the_lunch_rota_lists_the_coming_working_days(client, rota):
    html = body(as_user(client, rota.head).get(reverse("cases:lunch")))
    days = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"]
    days += ["2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-14"]
    for day in days:
        assert f'id="lunch-{day}"' in html
    assert 'id="lunch-2026-12-05"' not in html  # Saturday
    assert html.count('<span class="badge warn">未安排</span>') == 10


def test_the_head_sets_lunch_duty_and_the_station_pages_show_it(client, rota):
    as_user(client, rota.head)
    response = client.post(
        reverse("cases:lunch"),
        {"station": rota.station.pk, "day": "2026-12-01", "user": rota.a2.pk},
    )
    assert response.status_code == 302
    duty = LunchDuty.objects.get()
    assert (duty.station, duty.date, duty.user) == (rota.station, TODAY, rota.a2)
    html = body(client.get(reverse("cases:lunch")))
    assert "12月1日午间值班：李二。" in html
    html = body(client.get(reverse("cases:rota")))
    assert "今日午间值班（12:00–13:30）：<strong>李二</strong>" in html


def test_lunch_duty_on_a_rest_day_is_refused(client, rota):
    as_user(client, rota.head)
    before = counts()
    response = client.post(
        reverse("cases:lunch"), {"station": rota.station.pk, "day": "2026-12-05", "user": rota.a.pk}
    )
    assert response.status_code == 200
    assert '<div class="alert" id="lunch-errors"><p>午间服务只在工作日安排。</p></div>' in body(
        response
    )
    assert counts() == before


def test_a_clerk_sees_the_rota_but_may_not_set_it(client, rota):
    as_user(client, rota.a)
    html = body(client.get(reverse("cases:lunch")))
    assert "lunch-2026-12-01" in html and '<form method="post" class="row-form">' not in html
    before = counts()
    response = client.post(
        reverse("cases:lunch"), {"station": rota.station.pk, "day": "2026-12-01", "user": rota.a.pk}
    )
    assert "您没有安排本站午间值班的权限。" in body(response)
    assert counts() == before


def test_lunch_duty_for_someone_of_another_station_is_refused(client, rota):
    as_user(client, rota.head)
    before = counts()
    response = client.post(
        reverse("cases:lunch"),
        {"station": rota.station.pk, "day": "2026-12-01", "user": rota.personas.clerk_b.pk},
    )
    assert "选择一个有效的选项" in body(response)
    assert counts() == before


def test_lunch_rota_of_another_village_is_not_found(client, rota):
    as_user(client, rota.head)
    url = reverse("cases:lunch")
    assert client.get(url, {"station": rota.tree.stations.village_b.pk}).status_code == 404
    before = counts()
    response = client.post(
        url,
        {"station": rota.tree.stations.village_b.pk, "day": "2026-12-01", "user": rota.a.pk},
    )
    assert response.status_code == 404
    assert counts() == before


def test_the_rota_runs_into_a_provisional_year_and_says_so(client, rota):
    rota.frozen.move_to("2026-12-24 09:00:00+08:00")
    html = body(as_user(client, rota.head).get(reverse("cases:lunch")))
    assert "2027 年的节假日安排尚未录入，2027 年的值班日暂按法定节假日估算" in html
    assert 'id="lunch-2026-12-31"' in html
    assert 'id="lunch-2027-01-01"' not in html  # 元旦, a statutory holiday
    assert 'id="lunch-2027-01-04"' in html


def test_no_lunch_line_on_a_rest_day(client, rota):
    rota.frozen.move_to("2026-12-05 10:00:00+08:00")
    html = body(as_user(client, rota.head).get(reverse("cases:rota")))
    assert "今日午间值班" not in html

"""Pages of 我的办件 and 办件督办 (000 §7 首办负责制, 限时办结): my open cases due soonest
first with overdue and due-soon marked, the cases of an A on leave for their B, the head's
supervision, case look-up, scoping and the audit rows of lists. The fixtures here serve the
other test_pages_work_* modules too."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from freezegun import freeze_time

from junjia.cases import services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import Channel
from junjia.cases.models import Case, Extension, ServiceItem
from junjia.core.models import AuditAction, AuditEntry
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.registry.choices import Category
from junjia.registry.tests.factories import make_recipient
from junjia.staffing import api as staffing
from junjia.staffing.models import Leave

NOW = "2026-12-01 09:30:00+08:00"  # a Tuesday
TODAY = dt.date(2026, 12, 1)

# Everything 优待证申领 asks of a retired soldier (the two martyr-family rows do not apply).
CARD_COMPLETE = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}
# The photo is wrong and the discharge certificate missing.
CARD_INCOMPLETE = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "defective", "note": "照片为三年前所拍，须近六个月内白底免冠照"},
    "退役证（转业证、离退休证）": {"state": "missing"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}


@pytest.fixture
def frozen():
    with freeze_time(NOW) as freezer:
        yield freezer


@pytest.fixture
def work(db, tree, personas, frozen):
    """Village A: head 赵站长, clerks 张一 (A on 综合窗口, office phone) and 李二 (B), and a
    retired soldier on file; village B's clerk; a clerk of another county (village D)."""
    calendar_seed_from_package()
    load_catalogue()
    station = tree.stations.village_a
    station.phone = "0532-88880000"
    station.address = "甲街道村A村委会一楼"
    station.save(update_fields=["phone", "address"])
    head, a = personas.head_a, personas.clerk_a
    head.full_name = "赵站长"
    head.save(update_fields=["full_name"])
    a.full_name, a.office_phone = "张一", "0532-85561234"
    a.save(update_fields=["full_name", "office_phone"])
    a2 = make_staff(station, Role.CLERK, username="clerk_a2", full_name="李二")
    window = staffing.window_save(
        actor=head, station=station, name="综合窗口", primary=a, backup=a2
    )
    clerk_d = make_staff(tree.stations.village_d, Role.CLERK, username="clerk_d", full_name="丁四")
    person = make_recipient(
        tree.regions.village_a,
        created_by=a,
        name="王建军",
        categories=(Category.RETIRED_SOLDIER,),
        phone="13912345678",
    )
    return SimpleNamespace(
        station=station,
        head=head,
        a=a,
        a2=a2,
        window=window,
        clerk_b=personas.clerk_b,
        clerk_d=clerk_d,
        person=person,
        tree=tree,
        personas=personas,
        frozen=frozen,
    )


def as_user(client, user):
    client.logout()
    login_as(client, user)
    return client


def body(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def item(code="preferential-card"):
    return ServiceItem.objects.get(code=code)


def new_case(clerk, *, code="preferential-card", name="王大明", received=None, **kw) -> Case:
    return services.case_open(
        actor=clerk,
        item=item(code),
        channel=kw.pop("channel", Channel.WINDOW),
        applicant_name=name,
        applicant_phone=kw.pop("phone", "13800001111"),
        received=CARD_COMPLETE if received is None else received,
        **kw,
    )


def accepted_case(clerk, *, due: dt.date | None = None, **kw) -> Case:
    case = services.case_accept(actor=clerk, case=new_case(clerk, **kw))
    if due is not None:
        Case.objects.filter(pk=case.pk).update(due_on=due)
        case.refresh_from_db()
    return case


def view_rows(actor, **filters):
    return AuditEntry.objects.filter(actor_id=actor.pk, action=AuditAction.VIEW, **filters)


# --- 我的办件 ---------------------------------------------------------------------------------


def test_my_work_lists_open_cases_due_soonest_first_with_overdue_and_soon_marked(client, work):
    later = accepted_case(work.a, name="刘后期")  # due in 20 working days
    overdue = accepted_case(work.a, name="陈超期", due=dt.date(2026, 11, 26))
    soon = accepted_case(work.a, name="孙将到", due=dt.date(2026, 12, 3))
    waiting = new_case(work.a, name="周待补", received=CARD_INCOMPLETE)
    done = accepted_case(work.a, name="吴办完")
    services.case_complete(actor=work.a, case=done, result="已制证")
    accepted_case(work.a2, name="郑别人")  # 李二's own case
    accepted_case(work.clerk_b, name="冯村B")

    response = as_user(client, work.a).get(reverse("cases:work"))

    assert response.status_code == 200
    html = body(response)
    # Due soonest first; cases not yet accepted (no due date) last.
    order = [html.index(n) for n in ("陈超期", "孙将到", "刘后期", "周待补")]
    assert order == sorted(order)
    for absent in ("吴办完", "郑别人", "冯村B"):
        assert absent not in html
    rows = {c.pk: c for c in response.context["rows"].object_list}
    assert rows[overdue.pk].urgency == "overdue"
    assert rows[overdue.pk].due_label == "已超期 3 个工作日"
    assert rows[soon.pk].urgency == "soon"
    assert rows[soon.pk].due_label == "剩余 2 个工作日"
    assert rows[later.pk].urgency == ""
    assert rows[later.pk].due_label == "剩余 20 个工作日"
    assert rows[waiting.pk].due_label == ""
    assert '<tr class="overdue">' in html and '<tr class="soon">' in html
    assert response.context["counts"] == {
        "total": 4,
        "overdue": 1,
        "soon": 1,
        "waiting": 0,
        "standin": 0,
    }
    assert "今天 2026-12-01" in html
    assert 'id="watch"' not in html  # a clerk is not shown the head's supervision summary


def test_the_work_page_reads_the_working_day_calendar_once(client, work):
    # The list's deadlines, its {% due %} dates and the navigation's to-do count (recounted
    # here: nothing is kept) share the request's calendar: one read of the official years
    # and one of the year's exceptions.
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    accepted_case(work.a, name="孙将到", due=dt.date(2026, 12, 3))
    accepted_case(work.a, name="刘后期")
    page = as_user(client, work.a)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = page.get(reverse("cases:work"))

    assert response.status_code == 200
    html = body(response)
    assert "孙将到" in html and 'title="待办' in html  # the list and the counted navigation
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "core_calendaryear"' in q for q in sqls) == 1
    assert sum('FROM "core_calendarday"' in q for q in sqls) == 1


def test_the_work_list_filters_by_chip(client, work):
    accepted_case(work.a, name="陈超期", due=dt.date(2026, 11, 26))
    accepted_case(work.a, name="孙将到", due=dt.date(2026, 12, 2))
    case = new_case(work.a, name="周待补", received=CARD_INCOMPLETE)
    case = services.case_mark_incomplete(actor=work.a, case=case)
    services.case_issue_notice(actor=work.a, case=case)
    client = as_user(client, work.a)

    overdue = body(client.get(reverse("cases:work") + "?show=overdue"))
    soon = body(client.get(reverse("cases:work") + "?show=soon"))
    waiting = body(client.get(reverse("cases:work") + "?show=waiting"))
    unknown = client.get(reverse("cases:work") + "?show=nonsense")

    assert "陈超期" in overdue and "孙将到" not in overdue and "<h2>已超期</h2>" in overdue
    assert "孙将到" in soon and "陈超期" not in soon
    assert "周待补" in waiting and "陈超期" not in waiting and "<h2>待补材料</h2>" in waiting
    assert unknown.status_code == 200 and unknown.context["show"] == ""


def test_while_a_is_on_leave_b_sees_a_s_cases_marked_as_standing_in(client, work):
    case = accepted_case(work.a, name="陈等候")
    Leave.objects.create(
        user=work.a,
        region_key=work.a.region_key,
        start_date=TODAY,
        end_date=TODAY + dt.timedelta(days=2),
        created_by=work.head,
    )

    b_page = as_user(client, work.a2).get(reverse("cases:work"))
    a_page = as_user(client, work.a).get(reverse("cases:work"))

    html = body(b_page)
    assert "陈等候" in html and "代 A 角 张一 办理" in html
    assert b_page.context["counts"]["standin"] == 1
    standin = body(as_user(client, work.a2).get(reverse("cases:work") + "?show=standin"))
    assert case.number in standin
    # A still sees their own case (both see it while A is away).
    assert "陈等候" in body(a_page)


def test_after_the_leave_b_no_longer_sees_a_s_cases(client, work):
    accepted_case(work.a, name="陈等候")
    Leave.objects.create(
        user=work.a,
        region_key=work.a.region_key,
        start_date=TODAY - dt.timedelta(days=7),
        end_date=TODAY - dt.timedelta(days=1),
        created_by=work.head,
    )

    html = body(as_user(client, work.a2).get(reverse("cases:work")))

    assert "陈等候" not in html
    assert "没有需要您办理的办件。" in html


def test_the_work_list_records_one_audit_row_per_list_shown(client, work):
    accepted_case(work.a, name="陈超期")
    before = view_rows(work.a).count()

    as_user(client, work.a).get(reverse("cases:work") + "?show=soon")

    rows = list(view_rows(work.a).filter(object_type="cases.case_list"))
    assert view_rows(work.a).count() == before + 1
    assert rows[-1].extra["list"] == "work" and rows[-1].extra["show"] == "soon"


def test_case_look_up_by_number_tail_or_name_within_reach_only(client, work):
    mine = new_case(work.a, name="王补交")
    other = new_case(work.a2, name="王另一")
    new_case(work.clerk_d, name="王外县")
    client = as_user(client, work.a)

    by_tail = client.get(reverse("cases:work"), {"q": mine.number[-4:]})
    by_name = client.get(reverse("cases:work"), {"q": "王"})

    assert [c.pk for c in by_tail.context["found"]] == [mine.pk]
    found = {c.pk for c in by_name.context["found"]}
    assert found == {mine.pk, other.pk}  # the station's cases, not another county's
    html = body(by_name)
    assert "找到 2 件" in html and "王外县" not in html
    assert "李二" in html  # the owner column tells who to hand the person to


def test_case_look_up_keeps_no_full_number_in_the_audit_log(client, work):
    as_user(client, work.a).get(reverse("cases:work"), {"q": "13912345678"})

    row = view_rows(work.a, object_type="cases.case_list").latest("pk")
    assert row.extra["q"] == "139****5678"
    assert row.extra["found"] == 0


def test_my_work_needs_a_log_in_and_the_case_capability(client, work):
    anonymous = client.get(reverse("cases:work"))
    auditor = as_user(client, work.personas.auditor).get(reverse("cases:work"))

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert auditor.status_code == 403


def test_the_head_sees_the_supervision_summary_on_the_work_list(client, work):
    accepted_case(work.a, name="陈超期", due=dt.date(2026, 11, 26))
    accepted_case(work.a2, name="孙将到", due=dt.date(2026, 12, 2))

    response = as_user(client, work.head).get(reverse("cases:work"))

    assert response.context["watch"] == {"overdue": 1, "due_soon": 1}
    assert "已超期 <strong>1</strong> 件" in body(response)
    assert "没有需要您办理的办件。" in body(response)  # the head handles none of them himself


def test_a_year_not_yet_entered_still_counts_and_marks_its_dates(client, work):
    from junjia.core.models import CalendarYear

    work.frozen.move_to("2027-01-05 09:00:00+08:00")
    CalendarYear.objects.filter(year=2027).delete()
    accepted_case(work.a, name="估算件", due=dt.date(2027, 1, 6))

    response = as_user(client, work.a).get(reverse("cases:work"))

    assert response.status_code == 200
    assert response.context["counts"]["soon"] == 1
    assert '2027-01-06<span class="estimate"' in body(response)


# --- 办件督办 ---------------------------------------------------------------------------------


def test_supervision_lists_overdue_and_due_soon_cases_with_their_owners(client, work):
    overdue = accepted_case(work.a, name="陈超期", due=dt.date(2026, 11, 26))
    soon = accepted_case(work.a2, name="孙将到", due=dt.date(2026, 12, 2))
    accepted_case(work.a, name="刘后期")
    accepted_case(work.clerk_b, name="冯村B", due=dt.date(2026, 11, 20))
    Leave.objects.create(
        user=work.a,
        region_key=work.a.region_key,
        start_date=TODAY,
        end_date=TODAY,
        created_by=work.head,
    )

    response = as_user(client, work.head).get(reverse("cases:supervise"))

    assert response.status_code == 200
    assert [c.pk for c in response.context["overdue"]] == [overdue.pk]
    assert [c.pk for c in response.context["due_soon"]] == [soon.pk]
    html = body(response)
    assert "刘后期" not in html and "冯村B" not in html
    assert "已超期 3 个工作日" in html and "剩余 1 个工作日" in html
    assert '张一 <span class="badge warn">休假中</span>' in html
    row = view_rows(work.head, object_type="cases.case_list").latest("pk")
    assert row.extra["list"] == "supervise"


def test_the_county_head_supervises_every_station_of_the_county(client, work):
    accepted_case(work.a, name="陈超期", due=dt.date(2026, 11, 26))
    accepted_case(work.clerk_b, name="冯村B", due=dt.date(2026, 11, 20))
    accepted_case(work.clerk_d, name="丁外县", due=dt.date(2026, 11, 20))

    html = body(as_user(client, work.personas.head_county).get(reverse("cases:supervise")))

    assert "陈超期" in html and "冯村B" in html
    assert "丁外县" not in html
    assert "村A退役军人服务站" in html and "村B退役军人服务站" in html


def test_supervision_shows_pending_extensions_and_open_proxy_and_doorstep_cases(client, work):
    case = accepted_case(work.a, name="陈延期")
    services.extension_request(actor=work.a, case=case, days=5, reason="等待县级审核")
    proxy = new_case(
        work.a,
        name="卫代办",
        channel=Channel.PROXY,
        proxy={"requester": "卫小明", "relationship": "儿子", "authorisation": "书面委托书"},
    )
    doorstep = new_case(
        work.a, name="韩上门", channel=Channel.DOORSTEP, doorstep={"condition": "卧床不起"}
    )

    response = as_user(client, work.head).get(reverse("cases:supervise"))

    html = body(response)
    assert "等待县级审核" in html and "5 个工作日" in html
    assert {c.pk for c in response.context["proxy"]} == {proxy.pk, doorstep.pk}
    assert "委托人 卫小明" in html
    assert "代办" in html and "上门" in html


def test_a_clerk_may_not_open_the_supervision(client, work):
    response = as_user(client, work.a).get(reverse("cases:supervise"))

    assert response.status_code == 403


def test_the_head_approves_an_extension_from_the_supervision(client, work):
    case = accepted_case(work.a, name="陈延期", due=dt.date(2026, 12, 10))
    due = case.due_on
    extension = services.extension_request(actor=work.a, case=case, days=5, reason="等待县级审核")

    response = as_user(client, work.head).post(
        reverse("cases:extension_decide", args=[extension.pk]),
        {"decision": "approve", "next": "supervise"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("cases:supervise")
    case.refresh_from_db()
    from junjia.core.workdays import add_working_days

    assert case.due_on == add_working_days(due, 5)
    assert f"新的办结期限 {case.due_on:%Y-%m-%d}" in " ".join(messages_of(response))
    assert Extension.objects.get().status == "approved"
    assert "没有待批准的延期申请。" in body(response)


def test_an_extension_into_a_year_not_yet_published_is_estimated_and_marked(client, work):
    case = accepted_case(work.a, name="陈延期", due=dt.date(2026, 12, 29))
    extension = services.extension_request(actor=work.a, case=case, days=5, reason="等待县级审核")

    response = as_user(client, work.head).post(
        reverse("cases:extension_decide", args=[extension.pk]),
        {"decision": "approve", "next": "supervise"},
        follow=True,
    )

    extension.refresh_from_db()
    case.refresh_from_db()
    # 30, 31 Dec; 1 Jan 2027 is 元旦 (statutory); 4, 5, 6 Jan
    assert extension.status == "approved" and case.due_on == dt.date(2027, 1, 6)
    assert "新的办结期限 2027-01-06" in " ".join(messages_of(response))
    html = body(as_user(client, work.a).get(reverse("cases:case_detail", args=[case.pk])))
    assert "2027-01-06</span>" not in html and '2027-01-06<span class="estimate"' in html
    assert "（暂按法定节假日估算）" in html

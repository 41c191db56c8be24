"""The clerk's home page (工作台) is her to-do list, fed by every workflow through the kernel:
returned to me with the reason, waiting for my review, overdue and due soon, what I cover as
B — with a count in the navigation; and she is told when something of hers changes status."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from junjia.cases import services as case_services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import Channel
from junjia.cases.models import Case, ServiceItem
from junjia.cases.tests.test_pages_work import CARD_COMPLETE
from junjia.core import todo
from junjia.core.models import AuditEntry, Notification
from junjia.core.workdays.services import calendar_seed_from_package
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.registry import services as registry_services
from junjia.registry.choices import FileStatus
from junjia.registry.tests.factories import make_recipient
from junjia.staffing import api as staffing

pytestmark = pytest.mark.django_db

NOW = "2026-12-01 09:30:00+08:00"  # a Tuesday
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def world(tree, personas):
    with freeze_time(NOW):
        calendar_seed_from_package()
        load_catalogue()
        yield personas


def sections(user) -> dict[str, list]:
    found = {s["kind"]: s["items"] for s in todo.todo_for(user, TODAY)}
    # the navigation's count, taken by the database, is always the list's urgent items
    assert todo.count_for(user, TODAY) == sum(
        len(items) for kind, items in found.items() if kind in todo.URGENT
    )
    return found


def returned_file(personas, name="李返回"):
    recipient = make_recipient(
        personas.clerk_a.station.region, created_by=personas.clerk_a, name=name, status="draft"
    )
    registry_services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    registry_services.recipient_return(
        actor=personas.reviewer_town, recipient=recipient, reason="缺少退役证复印件"
    )
    return recipient


def open_case(clerk, name="王大明", **kw):
    return case_services.case_open(
        actor=clerk,
        item=ServiceItem.objects.get(code="preferential-card"),
        channel=Channel.WINDOW,
        applicant_name=name,
        applicant_phone="13800001111",
        received=CARD_COMPLETE,
        **kw,
    )


def test_a_returned_file_is_on_the_clerks_list_with_the_reason_and_she_is_told(world):
    recipient = returned_file(world)

    items = sections(world.clerk_a)["returned"]

    assert [(i.label, i.title, i.note) for i in items] == [
        ("档案", f"李返回（{recipient.id_masked}）", "退回原因：缺少退役证复印件")
    ]
    assert items[0].link == reverse("registry:recipient_detail", args=[recipient.pk])
    told = Notification.objects.get(user=world.clerk_a)
    assert told.text == "李返回的档案被退回：缺少退役证复印件"
    # another village's clerk sees nothing of it
    assert "returned" not in sections(world.clerk_b)


def test_a_submitted_file_waits_on_the_reviewers_list_and_approval_is_told(world):
    recipient = make_recipient(
        world.clerk_a.station.region, created_by=world.clerk_a, name="赵待审", status="draft"
    )
    registry_services.recipient_submit(actor=world.clerk_a, recipient=recipient)

    assert [i.title for i in sections(world.reviewer_town)["review"]] == [
        f"赵待审（{recipient.id_masked}）"
    ]
    assert "review" not in sections(world.clerk_a)
    for reviewer in (world.reviewer_town, world.head_county):  # documents missing: say why
        registry_services.recipient_approve(
            actor=reviewer, recipient=recipient, remark="原件已核验"
        )
    assert recipient.__class__.objects.get(pk=recipient.pk).status == FileStatus.APPROVED
    assert Notification.objects.filter(user=world.clerk_a, text="赵待审的档案已审核通过。").exists()


def backup_of_a(world):
    """clerk_a's window with a backup (B), who covers her cases while she is away."""
    b = make_staff(world.clerk_a.station, Role.CLERK, username="clerk_a2", full_name="李二")
    staffing.window_save(
        actor=world.head_a,
        station=world.clerk_a.station,
        name="综合窗口",
        primary=world.clerk_a,
        backup=b,
    )
    return b


def away_today(world):
    staffing.leave_record(
        actor=world.head_a, user=world.clerk_a, start=TODAY, end=TODAY, reason="年休假"
    )


def test_overdue_and_due_soon_cases_head_the_list_and_b_sees_what_she_covers(world):
    with freeze_time(NOW):
        b = backup_of_a(world)
        late = case_services.case_accept(actor=world.clerk_a, case=open_case(world.clerk_a))
        soon = case_services.case_accept(
            actor=world.clerk_a, case=open_case(world.clerk_a, "孙将到")
        )
        waiting = open_case(world.clerk_a, "周未受理")
        Case.objects.filter(pk=late.pk).update(due_on=TODAY - dt.timedelta(days=2))
        Case.objects.filter(pk=soon.pk).update(due_on=TODAY + dt.timedelta(days=1))
        away_today(world)

    mine = sections(world.clerk_a)
    assert [i.title.split()[0] for i in mine["overdue"]] == [late.number]
    assert [i.title.split()[0] for i in mine["soon"]] == [soon.number]
    assert [i.title.split()[0] for i in mine["mine"]] == [waiting.number]
    covered = sections(b)
    assert {
        i.title.split()[0] for i in covered["overdue"] + covered["soon"] + covered["cover"]
    } == {
        late.number,
        soon.number,
        waiting.number,
    }
    assert covered["cover"][0].note.startswith("首办人")


def test_the_home_page_and_the_navigation_count(client, world):
    returned_file(world)
    login_as(client, world.clerk_a)

    html = client.get(reverse("orgs:home")).content.decode()

    assert 'id="todo-returned"' in html and "退回原因：缺少退役证复印件" in html
    shown = AuditEntry.objects.filter(actor_id=world.clerk_a.pk, object_type="core.todo")
    assert [row.extra["sections"] for row in shown] == [{"returned": 1}]
    assert '<span class="nav-count" title="待办 1 项">1</span>' in html
    # the count follows on every page
    page = client.get(reverse("registry:recipient_list")).content.decode()
    assert '<span class="nav-count" title="待办 1 项">1</span>' in page


def test_nothing_to_do_says_so(client, world):
    login_as(client, world.clerk_b)
    html = client.get(reverse("orgs:home")).content.decode()
    assert "目前没有待办事项。" in html and "nav-count" not in html


def test_the_count_is_what_the_list_shows_of_a_long_queue(world):
    # The home page shows a queue's first 50 rows; the count counts those, as before.
    with freeze_time(NOW):
        b = backup_of_a(world)
        away_today(world)
        first = case_services.case_accept(actor=world.clerk_a, case=open_case(world.clerk_a))
        Case.objects.filter(pk=first.pk).update(due_on=TODAY + dt.timedelta(days=30))
        fields = {f.attname: getattr(first, f.attname) for f in Case._meta.concrete_fields}
        fields.update(id=None, due_on=TODAY + dt.timedelta(days=30))
        Case.objects.bulk_create(
            Case(**{**fields, "number": f"{first.number[:24]}-{n:03d}"})
            for n in range(todo.PER_QUEUE)
        )
        for n in range(todo.PER_QUEUE + 2):
            make_recipient(
                world.clerk_a.station.region,
                created_by=world.clerk_a,
                name=f"王{n}",
                status=FileStatus.RETURNED,
            )

    covered = sections(b)  # all 51 of a's open cases are b's to cover: 50 shown
    assert len(covered["cover"]) == todo.PER_QUEUE
    assert todo.count_for(b, TODAY) == todo.PER_QUEUE
    mine = sections(world.clerk_a)  # her own: not urgent; the returned files: 50 shown
    assert len(mine["returned"]) == todo.PER_QUEUE and "cover" not in mine
    assert todo.count_for(world.clerk_a, TODAY) == todo.PER_QUEUE


def test_the_count_takes_a_fixed_number_of_queries_and_is_read_once_a_page(client, world):
    returned_file(world)
    with freeze_time(NOW):
        for n in range(3):
            case_services.case_accept(actor=world.clerk_a, case=open_case(world.clerk_a, f"王{n}"))
    with CaptureQueriesContext(connection) as few:
        todo.count_for(world.clerk_a, TODAY)
    with freeze_time(NOW):
        for n in range(3, 9):
            case_services.case_accept(actor=world.clerk_a, case=open_case(world.clerk_a, f"王{n}"))
        returned_file(world, "李又退")
    with CaptureQueriesContext(connection) as more:
        count = todo.count_for(world.clerk_a, TODAY)
    assert len(more) == len(few)  # nine cases or three: one COUNT for the queue
    assert count >= 2  # the two returned files, and any case due soon (sections() compares)
    sections(world.clerk_a)

    login_as(client, world.clerk_a)
    for page in (reverse("cases:work"), reverse("registry:recipient_list"), reverse("orgs:home")):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(page).content.decode()
        assert f'<span class="nav-count" title="待办 {count} 项">{count}</span>' in html
        cache_reads = [q for q in queries if q["sql"].startswith('SELECT "cache_key", "value"')]
        assert len(cache_reads) <= 1, page

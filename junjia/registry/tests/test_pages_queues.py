"""Work lists: 待我审核, 定期核实 and 档案转移 — who sees what, audit rows, decisions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from junjia.core.models import AuditEntry
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.orgs.tests.helpers import login_as
from junjia.registry.choices import ChangeStatus, FileStatus, TransferStatus
from junjia.registry.models import ChangeRequest, Recipient, ReviewStep, TransferRequest
from junjia.registry.snapshots import take
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db


def list_audit(name):
    return AuditEntry.objects.filter(object_type="registry.recipient_list", extra__list=name)


@pytest.fixture
def waiting(tree, personas):
    """A file of village A waiting for the township, one of village C waiting for the
    county, and a change of village B waiting for the township."""
    a = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="待审甲",
        status=FileStatus.SUBMITTED,
        review_level=4,
        id_number=make_id_number(seq=31),
    )
    ReviewStep.objects.create(
        recipient=a,
        action="提交审核",
        from_status="draft",
        to_status="submitted",
        actor=personas.clerk_a,
        station_name="村A退役军人服务站",
    )
    c = make_recipient(
        tree.regions.village_c,
        created_by=personas.head_county,
        name="待审丙",
        status=FileStatus.SUBMITTED,
        review_level=3,
        id_number=make_id_number(seq=32),
    )
    b = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="变更乙",
        id_number=make_id_number(seq=33),
    )
    base = take(b)
    ChangeRequest.objects.create(
        recipient=b,
        region_key=b.region_key,
        status=ChangeStatus.SUBMITTED,
        review_level=4,
        base=base,
        proposed={**base, "plan": "新计划"},
        reason="补录计划",
        created_by=personas.clerk_b,
    )
    return a, b, c


def test_review_queue_shows_what_waits_for_my_level(client, personas, waiting):
    login_as(client, personas.reviewer_town)
    body = client.get(reverse("registry:review_queue")).content.decode()
    assert "待审甲" in body and "变更乙" in body and "补录计划" in body
    assert "待审丙" not in body  # waits for the county
    assert "村A退役军人服务站" in body  # who sent it up
    assert list_audit("review_queue").count() == 1


def test_county_head_sees_the_county_level_queue(client, personas, waiting):
    login_as(client, personas.head_county)
    body = client.get(reverse("registry:review_queue")).content.decode()
    assert "待审丙" in body and "待审甲" not in body


def test_clerk_has_no_review_queue(client, personas, waiting):
    login_as(client, personas.clerk_a)
    assert client.get(reverse("registry:review_queue")).status_code == 403
    assert not list_audit("review_queue").exists()


# --- 定期核实 --------------------------------------------------------------------------------


@pytest.fixture
def stale(tree, personas):
    old = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="久未核实",
        id_number=make_id_number(seq=34),
    )
    Recipient.objects.filter(pk=old.pk).update(
        last_verified_at=timezone.now() - dt.timedelta(days=400)
    )
    fresh = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="刚核实",
        id_number=make_id_number(seq=35),
    )
    other = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="乙村久未",
        id_number=make_id_number(seq=36),
    )
    Recipient.objects.filter(pk=other.pk).update(last_verified_at=None)
    return old, fresh, other


def test_reverification_lists_files_not_checked_for_a_year(client, personas, stale):
    login_as(client, personas.clerk_a)
    body = client.get(reverse("registry:reverification")).content.decode()
    assert "久未核实" in body and "刚核实" not in body and "乙村久未" not in body
    assert "共 1 人" in body
    assert list_audit("reverification").count() == 1


def test_verify_from_the_list_with_htmx(client, personas, stale):
    old = stale[0]
    login_as(client, personas.clerk_a)
    response = client.post(
        reverse("registry:recipient_verify", args=[old.pk]),
        {"next": reverse("registry:reverification")},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.strip().startswith("<tr") and "已核实" in body
    old.refresh_from_db()
    assert (timezone.now() - old.last_verified_at).total_seconds() < 60
    assert "久未核实" not in client.get(reverse("registry:reverification")).content.decode()


def test_verify_without_js_returns_to_the_list(client, personas, stale):
    login_as(client, personas.clerk_a)
    response = client.post(
        reverse("registry:recipient_verify", args=[stale[0].pk]),
        {"next": reverse("registry:reverification")},
    )
    assert response["Location"] == reverse("registry:reverification")
    evil = client.post(
        reverse("registry:recipient_verify", args=[stale[0].pk]), {"next": "https://evil.example/"}
    )
    assert evil["Location"].startswith(reverse("registry:recipient_detail", args=[stale[0].pk]))


def test_reviewer_has_no_reverification_page(client, personas, stale):
    login_as(client, personas.reviewer_town)
    assert client.get(reverse("registry:reverification")).status_code == 403


# --- 档案转移 --------------------------------------------------------------------------------


@pytest.fixture
def moving(tree, personas):
    """王五, approved in village B, asks to move to village A (asked by A's clerk)."""
    wang = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="王五",
        id_number=make_id_number(seq=37),
    )
    transfer = TransferRequest.objects.create(
        recipient=wang,
        from_region=tree.regions.village_b,
        to_region=tree.regions.village_a,
        from_key=tree.regions.village_b.key,
        to_key=tree.regions.village_a.key,
        reason="户籍迁入村A",
        requested_by=personas.clerk_a,
    )
    return wang, transfer


@pytest.fixture
def head_b(tree):
    return make_staff(tree.stations.village_b, Role.STATION_HEAD, username="head_b")


def test_requester_sees_the_request_and_may_cancel_it(client, personas, moving):
    _wang, transfer = moving
    login_as(client, personas.clerk_a)
    body = client.get(reverse("registry:transfer_list")).content.decode()
    assert "户籍迁入村A" in body and "撤销申请" in body and "待我审批" not in body
    assert list_audit("transfers").count() == 1
    client.post(reverse("registry:transfer_cancel", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED


def test_someone_else_cannot_cancel(client, personas, moving, head_b):
    login_as(client, head_b)
    assert client.post(reverse("registry:transfer_cancel", args=[moving[1].pk])).status_code == 404
    moving[1].refresh_from_db()
    assert moving[1].status == TransferStatus.PENDING


def test_sending_side_approves_and_the_file_moves(client, personas, tree, moving, head_b):
    wang, transfer = moving
    login_as(client, head_b)
    body = client.get(reverse("registry:transfer_list")).content.decode()
    assert "待我审批" in body and "王五" in body and "同意转移" in body
    client.post(reverse("registry:transfer_decide", args=[transfer.pk]), {"decision": "approve"})
    transfer.refresh_from_db()
    wang.refresh_from_db()
    assert transfer.status == TransferStatus.APPROVED
    assert wang.household_region == tree.regions.village_a
    # the receiving clerk now holds the file
    client.logout()
    login_as(client, personas.clerk_a)
    assert client.get(reverse("registry:recipient_detail", args=[wang.pk])).status_code == 200


def test_rejecting_needs_a_remark(client, personas, moving, head_b):
    transfer = moving[1]
    login_as(client, head_b)
    url = reverse("registry:transfer_decide", args=[transfer.pk])
    client.post(url, {"decision": "reject", "remark": ""})
    page = client.get(reverse("registry:transfer_list")).content.decode()
    assert "拒绝时请填写理由。" in page
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    client.post(url, {"decision": "reject", "remark": "未见户籍迁移证明"})
    transfer.refresh_from_db()
    assert (transfer.status, transfer.remark) == (TransferStatus.REJECTED, "未见户籍迁移证明")


def test_receiving_side_cannot_decide_its_own_request(client, personas, moving):
    login_as(client, personas.head_a)
    url = reverse("registry:transfer_decide", args=[moving[1].pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    moving[0].refresh_from_db()
    assert moving[0].region_key != personas.head_a.station.region_key


def test_common_ancestor_may_decide(client, personas, moving):
    login_as(client, personas.reviewer_town)
    body = client.get(reverse("registry:transfer_list")).content.decode()
    assert "待我审批" in body and "王五" in body
    assert "申请档案转移</a>" not in body  # reviewers decide; clerks ask
    client.post(reverse("registry:transfer_decide", args=[moving[1].pk]), {"decision": "approve"})
    moving[1].refresh_from_db()
    assert moving[1].status == TransferStatus.APPROVED


def test_leader_has_no_transfer_page(client, personas, moving):
    login_as(client, personas.leader_county)
    assert client.get(reverse("registry:transfer_list")).status_code == 403


def test_navigation_by_role(client, personas):
    def nav(user):
        client.logout()
        login_as(client, user)
        body = client.get(reverse("registry:recipient_list")).content.decode()
        nav_html = body.split('id="sidenav"')[1].split("</nav>")[0]
        labels = ("档案查询", "新建档案", "待我审核", "定期核实", "档案转移", "台账")
        return [label for label in labels if f">{label}</a>" in nav_html]

    assert nav(personas.clerk_a) == ["档案查询", "新建档案", "定期核实", "档案转移", "台账"]
    assert nav(personas.reviewer_town) == ["档案查询", "待我审核", "台账"]
    assert nav(personas.head_a) == [
        "档案查询",
        "新建档案",
        "待我审核",
        "定期核实",
        "档案转移",
        "台账",
    ]
    assert nav(personas.leader_county) == ["档案查询", "台账"]

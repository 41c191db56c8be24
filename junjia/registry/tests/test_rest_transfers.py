"""Registry API, household moves (户籍迁移): the receiving side asks by identity number and
learns only the holding station; the sending side decides; the file moves in one go."""

import datetime as dt

import pytest

from junjia.core.models import AuditEntry
from junjia.registry import errors
from junjia.registry.choices import FileStatus, TransferStatus
from junjia.registry.models import RECIPIENT_ID, Recipient, TransferRequest
from junjia.registry.tests.factories import make_id_number, make_recipient
from junjia.registry.tests.test_rest import api_for, assert_masked, file_url

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/v1/transfers/"


@pytest.fixture
def moving(personas, tree):
    """An approved file of village D (another county), whose household moves to village A."""
    return make_recipient(
        tree.regions.village_d,
        created_by=personas.head_county2,
        name="王五",
        id_number=make_id_number(dt.date(1968, 4, 5), seq=91),
        phone="13755556666",
    )


def ask(client, recipient, **data):
    body = {
        "id_number": RECIPIENT_ID.open(recipient),
        "to_region": "370202001001",
        "reason": "户籍迁入村A",
        **data,
    }
    return client.post(TRANSFERS, body, format="json")


def test_request_reveals_only_the_holding_station(personas, moving):
    response = ask(api_for(personas.clerk_a), moving)
    assert response.status_code == 201
    data = response.json()
    transfer = TransferRequest.objects.get()
    assert data == {
        "id": transfer.pk,
        "status": "pending",
        "status_label": "待审批",
        "id_masked": moving.id_masked,
        "from_station": "村D退役军人服务站",
        "to_region": {"code": "370202001001", "name": "山东省青岛市市南区甲街道村A"},
        "reason": "户籍迁入村A",
        "created_at": data["created_at"],
        "decided_at": None,
        "remark": "",
    }
    body = response.content.decode()
    assert "王五" not in body and "370203001001" not in body
    assert_masked(body, RECIPIENT_ID.open(moving), "13755556666")
    listed = api_for(personas.clerk_a).get(TRANSFERS).json()
    assert [t["id"] for t in listed["incoming"]] == [transfer.pk]
    assert listed["to_decide"] == []
    assert "王五" not in str(listed)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"id_number": "1"},
            {"id_number": ["身份证号码应为 18 位（或旧版 15 位），您输入了 1 位。"]},
        ),
        ({"id_number": make_id_number(seq=99)}, {"id_number": ["未找到该身份证号码的档案。"]}),
        (
            {"to_region": "370202001002"},
            {"to_region": ["区划代码 370202001002 不存在，或不在您的辖区内。"]},
        ),
        ({"reason": ""}, {"reason": ["请填写迁移原因。"]}),
    ],
)
def test_request_refusals_write_nothing(personas, moving, data, expected):
    response = ask(api_for(personas.clerk_a), moving, **data)
    assert response.status_code == 400
    assert response.json() == expected
    assert not TransferRequest.objects.exists()


def test_request_rules_come_from_the_service(personas, tree, moving):
    own = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, id_number=make_id_number(seq=92)
    )
    response = ask(api_for(personas.clerk_a), own)
    assert response.json() == {"detail": errors.TRANSFER_SAME}
    Recipient.objects.filter(pk=moving.pk).update(status=FileStatus.SUBMITTED)
    response = ask(api_for(personas.clerk_a), moving)
    assert response.json() == {"detail": errors.TRANSFER_NOT_APPROVED}
    response = ask(api_for(personas.reviewer_town), moving)
    assert response.status_code == 403
    assert not TransferRequest.objects.exists()


def test_sending_side_decides_and_the_file_moves(personas, tree, moving):
    transfer_id = ask(api_for(personas.clerk_a), moving).json()["id"]
    decide = f"{TRANSFERS}{transfer_id}/decide/"
    # The receiving side cannot decide its own request, nor see the file before the move.
    assert (
        api_for(personas.head_a).post(decide, {"approve": True}, format="json").status_code == 404
    )
    assert api_for(personas.clerk_a).get(file_url(moving)).status_code == 404
    sending = api_for(personas.head_county2)
    listed = sending.get(TRANSFERS).json()
    assert [(t["id"], t["recipient"]["name"]) for t in listed["to_decide"]] == [
        (transfer_id, "王五")
    ]
    assert listed["to_decide"][0]["requested_by_station"] == "村A退役军人服务站"
    response = sending.post(decide, {"approve": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"remark": ["拒绝时请填写理由。"]}
    response = sending.post(decide, {"approve": True, "remark": "同意"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["remark"]) == ("approved", "同意")
    moving.refresh_from_db()
    assert (moving.household_region_id, moving.region_key) == (
        tree.regions.village_a.pk,
        tree.regions.village_a.key,
    )
    assert api_for(personas.clerk_a).get(file_url(moving)).status_code == 200
    response = sending.post(decide, {"approve": True}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "该转移申请已处理。",
        "status": "approved",
        "status_label": "已转移",
        "allowed": [],
    }
    assert (
        AuditEntry.objects.filter(object_type="registry.transferrequest", action="update").count()
        == 1
    )


def test_rejection_keeps_the_file_where_it_is(personas, tree, moving):
    transfer_id = ask(api_for(personas.clerk_a), moving).json()["id"]
    response = api_for(personas.head_county2).post(
        f"{TRANSFERS}{transfer_id}/decide/", {"approve": False, "remark": "户籍未迁"}, format="json"
    )
    assert response.json()["status"] == TransferStatus.REJECTED
    moving.refresh_from_db()
    assert moving.region_key == tree.regions.village_d.key
    incoming = api_for(personas.clerk_a).get(TRANSFERS).json()["incoming"]
    assert [(t["status"], t["remark"]) for t in incoming] == [("rejected", "户籍未迁")]


def test_transfer_list_needs_a_registry_capability(personas):
    assert api_for(personas.leader_county).get(TRANSFERS).status_code == 403

"""Export of lists and ledgers: masked or full numbers, permission, audit, scoping,
formula neutralisation, and the file reachable only by the person who exported it."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from junjia.core.models import AuditEntry, Job, JobStatus
from junjia.orgs.tests.helpers import login_as
from junjia.registry import exports
from junjia.registry.models import Ledger
from junjia.registry.selectors import SearchParams
from junjia.registry.tests.factories import make_id_number, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(tree, personas):
    a1 = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="甲一",
        id_number=make_id_number(seq=501),
        phone="13800138001",
    )
    a2 = make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="甲二",
        id_number=make_id_number(seq=502),
    )
    b1 = make_recipient(
        tree.regions.village_b,
        created_by=personas.clerk_b,
        name="乙某某",
        id_number=make_id_number(seq=503),
    )
    return a1, a2, b1


def _export(actor, capture, **kwargs):
    with capture(execute=True):
        job = exports.start_export(actor=actor, **kwargs)
    job.refresh_from_db()
    return job


def _rows(job):
    ws = load_workbook(io.BytesIO(job.result_file.read()))["服务对象名单"]
    return list(ws.values)


def test_masked_export_with_one_audit_row(files, personas, django_capture_on_commit_callbacks):
    a1, _, _ = files
    params = SearchParams.from_query({"q": "甲"})
    job = _export(personas.clerk_a, django_capture_on_commit_callbacks, params=params)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result == {"导出人数": 2, "号码": "已脱敏"}
    rows = _rows(job)
    assert rows[0][:7] == (
        "身份证号码",
        "姓名",
        "性别",
        "出生日期",
        "户籍所在地",
        "户籍所在地区划代码",
        "手机号码",
    )
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"甲一", "甲二"}
    assert by_name["甲一"][0] == a1.id_masked
    assert by_name["甲一"][6] == "138****8001"
    assert by_name["甲一"][7] == "退役士兵"
    (entry,) = AuditEntry.objects.filter(action="export")
    assert entry.actor_id == personas.clerk_a.pk
    assert entry.extra["filter"] == {"q": "甲", "sort": "name"}
    assert entry.extra["rows"] == 2
    assert entry.extra["full_numbers"] is False
    assert entry.extra["job"] == str(job.pk)


def test_full_numbers_need_the_permission_and_ask(
    files, personas, django_capture_on_commit_callbacks
):
    a1, _, _ = files
    params = SearchParams.from_query({})
    with pytest.raises(PermissionDenied):
        exports.start_export(actor=personas.clerk_a, params=params, full=True)
    assert Job.objects.filter(kind="registry.export").count() == 0
    assert not AuditEntry.objects.filter(action="export").exists()
    job = _export(personas.head_a, django_capture_on_commit_callbacks, params=params, full=True)
    by_name = {r[1]: r for r in _rows(job)[1:]}
    assert by_name["甲一"][0] == make_id_number(seq=501)
    assert by_name["甲一"][6] == "13800138001"
    assert AuditEntry.objects.get(action="export").extra["full_numbers"] is True
    # Holding the permission is not asking: the default stays masked.
    job = _export(personas.head_a, django_capture_on_commit_callbacks, params=params)
    assert {r[1]: r for r in _rows(job)[1:]}["甲一"][0] == a1.id_masked


def test_export_never_leaves_the_jurisdiction(files, personas, django_capture_on_commit_callbacks):
    job = _export(
        personas.clerk_a,
        django_capture_on_commit_callbacks,
        params=SearchParams.from_query({"region": "370202001002"}),  # village B's code
    )
    assert _rows(job)[1:] == []
    job = _export(personas.clerk_a, django_capture_on_commit_callbacks, params=SearchParams())
    assert sorted(r[1] for r in _rows(job)[1:]) == ["甲一", "甲二"]
    job = _export(personas.head_county2, django_capture_on_commit_callbacks, params=SearchParams())
    assert _rows(job)[1:] == []
    job = _export(personas.reviewer_town, django_capture_on_commit_callbacks, params=SearchParams())
    assert sorted(r[1] for r in _rows(job)[1:]) == ["乙某某", "甲一", "甲二"]


def test_cells_that_would_run_as_formulas_are_neutralised():
    from junjia.core import xlsx

    for prefix in ("=", "+", "-", "@"):
        assert xlsx.neutralise(prefix + "1+1") == "'" + prefix + "1+1"
    data = xlsx.write_workbook([("表", ["甲"], [["=1+1"], ["@SUM(A1)"], ["-2"], ["正常"]])])
    column = [c.value for c in load_workbook(io.BytesIO(data))["表"]["A"]]
    assert column == ["甲", "'=1+1", "'@SUM(A1)", "'-2", "正常"]


def test_a_name_that_looks_like_a_formula_is_exported_inert(
    tree, personas, django_capture_on_commit_callbacks
):
    make_recipient(
        tree.regions.village_a,
        created_by=personas.clerk_a,
        name="=cmd|' /C calc'!A0",
        id_number=make_id_number(seq=504),
    )
    job = _export(personas.clerk_a, django_capture_on_commit_callbacks, params=SearchParams())
    names = [r[1] for r in _rows(job)[1:]]
    assert names == ["'=cmd|' /C calc'!A0"]


def test_ledger_export_records_the_ledger(
    files, personas, client, django_capture_on_commit_callbacks
):
    ledger = Ledger.objects.create(
        owner=personas.clerk_a,
        region_key=personas.clerk_a.station.region.key,
        name="甲村名单",
        params={"q": "甲二"},
    )
    login_as(client, personas.clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('registry:export')}?ledger={ledger.pk}", {})
    job = Job.objects.get(kind="registry.export")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:job_detail", kwargs={"pk": job.pk})
    assert [r[1] for r in _rows(job)[1:]] == ["甲二"]
    entry = AuditEntry.objects.get(action="export")
    assert (entry.extra["ledger"], entry.extra["ledger_name"]) == (ledger.pk, "甲村名单")
    assert entry.object_repr == "导出台账“甲村名单”（1 人）"


def test_someone_elses_ledger_is_not_found(files, personas, client):
    ledger = Ledger.objects.create(
        owner=personas.clerk_b,
        region_key=personas.clerk_b.station.region.key,
        name="乙村名单",
        params={},
    )
    login_as(client, personas.clerk_a)
    assert client.get(reverse("registry:export"), {"ledger": ledger.pk}).status_code == 404
    assert client.post(f"{reverse('registry:export')}?ledger={ledger.pk}").status_code == 404
    assert not Job.objects.filter(kind="registry.export").exists()


def test_export_page_offers_full_numbers_only_with_the_permission(files, personas, client):
    url = reverse("registry:export")
    login_as(client, personas.clerk_a)
    body = client.get(url, {"q": "甲"}).content.decode()
    assert "约 <strong>2</strong> 人" in body
    assert 'name="full"' not in body
    response = client.post(f"{url}?q=甲", {"full": "on"})
    assert response.status_code == 200
    assert "您没有导出完整证件号码和电话的权限。" in response.content.decode()
    assert not Job.objects.filter(kind="registry.export").exists()
    client.logout()
    login_as(client, personas.head_a)
    assert 'name="full"' in client.get(url).content.decode()


def test_export_needs_the_export_capability(files, personas, client):
    login_as(client, personas.sysadmin)  # system admins run the system, not the registry
    assert client.get(reverse("registry:export")).status_code == 403
    assert client.post(reverse("registry:export")).status_code == 403


def test_only_the_starter_may_download_the_file(
    files, personas, client, django_capture_on_commit_callbacks
):
    job = _export(personas.head_a, django_capture_on_commit_callbacks, params=SearchParams())
    login_as(client, personas.clerk_a)  # same village, same capability, not the starter
    assert client.get(reverse("orgs:job_file", kwargs={"pk": job.pk})).status_code == 404
    client.logout()
    login_as(client, personas.head_a)
    response = client.get(reverse("orgs:job_file", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_downloading_an_export_again_is_a_security_event(
    files, personas, client, django_capture_on_commit_callbacks
):
    from junjia.core.models import AuditAction

    job = _export(personas.head_a, django_capture_on_commit_callbacks, params=SearchParams())
    login_as(client, personas.head_a)
    url = reverse("orgs:job_file", kwargs={"pk": job.pk})
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    downloads = AuditEntry.objects.filter(object_type="core.job.download", object_id=str(job.pk))
    assert [(e.action, e.extra["download"]) for e in downloads.order_by("id")] == [
        (AuditAction.EXPORT, 1),
        (AuditAction.SECURITY, 2),
    ]
    assert downloads.order_by("id").last().extra["attempt"] == "export.redownload"
    # another user of the same station is refused the file, and that is on record too
    client.logout()
    login_as(client, personas.clerk_a)
    assert client.get(url).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.REFUSED, object_id=str(job.pk)).exists()

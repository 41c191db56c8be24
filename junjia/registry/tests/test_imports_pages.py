"""The import pages: upload and preview, the refused files, confirm into a job, reports."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook

from junjia.core.models import Job, JobStatus
from junjia.orgs.tests.helpers import login_as
from junjia.registry import imports
from junjia.registry.models import RECIPIENT_ID, Recipient
from junjia.registry.tests.test_imports import BASIC, id_of, person, workbook

pytestmark = pytest.mark.django_db

URL = "/registry/excel/import/"


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.JUNJIA_IMPORT_WORKERS = 0


@pytest.fixture
def clerk(client, personas):
    login_as(client, personas.clerk_a)
    return personas.clerk_a


def _upload(client, data: bytes, name="名单.xlsx"):
    return client.post(URL, {"file": io.BytesIO(data) | _named(name)})


class _named:
    """Give a BytesIO a name for the test client's multipart encoder."""

    def __init__(self, name):
        self.name = name

    def __ror__(self, handle):
        handle.name = self.name
        return handle


def test_urls_are_where_the_pages_link_them():
    assert reverse("registry:import") == URL
    assert reverse("registry:import_template") == URL + "template/"


def test_template_download(client, clerk):
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == imports_xlsx_type()
    assert response.content[:2] == b"PK"


def imports_xlsx_type():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_reviewers_who_do_not_edit_cannot_import(client, personas):
    login_as(client, personas.reviewer_town)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("registry:import_template")).status_code == 403


def test_preview_lists_errors_and_offers_the_report_then_imports_valid_rows(
    client, clerk, tree, django_capture_on_commit_callbacks
):
    data = workbook({BASIC: [person(id_of(601), "好人"), person("123", "坏号")]})
    response = _upload(client, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="creates">1<' in body
    assert 'data-count="errors">1<' in body
    assert "身份证号码应为 18 位（或旧版 15 位），您输入了 3 位。" in body
    token = response.context["token"]
    report = client.get(reverse("registry:import_report"), {"token": token})
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert Recipient.objects.count() == 0  # the preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:import_confirm"), {"token": token, "mode": "valid_only"}
        )
    job = Job.objects.get(kind="registry.import")
    assert response["Location"] == reverse("orgs:job_detail", kwargs={"pk": job.pk})
    assert job.status == JobStatus.SUCCEEDED
    assert Recipient.objects.filter(id_index=RECIPIENT_ID.lookup(id_of(601))).exists()
    # The token was for one import: the stored upload is gone.
    again = client.post(reverse("registry:import_confirm"), {"token": token, "mode": "valid_only"})
    assert again.status_code == 404


def test_someone_elses_token_is_refused(client, clerk, personas):
    response = _upload(client, workbook({BASIC: [person(id_of(602))]}))
    token = response.context["token"]
    client.logout()
    login_as(client, personas.head_a)
    assert client.get(reverse("registry:import_report"), {"token": token}).status_code == 404
    response = client.post(reverse("registry:import_confirm"), {"token": token, "mode": "x"})
    assert response.status_code == 302  # an invalid mode goes back to the upload page
    response = client.post(
        reverse("registry:import_confirm"), {"token": token, "mode": "all_or_nothing"}
    )
    assert response.status_code == 404
    assert not Job.objects.exists()


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _formula_file() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = BASIC
    ws.append(["身份证号码", "户籍所在地区划代码", "姓名"])
    ws.append([id_of(603), "370202001001", '=A2&"x"'])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"name,id\n1,2\n", "文件不是 Excel .xlsx 格式"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "文件已加密"),
        (lambda: b"PK\x03\x04 broken", "文件已损坏"),
        (
            lambda: _zip(
                {"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * 30_000_000}
            ),
            "压缩炸弹",
        ),
        (_formula_file, "工作表“基本信息”的 C2 单元格含有公式"),
        (
            lambda: workbook({"Sheet1": [{"a": 1}]}, headers={"Sheet1": ["a"]}),
            "文件中没有可导入的工作表",
        ),
        (
            lambda: workbook({BASIC: [{"姓名": "x"}]}, headers={BASIC: ["姓名"]}),
            "工作表“基本信息”的第一行缺少“身份证号码”列",
        ),
    ],
    ids=["not-xlsx", "encrypted", "corrupt", "zip-bomb", "formula", "no-sheets", "no-id"],
)
def test_malformed_files_are_refused_and_nothing_is_kept(client, clerk, make, message):
    response = _upload(client, make())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "token" not in response.context
    assert Recipient.objects.count() == 0
    assert not Job.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, clerk, monkeypatch):
    import os

    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1024 * 1024)
    response = _upload(client, b"PK\x03\x04" + os.urandom(1024 * 1024))
    assert response.status_code == 400
    assert "文件超过 1 MB 的上限，未导入任何数据。" in response.content.decode()
    assert Recipient.objects.count() == 0


def test_formula_found_by_the_job_fails_it_with_nothing_written(
    clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start_import(
            actor=clerk, source=_formula_file(), filename="f.xlsx", valid_only=True
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("工作表“基本信息”的 C2 单元格含有公式")
    assert Recipient.objects.count() == 0


def test_large_files_are_checked_by_the_job(
    client, clerk, monkeypatch, django_capture_on_commit_callbacks
):
    from junjia.registry.views import excel

    monkeypatch.setattr(excel, "PREVIEW_MAX_BYTES", 10)
    response = _upload(client, workbook({BASIC: [person(id_of(605)), person("1", "坏")]}))
    body = response.content.decode()
    assert "逐行校验将在后台导入任务中进行" in body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry:import_confirm"),
            {"token": response.context["token"], "mode": "all_or_nothing"},
        )
    job = Job.objects.get(kind="registry.import")
    assert job.status == JobStatus.FAILED
    assert "有 1 行错误，按您的选择未导入任何数据" in job.message
    assert job.result_file  # the error report
    assert Recipient.objects.count() == 0

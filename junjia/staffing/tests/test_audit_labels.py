"""Audit rows written while the models were cases' keep "cases.windowpost" (the log is
append-only): the audit log names them as it names staffing's, and its type filter finds both."""

from django.urls import reverse

from junjia.core import audit, labels
from junjia.core.models import AuditAction
from junjia.orgs.tests.helpers import login_as


def test_a_former_label_reads_as_the_model_it_became():
    assert labels.model_label("cases.windowpost") == "窗口岗位"
    assert labels.field_label("cases.leave", "start_date") == "开始日期"
    assert labels.labels_of("staffing.lunchduty") == ["staffing.lunchduty", "cases.lunchduty"]
    assert labels.labels_of("cases.leave") == ["staffing.leave", "cases.leave"]
    assert labels.labels_of("cases.case") == ["cases.case"]


def test_the_audit_log_filter_finds_rows_of_before_and_after_the_move(client, personas):
    for object_type, repr_ in (("cases.windowpost", "旧窗口"), ("staffing.windowpost", "新窗口")):
        audit.record(
            actor=personas.head_a,
            action=AuditAction.CREATE,
            object_type=object_type,
            object_id="1",
            object_repr=repr_,
            region_key=personas.head_a.region_key,
            changes={"name": [None, repr_]},
        )
    login_as(client, personas.auditor)
    html = client.get(
        reverse("orgs:audit_log"), {"object_type": "staffing.windowpost"}
    ).content.decode()
    assert "旧窗口" in html and "新窗口" in html
    assert html.count("窗口岗位 #1") == 2
    assert "<strong>窗口/岗位</strong>" in html

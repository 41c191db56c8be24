"""The fixtures of the rota pages' tests (test_pages_rota_*): village A's windows from
staffing's tests with the catalogue loaded; and the menu each role sees. (Windows, leave and
lunch duty pages: junjia/staffing/tests/test_pages.py.)"""

import pytest
from django.urls import reverse

from junjia.cases import services
from junjia.cases.catalogue import load_catalogue
from junjia.cases.choices import Channel
from junjia.cases.models import ServiceItem
from junjia.staffing.tests.helpers import as_user, body, frozen, make_rota

__all__ = ["as_user", "body", "frozen"]  # used by the test_pages_rota_* modules

CARD_MATERIALS = {
    "居民身份证": {"state": "ok"},
    "近期免冠照片": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "烈士证明书": {"state": "not_needed"},
    "亲属关系证明": {"state": "not_needed"},
}
EMPLOYMENT_MATERIALS = {
    "居民身份证": {"state": "ok"},
    "退役证（转业证、离退休证）": {"state": "ok"},
    "学历证明": {"state": "ok"},
}


@pytest.fixture
def rota(db, tree, personas, frozen):
    load_catalogue()
    return make_rota(tree, personas, frozen)


def completed_case(clerk, code="preferential-card", name="王大明", phone="13912345678"):
    materials = EMPLOYMENT_MATERIALS if code == "employment-register" else CARD_MATERIALS
    case = services.case_open(
        actor=clerk,
        item=ServiceItem.objects.get(code=code),
        channel=Channel.WINDOW,
        applicant_name=name,
        applicant_phone=phone,
        received=materials,
    )
    case = services.case_accept(actor=clerk, case=case)
    return services.case_complete(actor=clerk, case=case, result="已办结")


def test_the_menu_shows_each_role_its_pages(client, rota):
    html = body(as_user(client, rota.a).get(reverse("cases:rota")))
    for label in ("窗口与AB角", "请假", "午间值班", "预约管理", "回访台账", "差评整改"):
        assert f">{label}</a>" in html
    assert ">满意度分析</a>" not in html
    html = body(as_user(client, rota.personas.leader_county).get(reverse("cases:rota")))
    assert ">满意度分析</a>" in html and ">请假</a>" not in html and ">预约管理</a>" not in html

"""Service guides (公开承诺制, 000 §7): a public list by area, a guide per item, a print layout."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from junjia.cases import services as case_services
from junjia.cases.models import ServiceItem

pytestmark = pytest.mark.django_db


def test_the_guide_list_shows_every_item_under_its_area(client, catalogue, station):
    # Given the published catalogue
    items = ServiceItem.objects.filter(is_active=True)

    # When anyone opens the guide list, without logging in
    response = client.get("/public/guides/")

    # Then every item is listed once, under its area, with its time limit
    body = response.content.decode()
    assert response.status_code == 200
    for item in items:
        assert body.count(f'href="/public/guides/{item.code}/"') == 1
    优待 = body.split("<h2>优待抚恤</h2>", 1)[1].split("<h2>", 1)[0]
    assert "优待证申领" in 优待 and "20 个工作日办结 · 不收费" in 优待
    # and the page is the portal's own: no staff navigation, only the link to the staff
    # log-in; the centre's contact shown
    assert "sidenav" not in body and 'href="/cases/' not in body
    assert re.findall(r'href="(/accounts/[^"]*)"', body) == ["/accounts/login/"]
    assert "山东省退役军人服务站" in body


def test_a_guide_shows_the_current_version_in_full(client, catalogue):
    response = client.get("/public/guides/preferential-card/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>优待证申领</h1>" in body
    assert "第 1 版" in body
    assert "《退役军人、其他优抚对象优待证管理办法（试行）》第五条、第八条" in body  # legal basis
    assert "已完成信息采集的" in body  # conditions
    assert "<strong>20 个工作日</strong>" in body  # time limit
    assert "不收费" in body
    assert "12345 政务服务便民热线" in body  # how to complain
    assert "县级、乡镇（街道）、村（社区）" in body  # handling levels
    steps = re.findall(r"<li>([^<]+)</li>", body.split('class="p-steps"', 1)[1].split("</ol>")[0])
    assert steps == ["村（社区）、乡镇（街道）服务站受理", "县级服务中心审核", "制证发放"]


def test_materials_name_form_count_and_who_needs_them_in_chinese(client, catalogue):
    body = client.get("/public/guides/preferential-card/").content.decode()

    materials = body.split('class="p-materials"', 1)[1].split("</ol>", 1)[0]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
        for li in materials.split("<li>")[1:]
    ]
    assert rows == [
        "居民身份证 原件及复印件 1 份 适用：所有申请人",
        "近期免冠照片 原件 2 份 适用：所有申请人",
        "退役证（转业证、离退休证） 原件及复印件 1 份 适用：退役士兵、军转干部、"
        "军队离退休干部、退休士官、复员干部、伤残军人",
        "烈士证明书 原件及复印件 1 份 适用：烈士遗属",
        "亲属关系证明 原件 1 份 适用：烈士遗属、因公牺牲军人遗属、病故军人遗属",
    ]
    assert "retired_soldier" not in body  # no codes leak into the page


def test_a_new_version_replaces_the_published_guide(client, catalogue):
    item = ServiceItem.objects.get(code="honour-plaque")
    content = {
        "legal_basis": "《光荣牌悬挂工作实施办法》（修订）",
        "conditions": "现役军人家庭等。",
        "materials": [{"name": "居民身份证", "form": "copy", "count": 1}],
        "procedure": ["登记", "悬挂"],
        "time_limit_days": 7,
        "fee": "不收费",
        "complaint": "12345",
    }
    case_services.item_publish(
        actor=None,
        item=item,
        code=item.code,
        name=item.name,
        area=item.area,
        handling_levels=item.handling_levels,
        content=content,
    )

    body = client.get("/public/guides/honour-plaque/").content.decode()

    assert "第 2 版" in body and "（修订）" in body and "<strong>7 个工作日</strong>" in body
    assert "入伍批准书或退役证件" not in body


def test_the_guide_prints_through_a_static_script_and_a_print_stylesheet(client, catalogue):
    body = client.get("/public/guides/preferential-card/").content.decode()

    assert '<button type="button" class="p-button secondary" data-print>打印</button>' in body
    assert '<script src="/static/portal/portal.js" defer></script>' in body
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []  # CSP: no inline script
    assert " style=" not in body
    css = Path(finders.find("portal/portal.css")).read_text(encoding="utf-8")
    script = Path(finders.find("portal/portal.js")).read_text(encoding="utf-8")
    assert "@media print" in css and "window.print()" in script


@pytest.mark.parametrize("code", ["no-such-item", "retired-item"])
def test_unknown_or_retired_items_have_no_guide(client, catalogue, code):
    ServiceItem.objects.filter(code="archive-read").update(code="retired-item", is_active=False)
    assert ServiceItem.objects.filter(code="retired-item").count() == 1

    response = client.get(f"/public/guides/{code}/")

    assert response.status_code == 404
    assert "该服务事项不存在或已停止办理" in response.content.decode()


def test_the_home_page_offers_the_three_services(client, db):
    body = client.get("/public/").content.decode()

    for href in ("/public/guides/", "/public/book/", "/public/appointment/"):
        assert f'href="{href}"' in body

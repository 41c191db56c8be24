"""The catalogue command a deployment runs: publishes missing items once, keeps edited ones."""

from io import StringIO

import pytest
from django.core.management import call_command

from junjia.cases.catalogue import ITEMS
from junjia.cases.models import ServiceItem

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("load_catalogue", stdout=out)
    return out.getvalue()


def test_the_catalogue_is_published_once_and_a_second_run_adds_nothing():
    assert f"新增 {len(ITEMS)} 项" in _run()
    assert ServiceItem.objects.count() == len(ITEMS)
    assert "新增 0 项" in _run()
    assert ServiceItem.objects.count() == len(ITEMS)


def test_an_item_the_administrator_changed_is_not_overwritten():
    _run()
    item = ServiceItem.objects.order_by("code").first()
    ServiceItem.objects.filter(pk=item.pk).update(name="本地调整后的名称")
    versions = item.versions.count()
    assert "新增 0 项" in _run()
    item.refresh_from_db()
    assert item.name == "本地调整后的名称"
    assert item.versions.count() == versions

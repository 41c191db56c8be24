"""Browser test: a county head adds a rule; the 时间 section shows only the fields the chosen
timing uses, and a value typed under another timing is not sent (leftover of issue 13's
walk-through: the form showed all nine timing fields at once)."""

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.visits.models import VisitRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_rule_form_shows_the_fields_of_the_chosen_timing(page, tree, personas):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("head_county")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/visits/rules/new/")
    timing = page.locator("#id_timing")

    # at least N times a year: only the number of times
    timing.select_option("frequency")
    expect(page.get_by_label("每年至少次数")).to_be_visible()
    for hidden in ("月", "日", "起算日期", "事件", "提前天数", "之后天数", "之后月数"):
        expect(page.get_by_label(hidden, exact=True)).to_be_hidden()
    page.get_by_label("每年至少次数").fill("4")

    # a lunar festival: month, day and the window around it; the 4 above is not sent
    timing.select_option("lunar_date")
    for shown in ("月", "日", "提前天数", "之后天数"):
        expect(page.get_by_label(shown, exact=True)).to_be_visible()
    expect(page.get_by_label("每年至少次数")).to_be_hidden()
    page.get_by_label("规则名称").fill("重阳节走访")
    page.get_by_label("依据（文件及条款）").fill("市南区文件")
    page.get_by_label("月", exact=True).fill("9")
    page.get_by_label("日", exact=True).fill("9")
    page.get_by_label("享受抚恤定补的优抚对象").check()
    page.shot("lunar")
    page.get_by_role("button", name="新增").click()
    expect(page.get_by_role("heading", name="重阳节走访")).to_be_visible()
    version = VisitRule.objects.get(name="重阳节走访").current_version
    assert (version.timing, version.month, version.day) == ("lunar_date", 9, 9)
    assert version.times_per_year is None

"""Browser test of the clerk's home page: a village clerk opens the system on her phone after
her file was returned, sees it at the top of her to-do list with the reason, and goes to it."""

import re

import pytest
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry import services as registry_services
from junjia.registry.tests.factories import make_recipient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}


def test_a_village_clerk_finds_her_returned_file_on_her_phone(page, tree, personas):
    # Given the township reviewer returned a file the clerk of village A submitted
    recipient = make_recipient(
        personas.clerk_a.station.region, created_by=personas.clerk_a, name="李返回", status="draft"
    )
    registry_services.recipient_submit(actor=personas.clerk_a, recipient=recipient)
    registry_services.recipient_return(
        actor=personas.reviewer_town, recipient=recipient, reason="缺少退役证复印件"
    )

    # When she logs in on her phone
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Then her home page leads with it, the reason in plain words
    expect(page.get_by_role("heading", name="待办事项")).to_be_visible()
    section = page.locator("#todo-returned")
    expect(section).to_be_visible()
    expect(section).to_contain_text("退回给我")
    expect(section).to_contain_text("李返回")
    expect(section).to_contain_text("退回原因：缺少退役证复印件")
    expect(page.locator(".todo-jump")).to_contain_text("退回给我 1")
    box = section.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.shot("phone-home")

    # And the navigation counts it
    page.get_by_role("button", name="☰ 菜单").click()
    expect(page.locator("#sidenav .nav-count").first).to_have_text("1")
    page.get_by_role("button", name="☰ 菜单").click()

    # And one tap opens the file
    section.get_by_role("link", name=re.compile("李返回")).click()
    expect(page).to_have_url(re.compile(rf"/registry/recipients/{recipient.pk}/$"))
    expect(page.get_by_text("缺少退役证复印件").first).to_be_visible()
    assert page.js_errors == []

"""Browser test on a phone (390×844): a petitioner follows their petition on the portal with
the query code and their identity number — a wrong number answered plainly, then the status
and dated steps; the pages pass axe and the ageing-friendly checks (issue 15)."""

import pytest
from playwright.sync_api import expect

from junjia.petitions import services
from junjia.petitions.choices import PetitionStatus as S
from junjia.petitions.tests.factories import register

from .helpers import NUMBER
from .test_browser_a11y import PHONE, axe_page, check  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_petitioner_follows_the_petition_on_a_phone(axe_page, personas):  # noqa: F811
    petition = register(personas.clerk_a, id_number=NUMBER, petitioner_name="王大明")
    services.petition_step(actor=personas.clerk_a, petition=petition, to=S.ACCEPTED, told_by="sms")
    page = axe_page
    page.set_viewport_size(PHONE)
    page.goto("/public/")
    page.locator(".p-tiles").get_by_role("link", name="信访进度").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信访事项进度查询")
    problems = check(page, "petition-progress", viewports=(PHONE,))

    page.get_by_label("查询码").fill(petition.query_code.lower())
    page.get_by_label("身份证号码").fill("11010519491231002X")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-alert")).to_contain_text("没有找到相符的信访事项")
    problems += check(page, "petition-progress-failed", viewports=(PHONE,))

    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信访事项进度")
    expect(page.locator(".p-status-now")).to_have_text("已受理")
    expect(page.locator(".p-timeline li")).to_have_count(2)
    problems += check(page, "petition-progress-answer", viewports=(PHONE,))
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, "the answer scrolls sideways on a phone"
    assert "王大明" not in page.content() and NUMBER not in page.content()
    page.screenshot(path=_shot("petition-progress-answer"))
    assert problems == []


def _shot(name: str) -> str:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"portal-{name}.png")

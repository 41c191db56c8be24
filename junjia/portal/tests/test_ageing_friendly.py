"""Ageing-friendly public pages (工业和信息化部《互联网网站适老化通用设计规范》): the 大字 and
高对比度 switches work as plain links and stay on; a form left open too long and refused by
the CSRF check comes back filled in, with a plain Chinese explanation, and nothing done."""

import pytest
from django.test import Client

from junjia.cases.models import Appointment
from junjia.core.views.csrf import KEPT
from junjia.portal import views

from .helpers import NUMBER, make_slot

pytestmark = pytest.mark.django_db

GOOD = {"name": "张卫国", "id_number": NUMBER, "phone": "13912345678", "item": "preferential-card"}


# --- 大字 and 高对比度 ---------------------------------------------------------------------------


def test_a_page_starts_in_the_standard_display_with_both_switches(client, db):
    body = client.get("/public/guides/").content.decode()

    assert '<html lang="zh-Hans">' in body
    assert 'href="/public/display/?large=1&amp;next=/public/guides/"' in body
    assert 'href="/public/display/?contrast=1&amp;next=/public/guides/"' in body
    assert ">大字模式</a>" in body and ">高对比度</a>" in body


def test_the_large_text_link_sets_a_lasting_cookie_and_goes_back(client, db):
    # When the visitor follows 大字模式 from the guide list (no JavaScript needed)
    response = client.get("/public/display/", {"large": "1", "next": "/public/guides/"})

    # Then they are back on the same page, drawn large from its first paint
    assert response.status_code == 302 and response["Location"] == "/public/guides/"
    cookie = response.cookies[views.DISPLAY_COOKIE]
    assert cookie.value == "large" and int(cookie["max-age"]) == views.DISPLAY_SECONDS
    body = client.get("/public/guides/").content.decode()
    assert '<html lang="zh-Hans" class="p-large">' in body
    assert ">恢复标准字号</a>" in body and 'href="/public/display/?large=0&amp;' in body
    # and on every other public page too
    assert 'class="p-large"' in client.get("/public/book/").content.decode()


def test_both_switches_combine_and_turn_off_again(client, db):
    client.get("/public/display/", {"large": "1"})
    client.get("/public/display/", {"contrast": "1"})
    both = client.get("/public/").content.decode()

    client.get("/public/display/", {"large": "0"})
    contrast = client.get("/public/").content.decode()
    response = client.get("/public/display/", {"contrast": "0"})

    assert 'class="p-contrast p-large"' in both
    assert 'class="p-contrast"' in contrast
    assert response.cookies[views.DISPLAY_COOKIE]["max-age"] == 0  # deleted
    assert '<html lang="zh-Hans">' in client.get("/public/").content.decode()


@pytest.mark.parametrize(
    "target", ["https://example.com/", "//example.com/x", "portal:book", "javascript:alert(1)"]
)
def test_the_way_back_stays_on_this_site(client, db, target):
    response = client.get("/public/display/", {"large": "1", "next": target})

    assert response.status_code == 302 and response["Location"] == "/public/"


def test_an_unknown_display_value_in_the_cookie_is_ignored(client, db):
    client.cookies[views.DISPLAY_COOKIE] = "large.<script>.huge"

    body = client.get("/public/").content.decode()

    assert '<html lang="zh-Hans" class="p-large">' in body


# --- a form left open too long ------------------------------------------------------------------


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


def test_a_refused_booking_comes_back_filled_in_and_books_nothing(strict, catalogue, station):
    # Given a booking form whose token no longer matches (the cookies were cleared)
    slot = make_slot(station)

    # When the person sends it
    response = strict.post(f"/public/book/{station.pk}/", {**GOOD, "slot": slot.pk})

    # Then they see the same form, with what they typed and chose, and a plain explanation
    body = response.content.decode()
    assert response.status_code == 403
    assert KEPT in body
    assert 'value="张卫国"' in body and 'value="13912345678"' in body
    assert f'value="{slot.pk}" checked' in body
    assert '<option value="preferential-card" selected>' in body
    assert 'name="csrfmiddlewaretoken"' in body
    # and nothing was booked
    assert Appointment.objects.count() == 0
    slot.refresh_from_db()
    assert slot.booked == 0


def test_sending_it_again_with_the_fresh_token_books(strict, catalogue, station):
    slot = make_slot(station)
    strict.post(f"/public/book/{station.pk}/", {**GOOD, "slot": slot.pk})
    token = strict.cookies["csrftoken"].value

    response = strict.post(
        f"/public/book/{station.pk}/", {**GOOD, "slot": slot.pk, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302 and Appointment.objects.count() == 1


def test_a_refused_look_up_keeps_the_code_but_not_the_identity_number(strict, db):
    response = strict.post("/public/appointment/", {"code": "ABCD2345", "id_number": NUMBER})

    body = response.content.decode()
    assert response.status_code == 403 and KEPT in body
    assert 'value="ABCD2345"' in body and NUMBER not in body


def test_a_refused_rating_keeps_the_score_and_comment(strict, completed_case):
    from junjia.cases.services import rating_url

    path = rating_url(completed_case).split("127.0.0.1:8000", 1)[-1]

    response = strict.post(path, {"score": "2", "comment": "等了很久"})

    body = response.content.decode()
    assert response.status_code == 403 and KEPT in body
    assert 'value="2" checked' in body and "等了很久</textarea>" in body


def test_a_refused_change_without_the_look_up_asks_for_it_and_promises_nothing(strict, db):
    # The cookies were cleared: the look-up went with them, and nothing typed is kept
    response = strict.post("/public/appointment/manage/", {"action": "cancel"}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain == [("/public/appointment/", 302)]
    assert views.VERIFY_FIRST in body and KEPT not in body

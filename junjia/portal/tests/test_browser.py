"""Browser tests of the public pages, as a veteran on a phone uses them: booking an
appointment, rating a case through its QR link with a bad rating, reading and printing a
guide, cancelling a booking. Screenshots under test-artifacts/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from junjia.cases import services as case_services
from junjia.cases.choices import AppointmentStatus, LoopStage, RatingChannel
from junjia.cases.models import Appointment, Evaluation, RectificationLoop

from .helpers import NUMBER, make_slot, sms_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_veteran_books_an_appointment_on_a_phone(page, catalogue, station, sms_file):
    # Given village A's station with two video-consultation slots
    first = make_slot(station, days=3, start=9, capacity=2)
    make_slot(station, days=3, start=14, capacity=1, booked=1)
    make_slot(station, days=4, start=10, capacity=4)
    page.set_viewport_size(PHONE)

    # When he opens the public page and chooses 在线预约
    page.goto("/public/")
    page.shot("01-home-phone")
    page.get_by_role("link", name=re.compile("在线预约")).first.click()

    # Then no long list greets him: he chooses his county, then his township
    expect(page.locator(".p-choice")).to_have_count(0)
    page.get_by_label("选择您所在的区（县）").select_option(label="市南区")
    page.get_by_role("button", name="查看").first.click()
    expect(page.locator(".p-choice")).to_have_count(3)
    page.get_by_label("再选择乡镇（街道）").select_option(label="甲街道")
    page.get_by_role("button", name="查看").nth(1).click()
    expect(page.locator(".p-choice")).to_have_count(3)
    # and types his village's name: the list narrows as he types
    page.get_by_label("输入服务站、乡镇（街道）或村（社区）的名称").fill("村A")
    # and the one station left is chosen for him
    choices = page.locator(".p-choice:visible")
    expect(choices).to_have_count(1)
    expect(choices.get_by_role("radio")).to_be_checked()
    expect(choices).to_contain_text("村A退役军人服务站")
    page.shot("02-station-phone")
    page.get_by_role("button", name="下一步：选择时间").click()

    # Then he sees the slots with the places left, the full one greyed out
    expect(page.get_by_role("heading", level=1)).to_have_text("预约：村A退役军人服务站")
    expect(page.locator(".p-slot.full")).to_contain_text("已约满")
    page.shot("03-slots-phone")

    # When he picks the morning slot, the item, and mistypes his mobile number
    page.locator(".p-slot", has_text="09:00–10:00").click()
    page.get_by_label("办理事项").select_option(label="优待证申领")
    page.get_by_label("姓名").fill("张卫国")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_label("手机号码").fill("1391234567")
    page.get_by_role("button", name="提交预约").click()

    # Then he is told exactly what is wrong, with what he typed kept
    expect(page.locator(".p-alert")).to_contain_text("提交没有成功，请修改以下 1 处")
    expect(page.locator(".has-error .errorlist")).to_have_text(
        "手机号码应为 11 位中国大陆手机号，以 13–19 开头。"
    )
    expect(page.get_by_label("姓名")).to_have_value("张卫国")
    expect(page.locator(f'input[name="slot"][value="{first.pk}"]')).to_be_checked()
    page.shot("04-error-phone")

    # When he corrects it and submits
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_role("button", name="提交预约").click()

    # Then he sees his booking code, which also came by SMS
    expect(page.get_by_role("heading", level=1)).to_have_text("预约成功")
    appointment = Appointment.objects.get()
    expect(page.locator("[data-booking-code]")).to_have_text(appointment.code)
    page.shot("05-done-phone")
    assert appointment.slot == first and appointment.name == "张卫国"
    first.refresh_from_db()
    assert first.booked == 1
    [message] = sms_lines(sms_file)
    assert message["to"] == "13912345678" and appointment.code in message["text"]
    assert page.js_errors == []


def test_a_bad_rating_through_the_qr_link_opens_the_closed_loop(page, completed_case, personas):
    # Given the QR code on the receipt of a completed case
    path = case_services.rating_url(completed_case).split("127.0.0.1:8000", 1)[-1]
    assert path.startswith("/public/rate/")
    page.set_viewport_size(PHONE)

    # When the person scans it and rates the service 不满意 with a reason
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("服务评价")
    expect(page.locator(".p-facts")).to_contain_text("优待证申领")
    page.shot("01-rate-phone")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".has-error .errorlist")).to_have_text("请选择您对本次服务的评价。")
    page.get_by_text("不满意", exact=True).click()
    page.get_by_label("意见建议（选填）").fill("窗口人少，等了一个多小时。")
    page.shot("02-rate-chosen-phone")
    page.get_by_role("button", name="提交评价").click()

    # Then they are thanked, and the rating has opened the loop for the station head
    expect(page.get_by_role("heading", level=1)).to_have_text("已评价，感谢")
    page.shot("03-thanks-phone")
    evaluation = Evaluation.objects.get(case=completed_case)
    assert (evaluation.score, evaluation.channel) == (2, RatingChannel.QR)
    loop = RectificationLoop.objects.get(evaluation=evaluation)
    assert (loop.stage, loop.owner) == (LoopStage.FOUND, personas.head_a)

    # and opening the link again cannot rate a second time
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("已评价，感谢")
    assert Evaluation.objects.count() == 1
    assert page.js_errors == []


def test_a_guide_reads_on_a_phone_and_prints_on_paper(page, catalogue, station):
    page.set_viewport_size(PHONE)
    page.goto("/public/guides/")
    page.shot("01-guides-phone")
    page.get_by_role("link", name=re.compile("^优待证申领")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("优待证申领")
    expect(page.locator(".p-materials")).to_contain_text("原件及复印件")
    page.shot("02-guide-phone")

    page.set_viewport_size({"width": 1280, "height": 860})
    page.shot("03-guide-desktop")
    # The print button calls window.print() from the static script (no inline script).
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.locator(".p-header")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.locator(".p-print-only")).to_be_visible()
    page.shot("04-guide-print")
    assert page.js_errors == []


def test_a_veteran_looks_up_and_cancels_a_booking(page, catalogue, station, sms_file):
    slot = make_slot(station, days=3, capacity=2)
    appointment = case_services.appointment_book(
        slot=slot, name="张卫国", id_number=NUMBER, phone="13912345678"
    )
    page.set_viewport_size(PHONE)
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto("/public/appointment/")
    page.get_by_label("预约码").fill("ZZZZ2345")
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-alert")).to_contain_text("没有找到相符的预约")
    expect(page.get_by_label("预约码")).to_have_value("")
    page.shot("01-lookup-failed-phone")

    page.get_by_label("预约码").fill(appointment.code.lower())
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-facts")).to_contain_text(appointment.code)
    page.shot("02-manage-phone")
    page.get_by_role("button", name="取消预约").click()
    expect(page.locator(".p-msg")).to_have_text("预约已取消。")
    page.shot("03-cancelled-phone")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert page.js_errors == []


def test_desktop_pages(page, catalogue, station):
    make_slot(station, days=3, start=9, capacity=2)
    make_slot(station, days=3, start=14, capacity=1, booked=1)
    make_slot(station, days=5, start=10, capacity=4)
    for name, url in [
        ("01-home", "/public/"),
        ("02-guides", "/public/guides/"),
        ("03-stations", "/public/book/?q=甲街道"),
        ("04-book", f"/public/book/{station.pk}/"),
        ("05-lookup", "/public/appointment/"),
    ]:
        page.goto(url)
        page.shot(name)
    assert page.js_errors == []

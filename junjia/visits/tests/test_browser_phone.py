"""Browser test: a village clerk on a phone (390×844) saves her campaign's visit forms for
offline use, loses the network, records a visit with a photo and the recipient's drawn
signature, sees it in the phone's unsent list, and when the network returns exactly one
visit arrives with its photo (shrunk on the phone) and signature — a second sending of the
same record adds nothing (issue 13 "Recording a visit, on a phone")."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from junjia.orgs.tests.helpers import PASSWORD
from junjia.registry.tests.factories import make_recipient
from junjia.visits.choices import MemberState
from junjia.visits.models import CampaignMember, Visit, VisitPhoto
from junjia.visits.tests.test_campaigns import county_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
PENSION = {"sections": {"pension": {"pension_type": "subsidy"}}}
OUTBOX = 'idbKeyval.createStore("junjia-visits-outbox", "records")'


def camera_photo() -> bytes:
    """A phone camera's photo: 2400×1800, far over what is sent."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (2400, 1800), (90, 140, 200))
    for x in range(0, 2400, 40):  # some detail, so the JPEG is not trivially small
        image.paste((240, 200, 60), (x, 0, x + 12, 1800))
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


# What the browser and htmx (the notification badge's request) report of requests refused
# while the network is cut: the test's doing.
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")


def network_noise(errors: list[str]) -> list[str]:
    return [e for e in errors if not any(noise in e for noise in OFFLINE_NOISE)]


def test_a_village_clerk_records_a_visit_offline_and_it_arrives_once(page, tree, personas):
    # Given 市南区's Spring Festival campaign holding village A's pensioner
    wang = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, name="王抚恤", **PENSION
    )
    campaign = county_campaign(tree, personas, "spring-festival", "2027年春节走访慰问")
    member = CampaignMember.objects.get(campaign=campaign, recipient=wang)

    # When village A's clerk opens her station's list on her phone and saves it for offline use
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"/visits/campaigns/{campaign.pk}/?station={member.station_key}")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("button", name="保存到手机离线使用").click()
    expect(page.locator("[data-offline-save-status]")).to_contain_text("已保存 1 张走访表")

    # and, with the network cut, opens the saved form and records the visit
    page.context.set_offline(True)
    page.goto(f"/visits/campaigns/{campaign.pk}/members/{member.pk}/visit/")
    expect(page.get_by_role("heading", name="记录走访：王抚恤")).to_be_visible()
    page.get_by_label("接待人").fill("本人及配偶")
    page.get_by_label("健康状况").fill("腿脚不便")
    page.get_by_label("慰问金（元）").fill("500")
    page.get_by_label("经费来源").fill("春节慰问经费")
    expect(page.locator("#unsigned-note")).to_be_visible()  # money given, not yet signed
    page.get_by_label("走访照片").set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}
    )
    expect(page.locator("#photo-previews")).to_contain_text("第 1 张")
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 40 + (step % 3) * 30, steps=3)
    page.mouse.up()
    expect(page.locator("#unsigned-note")).to_be_hidden()
    page.shot("offline-form")
    page.get_by_role("button", name="保存走访记录").click()

    # Then it waits on the phone, in the unsent list
    expect(page.get_by_role("heading", name="未发送的走访记录（1）")).to_be_visible()
    expect(page.locator("#outbox-list")).to_contain_text("王抚恤")
    expect(page.locator("#outbox-list")).to_contain_text("照片 1 张 · 已签收")
    expect(page.locator("#outbox-status")).to_contain_text("没有网络")
    page.shot("offline-unsent")
    assert Visit.objects.count() == 0
    # (a copy of the record, to send it a second time below)
    page.evaluate(f"idbKeyval.values({OUTBOX}).then((rows) => {{ window.kept = rows[0]; }})")

    # When the network returns, it is sent by itself
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="未发送的走访记录（0）")).to_be_visible()
    expect(page.locator("#outbox-status")).to_contain_text("已发送 1 条")
    page.shot("offline-sent")

    # Then exactly one visit arrived, with its photo shrunk on the phone and the signature
    visit = Visit.objects.get()
    assert (visit.member_id, visit.money_fen, visit.met) == (member.pk, 50000, "本人及配偶")
    assert visit.recorded_by == personas.clerk_a and visit.counted
    photo = VisitPhoto.objects.get(visit=visit)
    with photo.image.open("rb") as stored, Image.open(stored) as sent:
        assert (sent.format, sent.size) == ("JPEG", (1280, 960))
    with visit.signature.open("rb") as stored, Image.open(stored) as signature:
        assert signature.format == "PNG"
        assert signature.convert("L").getextrema()[0] < 100  # ink on the white pad
    member.refresh_from_db()
    assert member.visit_state == MemberState.VISITED

    # When the same record is sent again (its answer lost on the way), nothing is added
    page.evaluate(f"idbKeyval.set(window.kept.key, window.kept, {OUTBOX})")
    page.reload()
    expect(page.locator("#outbox-status")).to_contain_text("已发送 1 条")
    expect(page.get_by_role("heading", name="未发送的走访记录（0）")).to_be_visible()
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1

    # and the visit's page shows the photo and the signature
    page.goto(f"/visits/records/{visit.pk}/")
    expect(page.locator("#visit-signed")).to_have_text("已签收")
    expect(page.locator("#visit-photos img")).to_have_count(1)
    page.shot("offline-visit")

    # Signing out drops the pages kept on the phone
    assert page.evaluate('caches.has("junjia-pages")')
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert not page.evaluate('caches.has("junjia-pages")')
    assert network_noise(page.js_errors) == []


def test_a_record_the_server_refuses_stays_on_the_phone_with_the_reason(page, tree, personas):
    # Given a person of village A, her visit form opened once with the network (kept)
    wang = make_recipient(
        tree.regions.village_a, created_by=personas.clerk_a, name="王抚恤", **PENSION
    )
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("clerk_a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    form = f"/visits/people/{wang.pk}/visit/"
    page.goto(form)
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now through the service worker, which keeps it

    # When, offline, the clerk records a visit dated next year (a typing slip)
    page.context.set_offline(True)
    page.goto(form)
    page.get_by_label("走访时间").fill("2099-01-01T10:00")
    page.get_by_label("接待人").fill("本人")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.get_by_role("heading", name="未发送的走访记录（1）")).to_be_visible()

    # Then with the network back the server refuses it: it stays, with the reason, until
    # the clerk deletes it
    page.context.set_offline(False)
    item = page.locator("#outbox-list .outbox-item")
    expect(item).to_contain_text("发送失败")
    expect(item).to_contain_text("原因：走访时间不能晚于现在。")
    page.shot("refused-record")
    assert Visit.objects.count() == 0
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除这条").click()
    expect(page.get_by_role("heading", name="未发送的走访记录（0）")).to_be_visible()
    refused = "the server responded with a status of 400"  # the refusal itself
    assert [e for e in network_noise(page.js_errors) if refused not in e] == []

"""Booking an appointment from the public page (预约服务, 000 §7): choosing a station, a slot
with places left, an item, and the person's particulars; every field checked."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from junjia.cases.errors import SAME_SLOT_TWICE, SLOT_FULL, SLOT_PAST, TOO_MANY_BY_PHONE
from junjia.cases.models import Appointment, AppointmentSlot, ServiceItem
from junjia.core.models import AuditEntry

from .helpers import NUMBER, make_slot, sms_lines

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "张卫国",
    "id_number": NUMBER,
    "phone": "139 1234 5678",
    "item": "preferential-card",
}


def choices(body: str) -> list[str]:
    """The station choices on the page, as text."""
    cards = re.findall(r'<label class="p-choice".*?</label>', body, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip() for card in cards]


def post(client, station, chosen, **changes):
    data = {**GOOD, "slot": chosen.pk, **changes}
    return client.post(f"/public/book/{station.pk}/", data)


# --- choosing a station -------------------------------------------------------------------------


def test_stations_are_found_by_place_name(client, tree, station):
    # Given a slot with places at village A
    make_slot(station)

    # When the person types a township's name
    body = client.get("/public/book/", {"q": "甲街道"}).content.decode()

    # Then the township and its villages are offered, with whether they have places
    assert choices(body) == [
        "甲街道退役军人服务站 山东省青岛市市南区甲街道 暂无空余",
        "村A退役军人服务站 山东省青岛市市南区甲街道村A 可预约",
        "村B退役军人服务站 山东省青岛市市南区甲街道村B 暂无空余",
    ]


def test_the_first_page_lists_no_station_until_the_visitor_searches_or_chooses(client, tree):
    # When a visitor opens the booking page
    body = client.get("/public/book/").content.decode()

    # Then no station is listed yet: they search by name or choose their county, offered
    # under its city (a province has thousands of stations)
    assert choices(body) == []
    assert "没有找到" not in body
    assert re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', body) == [
        ("370202", "市南区"),
        ("370203", "市北区"),
    ]
    assert '<optgroup label="青岛市">' in body


def test_province_and_city_centres_take_no_public_bookings(client, tree):
    # Every station's name ends so: the search finds each one that takes bookings
    body = client.get("/public/book/", {"q": "退役军人服务站"}).content.decode()
    names = [c.split(" ")[0] for c in choices(body)]

    assert names == [
        "市南区退役军人服务站",
        "甲街道退役军人服务站",
        "村A退役军人服务站",
        "村B退役军人服务站",
        "乙街道退役军人服务站",
        "村C退役军人服务站",
        "市北区退役军人服务站",
        "丙街道退役军人服务站",
        "村D退役军人服务站",
    ]
    assert client.get(f"/public/book/{tree.stations.city.pk}/").status_code == 404


def test_a_county_lists_its_centre_and_townships_and_a_township_its_villages(client, tree):
    # When the visitor chooses their county
    county = client.get("/public/book/", {"county": "370202", "go": "area"}).content.decode()
    # and then one of its townships
    town = client.get(
        "/public/book/", {"county": "370202", "town": "370202001000", "go": "area"}
    ).content.decode()

    # Then the county shows its own centre and its townships' stations, not the villages,
    # with the townships to choose from next
    assert [c.split(" ")[0] for c in choices(county)] == [
        "市南区退役军人服务站",
        "甲街道退役军人服务站",
        "乙街道退役军人服务站",
    ]
    assert '<option value="370202001000">甲街道</option>' in county
    assert '<option value="370202002000">乙街道</option>' in county
    # and the township its own station and its villages'
    assert [c.split(" ")[0] for c in choices(town)] == [
        "甲街道退役军人服务站",
        "村A退役军人服务站",
        "村B退役军人服务站",
    ]


def test_a_search_looks_everywhere_and_a_place_chosen_ignores_the_typed_name(client, tree):
    searched = client.get("/public/book/", {"q": "村D", "county": "370202", "go": "search"})
    listed = client.get("/public/book/", {"q": "村D", "county": "370202", "go": "area"})

    assert [c.split(" ")[0] for c in choices(searched.content.decode())] == ["村D退役军人服务站"]
    assert [c.split(" ")[0] for c in choices(listed.content.decode())] == [
        "市南区退役军人服务站",
        "甲街道退役军人服务站",
        "乙街道退役军人服务站",
    ]


def test_an_unknown_county_or_a_township_outside_it_lists_nothing_wrong(client, tree):
    unknown = client.get("/public/book/", {"county": "999999", "go": "area"}).content.decode()
    elsewhere = client.get(
        "/public/book/", {"county": "370202", "town": "370203001000", "go": "area"}
    ).content.decode()

    assert choices(unknown) == []
    # a township of another county is not taken: the county's own list is shown
    assert [c.split(" ")[0] for c in choices(elsewhere)] == [
        "市南区退役军人服务站",
        "甲街道退役军人服务站",
        "乙街道退役军人服务站",
    ]


def test_a_long_search_is_cut_to_a_readable_list(client, tree, monkeypatch):
    from junjia.portal import selectors

    monkeypatch.setattr(selectors, "MAX_STATIONS", 4)

    body = client.get("/public/book/", {"q": "退役军人服务站"}).content.decode()

    assert len(choices(body)) == 4
    assert "相符的服务站较多，只列出前 4 个" in body


def test_next_goes_to_the_chosen_station_and_asks_when_none_is_chosen(client, station):
    chosen = client.get("/public/book/", {"go": "next", "station": station.pk})
    none = client.get("/public/book/", {"go": "next", "q": "甲"})

    assert chosen.status_code == 302 and chosen["Location"] == f"/public/book/{station.pk}/"
    assert none.status_code == 200 and "请先在列表中选择一个服务站。" in none.content.decode()


def test_a_search_that_matches_nothing_says_so(client, tree):
    body = client.get("/public/book/", {"q": "不存在的地方"}).content.decode()

    assert "没有找到名称相符的服务站" in body and choices(body) == []


# --- the booking page ----------------------------------------------------------------------------


def test_the_booking_page_shows_upcoming_slots_with_places_left(client, catalogue, station):
    open_slot = make_slot(station, days=2, capacity=3, booked=1)
    full = make_slot(station, days=2, start=14, capacity=2, booked=2)
    past = make_slot(station, days=-1)
    far = make_slot(station, days=40)

    body = client.get(f"/public/book/{station.pk}/").content.decode()

    assert f'value="{open_slot.pk}"' in body and "剩 2 个名额" in body
    assert f'value="{full.pk}" disabled' in body and "已约满" in body
    assert f'value="{past.pk}"' not in body and f'value="{far.pk}"' not in body
    # items handled at a village station, grouped by area; and the station's own contact
    assert '<optgroup label="优待抚恤">' in body and ">优待证申领</option>" in body
    assert "0532-88886666" in body and "甲街道幸福路 8 号" in body


def test_a_station_without_places_says_to_telephone(client, catalogue, station):
    make_slot(station, capacity=1, booked=1)

    body = client.get(f"/public/book/{station.pk}/").content.decode()

    assert "该站近三周没有可预约的时段" in body and "<form" not in body.split("<main", 1)[1]


def test_booking_gives_a_code_on_screen_and_by_sms(
    client, catalogue, station, sms_file, django_capture_on_commit_callbacks
):
    # Given a slot with two places
    slot = make_slot(station, capacity=2)

    # When the person books it
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, station, slot)

    # Then one place is taken and they see their code
    assert response.status_code == 302 and response["Location"] == "/public/book/done/"
    appointment = Appointment.objects.get()
    assert (appointment.slot, appointment.name, appointment.item.code) == (
        slot,
        "张卫国",
        "preferential-card",
    )
    assert appointment.id_masked == NUMBER[:6] + "********" + NUMBER[-4:]
    assert (appointment.phone_masked, appointment.booked_by) == ("139****5678", None)
    slot.refresh_from_db()
    assert slot.booked == 1
    done = client.get("/public/book/done/").content.decode()
    assert f'<p class="p-code" data-booking-code>{appointment.code}</p>' in done
    assert "村A退役军人服务站" in done and "远程视频咨询" in done
    # and nothing they typed is shown back on the next page
    assert "张卫国" not in done and NUMBER not in done and "13912345678" not in done
    # the code went by SMS to the number they gave
    [message] = sms_lines(sms_file)
    assert message["to"] == "13912345678"
    assert appointment.code in message["text"] and "/public/appointment/" in message["text"]
    # and the booking is audited as a public one
    entry = AuditEntry.objects.get(object_type="cases.appointment", action="create")
    assert entry.actor_id is None and entry.extra["channel"] == "public"


def test_booking_without_an_item_is_a_consultation(client, catalogue, station):
    slot = make_slot(station)

    post(client, station, slot, item="")

    assert Appointment.objects.get().item is None
    assert "其他事项或政策咨询" in client.get("/public/book/done/").content.decode()


def test_the_done_page_without_a_booking_goes_back_to_the_start(client, db):
    response = client.get("/public/book/done/")

    assert response.status_code == 302 and response["Location"] == "/public/book/"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slot": ""}, "slot", "请选择预约时段。"),
        ({"slot": "999999"}, "slot", "所选时段已不可预约，请重新选择。"),
        ({"name": ""}, "name", "请填写姓名。"),
        ({"name": "1234"}, "name", "请填写身份证上的姓名：2 个字以上，只用汉字或字母。"),
        ({"name": "张"}, "name", "请填写身份证上的姓名：2 个字以上，只用汉字或字母。"),
        ({"id_number": ""}, "id_number", "请填写身份证号码。"),
        (
            {"id_number": "37020219680912"},
            "id_number",
            "身份证号码应为 18 位（或旧版 15 位），您输入了 14 位。",
        ),
        (
            {"id_number": NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")},
            "id_number",
            "身份证号码校验位不正确，请逐位核对（可能有输错或颠倒的数字）。",
        ),
        ({"phone": ""}, "phone", "请填写手机号码。"),
        ({"phone": "0532-8888666"}, "phone", "手机号码应为 11 位中国大陆手机号，以 13–19 开头。"),
        ({"item": "no-such-item"}, "item", "请从列表中选择办理事项。"),
    ],
)
def test_every_field_is_checked_with_a_clear_message(
    client, catalogue, station, django_capture_on_commit_callbacks, changes, field, message
):
    slot = make_slot(station)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, station, slot, **changes)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    body = response.content.decode()
    assert "提交没有成功，请修改以下 1 处：" in body
    assert f'<li><a href="#{field}-field">{message}</a></li>' in body
    assert Appointment.objects.count() == 0
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 0
    assert callbacks == []  # no SMS queued


def test_a_slot_of_another_station_cannot_be_booked_here(client, catalogue, tree, station):
    elsewhere = make_slot(tree.stations.village_b)

    response = post(client, station, elsewhere)

    assert response.context["form"].errors["slot"] == ["所选时段已不可预约，请重新选择。"]
    assert Appointment.objects.count() == 0


def test_an_item_of_another_level_is_not_offered(client, catalogue, station):
    ServiceItem.objects.filter(code="disability-assessment").update(handling_levels=[3])
    slot = make_slot(station)

    response = post(client, station, slot, item="disability-assessment")

    assert response.context["form"].errors["item"] == ["请从列表中选择办理事项。"]


def test_a_full_slot_is_refused_and_nothing_changes(
    client, catalogue, station, django_capture_on_commit_callbacks
):
    # Given a slot whose last place was just taken by someone else
    slot = make_slot(station, capacity=1, booked=1)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, station, slot)

    assert response.context["form"].errors["slot"] == [SLOT_FULL]
    assert Appointment.objects.count() == 0
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 1
    assert callbacks == []


def test_the_same_person_twice_in_a_slot_is_told_under_the_identity_number(
    client, catalogue, station
):
    slot = make_slot(station, capacity=3)
    assert post(client, station, slot).status_code == 302

    response = post(client, station, slot, phone="13912340000")

    assert response.context["form"].errors["id_number"] == [SAME_SLOT_TWICE]
    assert SAME_SLOT_TWICE in response.content.decode()
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 1 == Appointment.objects.count()


def test_too_many_open_bookings_on_one_phone_are_told_under_the_phone(
    client, catalogue, station, settings
):
    from junjia.registry.tests.factories import make_id_number

    settings.JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = 1
    assert post(client, station, make_slot(station, start=9)).status_code == 302

    response = post(client, station, make_slot(station, start=10), id_number=make_id_number())

    assert response.context["form"].errors["phone"] == [TOO_MANY_BY_PHONE.format(limit=1)]
    assert Appointment.objects.count() == 1


def test_a_slot_that_has_begun_is_refused(client, catalogue, station):
    # A slot that began about two hours ago, whatever the time of day the test runs at
    # (a fixed 09:00 start has not begun yet between midnight and nine in Beijing).
    earlier = timezone.localtime() - dt.timedelta(hours=2)
    slot = make_slot(station, days=-1)
    AppointmentSlot.objects.filter(pk=slot.pk).update(
        date=earlier.date(),
        start=dt.time(earlier.hour),
        end=dt.time(earlier.hour, 59) if earlier.hour == 23 else dt.time(earlier.hour + 1),
    )

    response = post(client, station, slot)

    assert response.context["form"].errors["slot"] == [SLOT_PAST]
    assert Appointment.objects.count() == 0
    assert AppointmentSlot.objects.get(pk=slot.pk).booked == 0


def test_the_booking_form_carries_a_csrf_token_and_refuses_a_post_without_it(catalogue, station):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    slot = make_slot(station)

    page = strict.get(f"/public/book/{station.pk}/").content.decode()
    response = strict.post(f"/public/book/{station.pk}/", {**GOOD, "slot": slot.pk})

    assert 'name="csrfmiddlewaretoken"' in page
    assert response.status_code == 403 and Appointment.objects.count() == 0


def test_an_unknown_station_is_a_plain_not_found(client, db):
    response = client.get("/public/book/999999/")

    assert response.status_code == 404 and "未找到该服务站" in response.content.decode()

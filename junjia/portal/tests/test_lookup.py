"""Looking up, cancelling and moving an appointment with the booking code and the identity
number: a wrong pair says nothing about which half was wrong, or about anyone."""

import pytest

from junjia.cases import services as case_services
from junjia.cases.choices import AppointmentStatus
from junjia.cases.models import Appointment, AppointmentSlot
from junjia.portal import views
from junjia.registry.tests.factories import make_recipient

from .helpers import NUMBER, OTHER_NUMBER, make_slot, sms_lines, strip_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(station):
    slot = make_slot(station, capacity=2)
    return case_services.appointment_book(
        slot=slot, name="张卫国", id_number=NUMBER, phone="13912345678"
    )


def look_up(client, code, number):
    return client.post("/public/appointment/", {"code": code, "id_number": number})


def test_the_right_code_and_number_open_the_appointment(client, booked):
    response = look_up(client, booked.code.lower(), NUMBER)

    assert response.status_code == 302 and response["Location"] == "/public/appointment/manage/"
    body = client.get("/public/appointment/manage/").content.decode()
    assert booked.code in body and "村A退役军人服务站" in body and "已预约" in body
    # the name was not typed on this page: it is not shown; nor is the number
    assert "张卫国" not in body and NUMBER not in body


def test_no_such_code_and_a_wrong_number_get_the_same_answer(client, booked, tree, personas):
    # Given someone else on file in the registry, whose number is valid
    make_recipient(tree.regions.village_a, created_by=personas.clerk_a, id_number=OTHER_NUMBER)

    # When one person tries a code that does not exist with the right number,
    unknown_code = look_up(client, "ZZZZ2345", NUMBER)
    # and another the right code with someone else's number
    wrong_number = look_up(client, booked.code, OTHER_NUMBER)

    # Then both see the same page, word for word, and nothing they typed comes back
    assert unknown_code.status_code == wrong_number.status_code == 200
    first, second = (
        strip_csrf(unknown_code.content.decode()),
        strip_csrf(wrong_number.content.decode()),
    )
    assert first == second
    assert views.LOOKUP_FAILED in first
    for typed in ("ZZZZ2345", booked.code, NUMBER, OTHER_NUMBER):
        assert typed not in first
    assert "manage" not in unknown_code.get("Location", "")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "", "id_number": NUMBER}, "code", "请填写预约码。"),
        (
            {"code": "AB#1", "id_number": NUMBER},
            "code",
            "预约码为 8 位字母和数字，请对照短信核对。",
        ),
        ({"code": "ABCDEFGH", "id_number": ""}, "id_number", "请填写身份证号码。"),
        (
            {"code": "ABCDEFGH", "id_number": "123"},
            "id_number",
            "身份证号码应为 18 位（或旧版 15 位），您输入了 3 位。",
        ),
    ],
)
def test_the_look_up_fields_are_checked(client, booked, data, field, message):
    response = client.post("/public/appointment/", data)

    assert response.context["form"].errors[field] == [message]
    assert views.VERIFIED_KEY not in client.session


def test_the_manage_page_needs_a_look_up_first(client, booked):
    response = client.get("/public/appointment/manage/", follow=True)

    assert response.redirect_chain == [("/public/appointment/", 302)]
    assert views.VERIFY_FIRST in response.content.decode()


def test_the_look_up_holds_until_the_person_leaves(client, booked):
    # Given a person who looked up their appointment (no clock runs out on the page: 适老化)
    look_up(client, booked.code, NUMBER)
    assert client.get("/public/appointment/manage/").status_code == 200

    # When they press 退出查询 (on a shared computer)
    response = client.post("/public/appointment/manage/", {"action": "leave"}, follow=True)

    # Then the appointment is no longer shown to whoever comes next
    assert response.redirect_chain == [("/public/appointment/", 302)]
    assert views.LEFT in response.content.decode()
    assert views.VERIFIED_KEY not in client.session
    again = client.get("/public/appointment/manage/")
    assert again.status_code == 302 and again["Location"] == "/public/appointment/"
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_cancelling_frees_the_place_and_tells_the_person(
    client, booked, sms_file, django_capture_on_commit_callbacks
):
    look_up(client, booked.code, NUMBER)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/public/appointment/manage/", {"action": "cancel"}, follow=True)

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert AppointmentSlot.objects.get(pk=booked.slot_id).booked == 0
    body = response.content.decode()
    assert "预约已取消。" in body and "已取消" in body and "确认改约" not in body
    [message] = sms_lines(sms_file)
    assert message["to"] == "13912345678" and "已取消" in message["text"]


def test_rescheduling_moves_the_place(
    client, booked, station, sms_file, django_capture_on_commit_callbacks
):
    later = make_slot(station, days=5, start=10, capacity=1)
    full = make_slot(station, days=6, capacity=1, booked=1)
    look_up(client, booked.code, NUMBER)
    page = client.get("/public/appointment/manage/").content.decode()
    assert f'value="{later.pk}"' in page and f'value="{full.pk}" disabled' not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/public/appointment/manage/", {"action": "reschedule", "slot": later.pk}
        )

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.slot == later
    assert AppointmentSlot.objects.get(pk=later.pk).booked == 1
    assert AppointmentSlot.objects.get(pk=booked.slot_id).booked == 1
    [message] = sms_lines(sms_file)
    assert "已改到" in message["text"] and booked.code in message["text"]


@pytest.mark.parametrize("which", ["full", "elsewhere", "past"])
def test_rescheduling_to_a_slot_not_on_offer_is_refused(client, booked, tree, station, which):
    target = {
        "full": lambda: make_slot(station, days=6, capacity=1, booked=1),
        "elsewhere": lambda: make_slot(tree.stations.village_b, days=6),
        "past": lambda: make_slot(station, days=-2),
    }[which]()
    before = booked.slot_id
    look_up(client, booked.code, NUMBER)

    response = client.post(
        "/public/appointment/manage/", {"action": "reschedule", "slot": target.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["slot"] == ["所选时段已不可预约，请重新选择。"]
    assert Appointment.objects.get(pk=booked.pk).slot_id == before
    assert AppointmentSlot.objects.get(pk=target.pk).booked == target.booked


def test_a_cancelled_appointment_cannot_be_cancelled_again(client, booked):
    look_up(client, booked.code, NUMBER)
    client.post("/public/appointment/manage/", {"action": "cancel"})

    response = client.post("/public/appointment/manage/", {"action": "cancel"}, follow=True)

    assert "该预约已取消或已办理。" in response.content.decode()
    assert AppointmentSlot.objects.get(pk=booked.slot_id).booked == 0

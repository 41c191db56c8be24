"""The petitioner's progress query (信访事项办理进度查询): the query code and the identity
number show that petition's status and dated steps only; a wrong code and a wrong identity
number get the same answer; nothing says whether the person has another petition or a file;
guessing is cut short by the rate limit."""

import pytest
from django.utils import timezone

from junjia.petitions import services
from junjia.petitions.choices import PetitionStatus as S
from junjia.petitions.tests.factories import register
from junjia.portal import views

from .helpers import NUMBER, OTHER_NUMBER, strip_csrf

pytestmark = pytest.mark.django_db
URL = "/public/petition-progress/"


@pytest.fixture
def petition(personas):
    p = register(personas.clerk_a, id_number=NUMBER, petitioner_name="王大明")
    p = services.petition_step(actor=personas.clerk_a, petition=p, to=S.ACCEPTED, told_by="written")
    # the same person's other petition, on another matter, at another station
    register(personas.clerk_b, id_number=NUMBER, matter_type="housing", matter="另一件")
    return p


def ask(client, code, id_number):
    return client.post(URL, {"query_code": code, "id_number": id_number})


def test_the_code_and_identity_number_show_that_petition_only(client, petition):
    response = ask(client, petition.query_code.lower(), NUMBER)
    body = response.content.decode()
    assert response.status_code == 200
    progress = response.context["progress"]
    assert progress.number == petition.number and progress.status == "已受理"
    assert [s.label for s in progress.steps] == ["已登记（待决定是否受理）", "已受理"]
    assert f'<time datetime="{timezone.localdate():%Y-%m-%d}">' in body
    for private in ("王大明", NUMBER, NUMBER[-4:], "伤残抚恤金", "补发差额", "clerk_a", "另一件"):
        assert private not in body
    assert "村B" not in body  # the other petition's station


def test_a_wrong_code_and_a_wrong_identity_number_get_the_same_answer(client, petition):
    wrong_code = "ZZZZZZZZ" if petition.query_code != "ZZZZZZZZ" else "YYYYYYYY"
    unknown = ask(client, wrong_code, NUMBER)
    mismatched = ask(client, petition.query_code, OTHER_NUMBER)
    first = strip_csrf(unknown.content.decode()).replace(wrong_code, "C")
    second = strip_csrf(mismatched.content.decode()).replace(petition.query_code, "C")
    assert first == second and views.PETITION_FAILED in first
    assert NUMBER not in first and OTHER_NUMBER not in second and "已受理" not in first


def test_a_malformed_code_is_named(client, petition):
    body = ask(client, "12", NUMBER).content.decode()
    assert "查询码为 8 位字母和数字" in body


def test_guessing_is_cut_short(client, settings, petition):
    settings.JUNJIA_RATELIMITS = {"portal.petition_progress.post": (2, 60)}
    codes = [ask(client, "ABCDEFGH", NUMBER).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(URL).status_code == 200

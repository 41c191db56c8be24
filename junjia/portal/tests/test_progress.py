"""The progress query (办件进度查询): the case number printed on every notice and the
applicant's identity number show the case's status and dated steps, and nothing else; a
wrong number and a wrong identity number get the same answer."""

import datetime as dt

import pytest
from django.utils import timezone

from junjia.portal import views
from junjia.portal.forms import normalise_case_number

from .helpers import NUMBER, OTHER_NUMBER, strip_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(completed_case):
    """A case of village A opened for 王大明 with his identity number, now completed."""
    return completed_case


def ask(client, number, id_number):
    return client.post("/public/progress/", {"case_number": number, "id_number": id_number})


def test_the_number_and_identity_number_show_the_status_and_steps(client, case):
    # When the person types the number from the notice and their identity number
    response = ask(client, case.number, NUMBER)

    # Then they see the item, the station, the status and the dated steps
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["progress"].status == "已办结"
    assert "优待证申领" in body and "村A退役军人服务站" in body and "已办结" in body
    today = timezone.localdate()
    assert f'<time datetime="{today:%Y-%m-%d}">' in body
    assert [s.label for s in response.context["progress"].steps] == ["已接件", "已受理", "已办结"]
    # and nothing about the person: not their name, phone or identity number, nor the clerk
    for private in ("王大明", "13912345678", "1391234", NUMBER, NUMBER[-4:], "clerk_a"):
        assert private not in body


def test_a_wrong_number_and_a_wrong_identity_number_get_the_same_answer(client, case):
    unknown = ask(client, case.number[:-1] + "9", NUMBER)
    mismatched = ask(client, case.number, OTHER_NUMBER)

    assert unknown.status_code == mismatched.status_code == 200
    first = strip_csrf(unknown.content.decode()).replace(case.number[:-1] + "9", "N")
    second = strip_csrf(mismatched.content.decode()).replace(case.number, "N")
    assert first == second
    assert views.PROGRESS_FAILED in first
    # the identity number typed is not shown again; the case number is, to be corrected
    assert NUMBER not in first and OTHER_NUMBER not in second
    assert "已办结" not in first and "优待证申领" not in first


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("370202001001-20260928-0001", "370202001001-20260928-0001"),
        (" 370202001001 － 20260928 — 0001 ", "370202001001-20260928-0001"),
        ("３７０２０２００１００１－２０２６０９２８－０００１", "370202001001-20260928-0001"),
        ("370202001001202609280001", "370202001001-20260928-0001"),
        ("370202202609280012", "370202-20260928-0012"),
    ],
)
def test_the_number_is_read_as_people_type_it(typed, printed):
    assert normalise_case_number(typed) == printed


def test_a_number_typed_without_dashes_finds_the_case(client, case):
    response = ask(client, case.number.replace("-", ""), NUMBER.lower())

    assert response.context["progress"].item_name == "优待证申领"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"case_number": "", "id_number": NUMBER}, "case_number", "请填写办件编号。"),
        (
            {"case_number": "37-0202", "id_number": NUMBER},
            "case_number",
            "办件编号由数字和两个短横线组成，例如 370202001001-20260928-0001，请对照单据核对。",
        ),
        (
            {"case_number": "370202001001-20260928-0001", "id_number": ""},
            "id_number",
            "请填写身份证号码。",
        ),
    ],
)
def test_the_fields_are_checked(client, db, data, field, message):
    response = client.post("/public/progress/", data)

    assert response.context["form"].errors[field] == [message]


def test_guessing_is_cut_short(client, case, settings):
    settings.JUNJIA_RATELIMITS = {"portal.case_progress.post": (2, 60)}

    codes = [ask(client, case.number, OTHER_NUMBER).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert client.get("/public/progress/").status_code == 200


def test_the_form_labels_every_field_and_names_where_the_number_is(client, db):
    body = client.get("/public/progress/").content.decode()

    assert '<label for="id_case_number">办件编号' in body
    assert '<label for="id_id_number">身份证号码' in body
    assert "一次性告知单" in body and "办结回执" in body


def test_the_case_number_is_the_one_the_notices_print(case):
    # The notices (一次性告知单, 办结回执) print case.number: ask with that very value.
    assert normalise_case_number(case.number) == case.number
    assert case.number.startswith("370202001001-") and len(case.number.split("-")[1]) == 8
    assert dt.datetime.strptime(case.number.split("-")[1], "%Y%m%d")

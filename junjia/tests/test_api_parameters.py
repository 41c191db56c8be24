"""Malformed parameters answer 400 naming the parameter, never a server error; answers under
/api/ are JSON even for a path that names nothing; OPTIONS shows no code docstrings."""

import pytest
from rest_framework.test import APIClient

from junjia.orgs.tests.helpers import api_token_key

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999999"


@pytest.fixture
def api(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(personas.head_a)}")
    return client


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/recipients/?after=garbage", "after"),
        ("/api/v1/recipients/?sort=nonsense", "sort"),
        ("/api/v1/recipients/?age_min=abc", "age_min"),
        (f"/api/v1/recipients/?age_max={BIG}", "age_max"),
        (f"/api/v1/recipients/?page_size={BIG}", "page_size"),
        ("/api/v1/recipients/?category=zzz", "category"),
        ("/api/v1/cases/?page=abc", "page"),
        (f"/api/v1/cases/?page={BIG}", "page"),
        ("/api/v1/cases/?page_size=0", "page_size"),
        ("/api/v1/cases/?owner=abc", "owner"),
        (f"/api/v1/cases/?station={BIG}", "station"),
    ],
)
def test_a_malformed_parameter_is_named_in_a_400(api, url, parameter):
    response = api.get(url)
    assert response.status_code == 400, response.content
    assert list(response.json()) == [parameter]


def test_an_unknown_api_path_answers_json(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "没有这个接口" in response.json()["detail"]


def test_options_lists_methods_not_docstrings(api):
    response = api.options("/api/v1/cases/")
    assert response.status_code == 200
    assert response.json() == {"methods": ["GET", "POST", "HEAD"]}


def test_a_post_to_a_path_that_names_nothing_answers_json_not_a_csrf_page(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.head_a)
    response = client.post("/api/v1/cases/-5/accept/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_every_operation_states_its_refusals(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404", "409", "429"):
                assert code in operation["responses"], (method, path, code)


@pytest.mark.parametrize("url", ["/api/v1/service-items/", "/api/v1/appointments/slots/"])
def test_an_unpaginated_list_is_described_as_a_list(api, url):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["paths"][url]["get"]["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["type"] == "array"


@pytest.mark.parametrize("char", ["\x07", "\u202e", "\u200b"])
def test_a_hidden_character_in_a_body_is_refused_naming_the_field(api, char):
    from django.apps import apps

    recipients = apps.get_model("registry", "Recipient").objects
    before = recipients.count()
    response = api.post(
        "/api/v1/recipients/",
        {"name": f"张{char}三", "id_number": "110101199003071234"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert "控制字符" in response.json()["name"][0]
    assert recipients.count() == before


@pytest.mark.parametrize(
    "path", ["/api/v1/service-items/a%0Ab/", "/api/v1/x%0D%0Ay/", "/api/v1/%0A"]
)
def test_a_path_with_a_line_break_answers_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"

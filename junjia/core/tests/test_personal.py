"""Masking identity and phone numbers before anything is shown or logged."""

import pathlib
import runpy

import pytest

from junjia.core import personal


@pytest.mark.parametrize(
    ("typed", "logged"),
    [
        ("110101199003071234", "110101********1234"),
        ("11010119900307123x", "110101********123X"),
        ("张三 110101199003071234", "张三 110101********1234"),
        ("13812345678", "138****5678"),
        ("110101900307123", "110************"),  # a 15-digit number of the old form
        ("6222020200112233445", "622****************"),  # any other long number
        ("071234", "071234"),  # a tail search stays as typed: it names nobody
        ("2026", "2026"),
        ("zs", "zs"),
        ("", ""),
    ],
)
def test_mask_text(typed, logged):
    assert personal.mask_text(typed) == logged


def test_mask_params_masks_free_text_only():
    params = {"q": "13812345678", "region": "320581001001", "sort": "name", "page": 2}
    assert personal.mask_params(params) == {
        "q": "138****5678",
        "region": "320581001001",
        "sort": "name",
        "page": 2,
    }


def test_the_web_access_log_keeps_no_query_string_and_no_referer():
    # Search boxes travel in query strings; gunicorn's atoms: %(U)s is the path alone.
    conf = runpy.run_path(str(pathlib.Path(__file__).parents[3] / "gunicorn.conf.py"))
    fmt = conf["access_log_format"]
    assert "%(U)s" in fmt
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({raw_uri}e)s"):
        assert atom not in fmt


def test_what_a_signed_in_user_receives_is_not_stored(client, personas):
    from django.urls import reverse

    from junjia.orgs.tests.helpers import login_as

    login_as(client, personas.clerk_a)
    for url in (reverse("orgs:home"), reverse("registry:recipient_list"), "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url

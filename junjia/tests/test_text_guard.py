"""Every form of the project refuses hidden characters in its text (core/text.py): a form
built on Django's bare Form or ModelForm would let one through, so none is."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse

import junjia
from junjia.core.text import MESSAGE, GuardedFormMixin

pytestmark = pytest.mark.django_db


def _project_modules():
    for info in pkgutil.walk_packages(junjia.__path__, "junjia."):
        parts = info.name.split(".")
        if {"tests", "migrations", "settings", "management"} & set(parts) or parts[-1] == "wsgi":
            continue
        yield importlib.import_module(info.name)


def _project_forms():
    found = {}
    for module in _project_modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__.startswith("junjia."):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def test_every_form_of_the_project_is_guarded():
    found = _project_forms()
    assert len(found) > 40
    unguarded = sorted(name for name, cls in found.items() if not issubclass(cls, GuardedFormMixin))
    assert unguarded == []


def test_a_page_form_shows_the_refusal_under_the_field(client, personas):
    client.force_login(personas.clerk_a)
    from django.apps import apps

    recipients = apps.get_model("registry", "Recipient").objects
    before = recipients.count()
    response = client.post(
        reverse("registry:recipient_create"),
        {
            "name": "王\u202e五",
            "id_number": "370202197503040011",
            "household_region": "370202001001",
        },
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert recipients.count() == before

"""What the permission walk's route tables share: a real image for upload bodies, and bodies
made from the forms and serializers the routes declare."""

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import BaseFormSet

# A 1×1 PNG that Pillow (and so ImageField) accepts.
_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def png(name: str) -> SimpleUploadedFile:
    """A fresh upload each call: the test client reads a file once."""
    return SimpleUploadedFile(name, _PNG, content_type="image/png")


def xlsx(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def _fields(form) -> dict:
    """A form's or serializer's fields; of a class, the declared ones."""
    if isinstance(form, type):
        declared = getattr(form, "base_fields", None)
        return declared if declared is not None else form().fields
    return form.fields


def fill(form, values: dict) -> dict:
    """`values` checked against `form` (a form or serializer, class or instance): each key is
    one of its fields, and each required field has a value. A renamed field or a new
    required one then fails here, by name, rather than as a refusal of the whole body. (A
    view's own parameters, such as a station picker, are added beside it.)"""
    fields = _fields(form)
    unknown = set(values) - set(fields)
    assert not unknown, f"{_name(form)} has no field {sorted(unknown)}"
    missing = [n for n, f in fields.items() if f.required and n not in values]
    assert not missing, f"{_name(form)} requires {missing}"
    return dict(values)


def posted(form, **changes) -> dict:
    """What a browser posts for `form` (or a formset) as its page draws it — each enabled
    field's shown value, a formset's management form — with `changes` applied (each one a
    field of the form)."""
    if isinstance(form, BaseFormSet):
        data = posted(form.management_form)
        for each in form.forms:
            data.update(posted(each))
        return data | changes
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or _blank(value):
            continue
        data[form.add_prefix(name)] = value
    unknown = set(changes) - {form.add_prefix(n) for n in form.fields}
    assert not unknown, f"{_name(form)} has no field {sorted(unknown)}"
    return data | changes


def _blank(value) -> bool:
    """What a browser leaves out: an empty field, an unticked box (0 is a value)."""
    return value is None or value is False or value in ("", [], ())


def _name(form) -> str:
    return (form if isinstance(form, type) else type(form)).__name__


def shown(actor, url: str, names: tuple[str, ...] = ("form",), **changes) -> dict:
    """The body of the page at `url` as `actor` sees it — what posted() makes of each form
    the page renders (context names `names`) — with `changes` applied, each one a field of
    those forms. Logging in writes: call this while preparing, before any fingerprint."""
    from django.test import Client

    from junjia.orgs.tests.helpers import login_as

    client = Client()
    login_as(client, actor)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data, fields = {}, set()
    for name in names:
        form = response.context[name]
        data |= posted(form)
        for each in form.forms if isinstance(form, BaseFormSet) else [form]:
            fields |= {each.add_prefix(n) for n in each.fields}
    unknown = set(changes) - fields
    assert not unknown, f"{url}: the page's forms have no field {sorted(unknown)}"
    return data | changes

"""The API's request parsers: DRF's own, and a body holding a hidden character (see
`core.text`) anywhere in its text is refused with 400 naming the field — before any view or
serializer sees it, so an endpoint added later is covered from its first line."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from junjia.core.text import MESSAGE, first_hidden


def _check(data) -> None:
    values = dict(data.lists()) if hasattr(data, "lists") else data  # a QueryDict: every value
    field = first_hidden(values)
    if field:
        raise ValidationError({field: [MESSAGE]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check(result.data)  # the text parts; uploaded files are checked by their readers
        return result

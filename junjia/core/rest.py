"""REST helpers shared by every app: error format with Chinese messages, the request body
as a dict, a page form's errors in the API's shape."""

from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.metadata import BaseMetadata
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from junjia.core.errors import DomainError, InvalidInput, WrongState, refusal_status


class ConflictOut(serializers.Serializer):
    """The body of a 409: the object's state does not allow the step now."""

    detail = serializers.CharField()
    status = serializers.CharField(required=False, help_text="当前状态")
    status_label = serializers.CharField(required=False)
    allowed = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="当前可变为的状态"
    )


def refusal_response(exc: DomainError) -> Response:
    """A service's refusal in the API's shape; refusal_status (core.errors) decides the
    status code for the API and the pages alike: not permitted 403; wrong state 409 with the
    current status and the steps allowed now; invalid input 400 under its field (or
    "detail")."""
    message = str(exc)
    code = refusal_status(exc)
    body: dict = {"detail": message}
    if isinstance(exc, WrongState) and exc.status:
        body |= {
            "status": exc.status,
            "status_label": exc.status_label,
            "allowed": [to for to, _ in exc.allowed],
        }
    elif isinstance(exc, InvalidInput) and exc.field:
        body = {exc.field: [message]}
    return Response(body, status=code)


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "您没有执行此操作的权限。"}, status=403)
    if isinstance(exc, DomainError):
        return refusal_response(exc)
    return drf_exception_handler(exc, context)


NOT_AN_OBJECT = "请求内容应为 JSON 对象。"


def request_body(request) -> dict:
    """The request body as a plain dict (JSON, or a form post with one value per key)."""
    data = request.data
    if hasattr(data, "dict"):
        return data.dict()
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [NOT_AN_OBJECT]})
    return dict(data)


def read_input(serializer_class, request, **context) -> dict:
    """The body checked by an input serializer (400 with Chinese messages by field)."""
    incoming = serializer_class(data=request_body(request), context=context)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def form_errors(form) -> dict:
    """A Django form's errors in DRF's shape ({"field": ["消息"]}, non-field errors under
    "non_field_errors")."""
    return {
        ("non_field_errors" if name == "__all__" else name): [e["message"] for e in errs]
        for name, errs in form.errors.get_json_data().items()
    }


class AllowedMethodsMetadata(BaseMetadata):
    """OPTIONS answers which methods an endpoint takes — never the view's docstring (the
    schema at /api/v1/schema/ describes the API)."""

    def determine_metadata(self, request, view):
        return {"methods": [m for m in view.allowed_methods if m != "OPTIONS"]}

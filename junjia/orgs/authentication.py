"""DRF authentication by personal API token (token_services): the same header as DRF's
TokenAuthentication, `Authorization: Token <key>`, which it replaces in settings."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import token_services

TOKEN_MALFORMED = "接口令牌格式不正确。"  # noqa: S105 (messages, not secrets)
TOKEN_INVALID = "接口令牌无效。"  # noqa: S105
TOKEN_EXPIRED = "接口令牌已过期。"  # noqa: S105
TOKEN_REVOKED = "接口令牌已撤销。"  # noqa: S105
ACCOUNT_DISABLED = "账号已停用。"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(TOKEN_MALFORMED) from None
        token = token_services.token_by_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        status = token_services.token_status(token)
        if status == token_services.REVOKED:
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if status == token_services.EXPIRED:
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(ACCOUNT_DISABLED)
        if token_services.holds_admin_role(user):
            raise exceptions.PermissionDenied(token_services.ADMIN_REFUSED)
        token_services.token_touch(token)
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The scheme in the OpenAPI document: as drf-spectacular shows DRF's own token."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=ApiTokenAuthentication.keyword
        )

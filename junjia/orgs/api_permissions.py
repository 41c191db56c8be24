"""DRF permission applied to every API view: the security policy for token callers too.

Session callers already passed SecurityPolicyMiddleware. Token callers arrive anonymous at the
middleware, so the same rules are checked here once DRF has authenticated them.
"""

from rest_framework.permissions import BasePermission

from .authentication import ApiTokenAuthentication
from .middleware import (
    MUST_CHANGE_PASSWORD,
    PASSWORD_EXPIRED,
    needs_second_factor,
    password_expired,
)
from .models import SecurityPolicy
from .token_services import ADMIN_REFUSED

# The authentication class refuses an administrator's token first; kept as a second guard.
ADMIN_TOKEN_REFUSED = ADMIN_REFUSED


class SecurityPolicySatisfied(BasePermission):
    message = "账号未满足安全策略。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not isinstance(request.successful_authenticator, ApiTokenAuthentication):
            return True
        policy = SecurityPolicy.current()
        if needs_second_factor(user):
            self.message = ADMIN_TOKEN_REFUSED
            return False
        if user.must_change_password:
            self.message = MUST_CHANGE_PASSWORD
            return False
        if password_expired(user, policy):
            self.message = PASSWORD_EXPIRED.format(days=policy.max_age_days)
            return False
        return True

"""The security administrator's pages, included at /security/."""

from django.urls import path
from django.views.generic import RedirectView

from junjia.core.navigation import NavItem, register

from .roles import SECURITY_MANAGE
from .views import security

app_name = "security"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="security:policy"), name="index"),
    path("policy/", security.policy, name="policy"),
    path("lockouts/", security.lockouts, name="lockouts"),
    path("lockouts/release/", security.lockout_release, name="lockout_release"),
    path("second-factor/", security.second_factor, name="second_factor"),
    path("second-factor/<int:pk>/reset/", security.second_factor_reset, name="second_factor_reset"),
]

register(
    NavItem(
        group="系统管理",
        label="安全策略",
        url_name="security:policy",
        capability=SECURITY_MANAGE,
        order=85,
    ),
    NavItem(
        group="系统管理",
        label="账号锁定",
        url_name="security:lockouts",
        capability=SECURITY_MANAGE,
        order=86,
    ),
    NavItem(
        group="系统管理",
        label="二次验证",
        url_name="security:second_factor",
        capability=SECURITY_MANAGE,
        order=87,
    ),
)

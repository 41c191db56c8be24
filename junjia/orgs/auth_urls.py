"""Log-in, log-out, password change and second factor; included at /accounts/ without a
namespace (Django's LOGIN_URL and templates use these names)."""

from django.urls import path

from .views import auth, tokens

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password/", auth.password_change, name="password_change"),
    path("otp/setup/", auth.otp_setup, name="otp_setup"),
    path("otp/verify/", auth.otp_verify, name="otp_verify"),
    path("tokens/", tokens.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]

"""Forms for log-in, password change, the second factor and the security policy. They check
shape only; the policy itself is checked by the services (auth_services)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from junjia.core.text import GuardedForm, GuardedFormMixin, GuardedModelForm

from .models import SecurityPolicy

LOGIN_FAILED = "用户名或密码错误。"
OLD_PASSWORD_WRONG = "原密码不正确。"  # noqa: S105 (a message, not a password)
PASSWORDS_DIFFER = "两次输入的新密码不一致。"
TOKEN_SHAPE = "请输入 6 位数字动态口令。"  # noqa: S105


class LoginForm(GuardedFormMixin, AuthenticationForm):
    """Django's form (it passes `request` to authenticate, which django-axes needs), with
    one generic message for a wrong name, a wrong password and a disabled account."""

    error_messages = {"invalid_login": LOGIN_FAILED, "inactive": LOGIN_FAILED}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"


class PasswordChangeForm(GuardedForm):
    old_password = forms.CharField(
        label="原密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError(OLD_PASSWORD_WRONG, code="password_incorrect")
        return old

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error(
                "new_password2", forms.ValidationError(PASSWORDS_DIFFER, code="mismatch")
            )
        return data


class TokenForm(GuardedForm):
    token = forms.CharField(
        label="动态口令",
        max_length=12,
        error_messages={"required": TOKEN_SHAPE, "max_length": TOKEN_SHAPE},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
            }
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())  # "123 456" as some apps show it
        if len(token) != 6 or not token.isascii() or not token.isdigit():
            raise forms.ValidationError(TOKEN_SHAPE, code="invalid")
        return token


class SecurityPolicyForm(GuardedModelForm):
    """Ranges come from the model's validators."""

    class Meta:
        model = SecurityPolicy
        fields = [
            "min_length",
            "min_classes",
            "max_age_days",
            "history_count",
            "lockout_failures",
            "lockout_minutes",
            "idle_minutes",
        ]


class ApiTokenForm(GuardedForm):
    """Shape only; the expiry limits are token_services' rules."""

    name = forms.CharField(label="用途", max_length=60, help_text="例如：对接某某系统")
    expires_on = forms.DateField(
        label="有效期至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写有效期。", "invalid": "请输入正确的日期。"},
    )

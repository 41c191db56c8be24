"""Password validators driven by the one SecurityPolicy (GB/T 22239-2019 §8.1.4.1)."""

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from .models import SecurityPolicy


def _classes(password: str) -> int:
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class PolicyLengthValidator:
    def validate(self, password, user=None):
        minimum = SecurityPolicy.current().min_length
        if len(password) < minimum:
            raise ValidationError(f"密码至少需要 {minimum} 个字符。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少需要 {SecurityPolicy.current().min_length} 个字符。"


class CharacterClassesValidator:
    def validate(self, password, user=None):
        needed = SecurityPolicy.current().min_classes
        if _classes(password) < needed:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的 {needed} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        needed = SecurityPolicy.current().min_classes
        return f"须至少包含大写字母、小写字母、数字、符号中的 {needed} 类。"


class PasswordHistoryValidator:
    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        count = SecurityPolicy.current().history_count
        if count == 0:
            return
        previous = [user.password] if user.password else []
        previous += list(user.password_history.values_list("password", flat=True)[: count - 1])
        if any(check_password(password, encoded) for encoded in previous):
            raise ValidationError(
                f"不能重复使用最近 {count} 次用过的密码。", code="password_reused"
            )

    def get_help_text(self):
        return f"不能重复使用最近 {SecurityPolicy.current().history_count} 次用过的密码。"

"""Password validators driven by the one SecurityPolicy (GB/T 22239-2019 §8.1.4.1)."""

from django.conf import settings
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


# Common words of Chinese users (pinyin and keyboard runs) that Django's English list lacks.
PINYIN_WORDS = frozenset(
    {
        "woaini",
        "woaiwojia",
        "aini",
        "nihao",
        "mima",
        "mimamima",
        "admin",
        "administrator",
        "guanli",
        "guanliyuan",
        "xitong",
        "anquan",
        "shenji",
        "qwerty",
        "qwert",
        "qwer",
        "asdf",
        "asdfgh",
        "zxcvbn",
        "qazwsx",
        "abcd",
        "abcdef",
        "zhangsan",
        "lisi",
        "wangwu",
        "zhaoliu",
        "xiaoming",
        "baobei",
        "laopo",
        "laogong",
        "zhongguo",
        "beijing",
        "shanghai",
        "junjia",
        "junren",
        "tuiyi",
        "bayi",
    }
)
# Look-alike characters people put in place of letters (P@ssw0rd).
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "$": "s", "5": "s", "3": "e", "7": "t"})


def _words(password: str) -> set[str]:
    """The word a password is built around, read the ways people disguise it: with the
    digits and symbols before and after it cut off, look-alikes turned back into letters
    (1 read as l and as i), and anything left that is not a letter dropped."""
    core = password.strip("0123456789!@#$%^&*()-_=+.,;:?/\\|~`'\"[]{}<> ").lower() or password
    found = set()
    for one in ("l", "i"):
        plain = core.translate(_LEET).replace("1", one).replace("!", one)
        found.add("".join(c for c in plain if c.isalpha()))
    found.add("".join(c for c in password.lower() if c.isalpha()))
    return {word for word in found if word}


class CommonWordValidator:
    """Refuses a common word dressed up with digits and symbols ("Password123!",
    "P@ssw0rd2024", "Zhangsan@2024"), which the character-class rule lets through."""

    def __init__(self):
        from django.contrib.auth.password_validation import CommonPasswordValidator

        self.common = CommonPasswordValidator().passwords
        self.words = self.common | PINYIN_WORDS

    def validate(self, password, user=None):
        if password.lower().strip() in self.common:
            return  # Django's CommonPasswordValidator says so already
        if _words(password) & self.words:
            raise ValidationError(
                "密码不能由常见单词、拼音或键盘顺序加数字、符号组成，请换一个不易猜到的密码。",
                code="password_common_word",
            )

    def get_help_text(self):
        return "不能由常见单词、拼音或键盘顺序加数字、符号组成（如 Password123!）。"


class MaximumLengthValidator:
    def validate(self, password, user=None):
        maximum = settings.JUNJIA_PASSWORD_MAX_LENGTH
        if len(password) > maximum:
            raise ValidationError(f"密码不能超过 {maximum} 个字符。", code="password_too_long")

    def get_help_text(self):
        return f"密码不能超过 {settings.JUNJIA_PASSWORD_MAX_LENGTH} 个字符。"

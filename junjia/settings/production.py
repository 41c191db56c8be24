"""Production mode: PostgreSQL, RQ on Redis, every secret from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL
from .env import env_bool, env_int, env_str
from .secrets import crypto_settings

# Values that must never reach production; refusing them names the variable to set.
KNOWN_DEFAULTS = {"", "change-me", "changeme", "secret", "django-insecure"}


def _require(name: str, value: str | None) -> str:
    if value is None or value.strip() in KNOWN_DEFAULTS or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"生产模式拒绝启动：请设置环境变量 {name}（不能为空或默认值）。")
    return value


SECRET_KEY = _require("SECRET_KEY", env_str("SECRET_KEY"))
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产模式拒绝启动：SECRET_KEY 至少需要 50 个字符。")
# Django's own rule (security.W009): a long key of few distinct characters is not random.
if len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("生产模式拒绝启动：SECRET_KEY 至少需要 5 种不同的字符。")
_require("DATABASE_URL", env_str("DATABASE_URL"))
if not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        "生产模式拒绝启动：DATABASE_URL 须指向 PostgreSQL（嵌入式 SQLite 请用默认模式）。"
    )

JUNJIA_CRYPTO = crypto_settings(None)
if not JUNJIA_CRYPTO["KEYS"]:
    _require("JUNJIA_ENCRYPTION_KEYS", None)
_require("JUNJIA_ENCRYPTION_CURRENT_KEY", JUNJIA_CRYPTO["CURRENT_KEY"])
_require("JUNJIA_MAC_KEY", JUNJIA_CRYPTO["MAC_KEY"])

DEBUG = False
TASKS = {
    "default": {
        "BACKEND": "django_tasks_rq.RQBackend",
        "QUEUES": ["default"],
    }
}
INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
# `manage.py rqworker default` must run jobs with django-tasks-rq's job class; RQ's plain one
# fails every task ("'Task' object is not callable").
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}

# HTTPS behind the site's reverse proxy. Offline networks that terminate TLS elsewhere set
# SECURE_SSL_REDIRECT=false explicitly; the default is the safe one.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Audit rows record the person's address. Behind the reverse proxy REMOTE_ADDR is the proxy;
# set true only when the proxy overwrites X-Forwarded-For with the client's address.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

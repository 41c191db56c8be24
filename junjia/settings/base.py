"""Settings shared by every mode; mode files override what differs."""

from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("JUNJIA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "template_partials",
    "csp",
    "junjia.core",
    "junjia.orgs",
    "junjia.registry",
    "junjia.staffing",
    "junjia.cases",
    "junjia.visits",
    "junjia.assessment",
    "junjia.petitions",
    "junjia.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "junjia.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "junjia.orgs.middleware.SecurityPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "junjia.core.middleware.NoStoreForStaffMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "junjia.urls"
WSGI_APPLICATION = "junjia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "junjia" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "junjia.orgs.context_processors.shell",
            ],
            "builtins": [
                "template_partials.templatetags.partials",
                "junjia.core.templatetags.deadlines",
            ],
        },
    },
]


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL and apply the engine-specific options this project relies on."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # concurrent writers queue on busy_timeout instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=30000;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        if env_bool("DATABASE_POOL", True):
            # Django's built-in psycopg pool: one pool per worker process.
            options["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN", 1),
                "max_size": env_int("DATABASE_POOL_MAX", 8),
                "timeout": 10,
            }
            config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'junjia.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The numbers live in orgs.SecurityPolicy (edited by the security administrator); these
# validators read it, so there is one place to change the policy.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "junjia.orgs.passwords.PolicyLengthValidator"},
    {"NAME": "junjia.orgs.passwords.CharacterClassesValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "junjia.orgs.passwords.PasswordHistoryValidator"},
    {"NAME": "junjia.orgs.passwords.CommonWordValidator"},
    {"NAME": "junjia.orgs.passwords.MaximumLengthValidator"},
]
# The longest password accepted: hashing has a cost, and no one types more.
JUNJIA_PASSWORD_MAX_LENGTH = env_int("JUNJIA_PASSWORD_MAX_LENGTH", 128)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Lock-out after repeated failures (GB/T 22239-2019 8.1.4.1 c); limits are in SecurityPolicy.
AXES_FAILURE_LIMIT = "junjia.orgs.security.axes_failure_limit"
AXES_COOLOFF_TIME = "junjia.orgs.security.axes_cooloff_time"
# Per account, not per address: a township office shares one address behind NAT, and locking
# it would lock every clerk there. Rotating addresses does not help an attacker either way.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Exactly the policy's minutes from the last counted failure, not restarted by every attempt.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
OTP_TOTP_ISSUER = "军之家"
AXES_LOCKOUT_CALLABLE = "junjia.orgs.security.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Sessions one account may hold at once; a log-in past the limit ends the oldest
# (orgs.auth_services.session_start). Administrators (三员) hold one by default.
JUNJIA_MAX_SESSIONS = env_int("JUNJIA_MAX_SESSIONS", 3)
JUNJIA_MAX_ADMIN_SESSIONS = env_int("JUNJIA_MAX_ADMIN_SESSIONS", 1)
# Personal API tokens expire at most this many days after they are created (orgs.token_services).
JUNJIA_API_TOKEN_MAX_DAYS = env_int("JUNJIA_API_TOKEN_MAX_DAYS", 365)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
# A refused form gets a plain Chinese page; the public pages show the form again, filled in.
CSRF_FAILURE_VIEW = "junjia.core.views.csrf.csrf_failure"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "junjia" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/signature_pad", BASE_DIR / "node_modules" / "signature_pad" / "dist"),
    ("vendor/idb-keyval", BASE_DIR / "node_modules" / "idb-keyval" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so a refused token answers 401 with its WWW-Authenticate header (DRF asks
        # the first class for it); a request without the header falls through to the session.
        "junjia.orgs.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "junjia.orgs.api_permissions.SecurityPolicySatisfied",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, refusing hidden characters in any text of the body (core/text.py).
    "DEFAULT_PARSER_CLASSES": [
        "junjia.core.parsers.JSONParser",
        "junjia.core.parsers.FormParser",
        "junjia.core.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "junjia.core.rest.exception_handler",
    # OPTIONS answers the allowed methods only, never the views' docstrings.
    "DEFAULT_METADATA_CLASS": "junjia.core.rest.AllowedMethodsMetadata",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "军之家 Junjia API",
    "DESCRIPTION": (
        "退役军人服务中心（站）平台接口。所有数据按调用者辖区限定，个人信息访问记入审计日志。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "junjia.core.api_schema.add_refusals",
    ],
}

# Content security policy: everything from our own origin; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# One cache shared by every worker process: the public pages' rate limits count there
# (junjia/core/ratelimit.py). `manage.py createcachetable` creates the table; production
# overrides this with Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "junjia_cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}

# Background tasks (django-tasks). Embedded: database backend; production: RQ on Redis.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        }
    },
    "filters": {"request": {"()": "junjia.core.logging.RequestContextFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

JUNJIA_CRYPTO: dict = {}
JUNJIA_DEMO_ACCOUNTS_FILE = VAR_DIR / "demo-accounts.csv"
# `manage.py backup` writes here (docs/operations.md §9). The keys are never in a backup: keep
# them, and a copy of this directory, on other media.
JUNJIA_BACKUP_DIR = Path(env_str("JUNJIA_BACKUP_DIR", str(VAR_DIR / "backups")))
# The directory holding pg_dump and pg_restore; empty: looked up on PATH.
JUNJIA_PG_BIN_DIR = env_str("JUNJIA_PG_BIN_DIR", "")
# Recipient files are reviewed up to this level: 3 county (default), 2 city, 1 province.
JUNJIA_REGISTRY_TOP_REVIEW_LEVEL = env_int("JUNJIA_REGISTRY_TOP_REVIEW_LEVEL", 3)
# Links sent to the public (rating QR codes, SMS) start with this address.
JUNJIA_PUBLIC_BASE_URL = env_str("JUNJIA_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Closing time for 延时服务 (000 §7): a case finished after it is marked as delay service.
JUNJIA_CLOSING_TIME = env_str("JUNJIA_CLOSING_TIME", "17:30")
# Open (booked, not yet due) appointments one identity number, and one phone number, may hold.
JUNJIA_BOOKING_MAX_OPEN_PER_PERSON = env_int("JUNJIA_BOOKING_MAX_OPEN_PER_PERSON", 3)
JUNJIA_SMS_BACKEND = env_str("JUNJIA_SMS_BACKEND", "junjia.core.sms.ConsoleBackend")

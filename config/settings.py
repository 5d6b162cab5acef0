"""Foundry settings: one module, driven by environment variables.

Every variable is documented in docs/configuration.md. With no variables set the
platform runs embedded: SQLite, local-memory cache, Celery eager, local-disk media,
console email, offline payments. Setting DATABASE_URL, REDIS_URL, AWS_STORAGE_BUCKET_NAME,
EMAIL_PROVIDER and the Stripe keys switches to the real parts; nothing else changes.
"""

import contextlib
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env file is read when present (never committed); real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. Set it to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set "
            "DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-dev-only-key-never-used-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if not DEBUG else ["*"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
FOUNDRY_VERSION = "0.1.0"
GIT_SHA = env.str("GIT_SHA", default="")
FRONTEND_URL = env.str("FRONTEND_URL", default="http://localhost:3000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.FoundryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "corsheaders",
    "guardian",
    "anymail",
    "storages",
    "nested_admin",
    "axes",
    "csp",
    "apps.core",
    "apps.accounts",
    "apps.notifications",
    "apps.cms",
    "apps.catalog",
    "apps.inventory",
    "apps.orders",
    "apps.tracking",
    "apps.jobs",
    "apps.rfq",
    "apps.leads",
    "apps.search",
    "apps.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # leaves a response that carries its own CSP alone
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "apps.core.middleware.ApiRequestGuardMiddleware",
    "apps.core.memo.RequestScopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's IP, user agent and id for the activity log (apps.core.context).
    "apps.core.context.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out admin sign-in into the lockout page (apps.accounts.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# PostgreSQL: every query binds its parameters on the server and is prepared (planned once per
# connection) from its fifth run, or none is (Django's client-side binding). Off behind a pooler
# that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = DATABASE_PREPARED_STATEMENTS
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5 if DATABASE_PREPARED_STATEMENTS else None
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # SQLite: wait for a writer instead of failing at once; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "apps.core.cache_backends.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="foundry"),
            # One pool per process (apps.core.cache_backends), bounded: a burst of requests waits
            # up to 2 s for a free connection instead of opening one each (or failing past
            # redis-py's default cap of 100).
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                "pool_class": "redis.BlockingConnectionPool",
                "max_connections": env.int("REDIS_CACHE_MAX_CONNECTIONS", default=50),
                "timeout": 2,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "apps.accounts.lockout.AdminLoginLockoutBackend",  # first: refuses locked-out admin sign-ins
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous callers get nothing.
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=300)
# A list's total (the page envelope's ``count``) is exact up to LIST_COUNT_CACHE_MIN_ROWS rows;
# above, it is counted at most once per LIST_COUNT_CACHE_SECONDS per query (counting 100,000
# wide rows costs more than the rest of a page). 0 seconds: always exact.
LIST_COUNT_CACHE_SECONDS = env.int("LIST_COUNT_CACHE_SECONDS", default=10)
LIST_COUNT_CACHE_MIN_ROWS = env.int("LIST_COUNT_CACHE_MIN_ROWS", default=10_000)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 3)

# The admin's sign-in lockout (django-axes; docs/security.md). After ADMIN_LOGIN_FAILURE_LIMIT
# failures in a row, the account (from any address) and the address (for any account) are locked
# for ADMIN_LOGIN_COOLOFF_MINUTES (0: until an admin unlocks them in the admin). The API login is
# not concerned (its own THROTTLE_LOGIN_* limits). Client addresses are read as the API throttles
# read them (NUM_PROXIES).
AXES_ENABLED = env.bool("ADMIN_LOGIN_LOCKOUT", default=True)
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
_admin_login_cooloff = env.int("ADMIN_LOGIN_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=_admin_login_cooloff) if _admin_login_cooloff else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_ONLY_ADMIN_SITE = True
AXES_WHITELIST_CALLABLE = "apps.accounts.lockout.is_not_admin_login"
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (the email)
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Refuses refresh tokens issued before the user's last password change (apps.accounts.tokens).
    "TOKEN_REFRESH_SERIALIZER": "apps.accounts.rest_api.v1.serializers.TokenRefreshSerializer",
}

# --- DRF, API docs, errors ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.CachedJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["apps.core.renderers.JSONRenderer"],
    # The API takes JSON (depth, size, NUL and surrogate limits: apps.core.parsers), typed as
    # its schema says; only the upload endpoints take multipart, and say so themselves.
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "apps.core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": env.str("THROTTLE_LOGIN_IP", default="20/min"),
        "login_email": env.str("THROTTLE_LOGIN_EMAIL", default="5/min"),
        "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="10/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
        "register_ip": env.str("THROTTLE_REGISTER_IP", default="20/hour"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # No ``?format=``: the Accept header chooses (JSON, or CSV for the exports).
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "apps.core.exceptions.FoundryExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "409",
        "413",
        "415",
        "422",
        "429",
        "503",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Foundry API",
    "DESCRIPTION": "The Foundry REST API v1. Errors use the drf-standardized-errors envelope; "
    "lists use the page envelope; authenticate with `Authorization: Bearer <access JWT>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["apps.core.openapi.drop_trailing_slash_duplicates"],
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "apps.core.openapi.document_error_envelope",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "NewsArticleStatusEnum": "apps.cms.models.NewsArticle.Status",
        "OrderStatusEnum": "apps.orders.models.Order.Status",
        "PaymentStatusEnum": "apps.orders.models.Payment.Status",
        "RefundStatusEnum": "apps.orders.models.Refund.Status",
        "MediaFileStatusEnum": "apps.cms.models.MediaFile.Status",
        "ShipmentStatusEnum": "apps.tracking.models.Shipment.Status",
        "JobStatusEnum": "apps.jobs.models.Job.Status",
    },
}

# Request size limits (bytes). Larger API bodies answer 413 with the error envelope.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_MAX_UPLOAD_BYTES = env.int("API_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
# JSON bodies nested deeper than this (arrays and objects) answer 400 parse_error.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=64)

# Media library uploads: size limit, allowed types (sniffed from content; only passive types
# can be allowed, apps/cms/uploads.py PASSIVE_TYPES, docs/media.md), image pixel limit, and how
# long a private file's signed URL works (local disk and S3 alike).
MEDIA_MAX_UPLOAD_BYTES = env.int("MEDIA_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
MEDIA_ALLOWED_TYPES = env.list(
    "MEDIA_ALLOWED_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "video/mp4",
        "video/webm",
        "model/gltf-binary",
        "application/zip",
        "text/csv",
        "text/plain",
    ],
)
MEDIA_MAX_IMAGE_PIXELS = env.int("MEDIA_MAX_IMAGE_PIXELS", default=50_000_000)
MEDIA_PRIVATE_URL_SECONDS = env.int("MEDIA_PRIVATE_URL_SECONDS", default=300)

# --- CORS -----------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["Retry-After", "Idempotent-Replayed"]
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-requested-with",
    "idempotency-key",
    "x-cart-token",
)

# --- Security (HTTPS behind a proxy is configurable) ---------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/?$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])

# Content-Security-Policy (django-csp; docs/security.md) on every response that does not set its
# own (the media view sets a stricter one): scripts from this origin only (no inline script, no
# eval), nothing framed. Inline styles are allowed: admin pages (thumbnails, email previews) and
# Swagger UI's page use style attributes and blocks. Images and media may also come from
# CSP_MEDIA_ORIGINS (by default the S3 origin when media live on S3); CSP_REPORT_URI receives
# the browsers' violation reports. (No CSP_* setting names: django-csp 4 refuses its old ones.)
_s3_domain = env.str("AWS_S3_CUSTOM_DOMAIN", default="")
_s3_endpoint = env.str("AWS_S3_ENDPOINT_URL", default="")
_csp_media_origins = env.list(
    "CSP_MEDIA_ORIGINS",
    default=(
        [f"https://{_s3_domain}"]
        if _s3_domain
        else ["/".join(_s3_endpoint.split("/")[:3])]
        if _s3_endpoint
        else ["https://*.amazonaws.com"]
        if env.str("AWS_STORAGE_BUCKET_NAME", default="")
        else []
    ),
)
_csp_report_uri = env.str("CSP_REPORT_URI", default="")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_csp_media_origins],
        "media-src": ["'self'", *_csp_media_origins],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [_csp_report_uri]} if _csp_report_uri else {}),
    },
}

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The initial default currency of the site settings (staff change it later in the admin/API).
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="USD")

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
with contextlib.suppress(OSError):  # WhiteNoise warns when STATIC_ROOT does not exist yet.
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        # django-storages' S3Storage whose objects carry a safe Content-Type/-Disposition.
        "BACKEND": "apps.cms.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "default_acl": None,
            "file_overwrite": False,
            "signature_version": "s3v4",
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
# EMAIL_PROVIDER: console (default) | smtp | file | resend | mailgun | postmark | sendgrid
# | amazon_ses | brevo. Anymail providers take EMAIL_API_KEY.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="console").lower()
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Foundry <no-reply@foundry.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_ANYMAIL_BACKENDS = {
    "resend": ("anymail.backends.resend.EmailBackend", "RESEND_API_KEY"),
    "mailgun": ("anymail.backends.mailgun.EmailBackend", "MAILGUN_API_KEY"),
    "postmark": ("anymail.backends.postmark.EmailBackend", "POSTMARK_SERVER_TOKEN"),
    "sendgrid": ("anymail.backends.sendgrid.EmailBackend", "SENDGRID_API_KEY"),
    "brevo": ("anymail.backends.brevo.EmailBackend", "BREVO_API_KEY"),
    "amazon_ses": ("anymail.backends.amazon_ses.EmailBackend", None),
}
ANYMAIL = {}
if EMAIL_PROVIDER == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_PROVIDER == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
elif EMAIL_PROVIDER == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_TIMEOUT = 10
elif EMAIL_PROVIDER in _ANYMAIL_BACKENDS:
    EMAIL_BACKEND, _key_setting = _ANYMAIL_BACKENDS[EMAIL_PROVIDER]
    if _key_setting:
        ANYMAIL[_key_setting] = env.str("EMAIL_API_KEY")
    ANYMAIL["WEBHOOK_SECRET"] = env.str("ANYMAIL_WEBHOOK_SECRET", default="") or None
    _api_url = env.str("EMAIL_API_URL", default="")
    if _api_url:  # for a regional endpoint, or a local fake in tests
        ANYMAIL[f"{EMAIL_PROVIDER.upper()}_API_URL"] = _api_url
else:
    raise ImproperlyConfigured(
        f"EMAIL_PROVIDER={EMAIL_PROVIDER!r} is not one of console, file, smtp, "
        + ", ".join(sorted(_ANYMAIL_BACKENDS))
    )

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="foundry")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Payments -------------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")  # e.g. a local Stripe server in tests
PAYSTACK_SECRET_KEY = env.str("PAYSTACK_SECRET_KEY", default="")
PAYSTACK_API_BASE = env.str("PAYSTACK_API_BASE", default="https://api.paystack.co")
# Which provider takes which currency: "CUR:provider" pairs, "*" for the rest.
PAYMENT_PROVIDERS = dict(
    pair.strip().upper().split(":", 1)
    for pair in env.str("PAYMENT_PROVIDERS", default="NGN:paystack,*:stripe").split(",")
    if ":" in pair
)
PAYMENT_PROVIDERS = {currency: provider.lower() for currency, provider in PAYMENT_PROVIDERS.items()}
# A currency is paid through its provider when that provider has a key (apps.orders.payments).
# Development (DEBUG): a currency whose provider has no key falls back to the built-in offline
# provider (Stripe's PaymentIntent flow, completed by a signed webhook), with a system check
# warning at start; PAYMENTS_OFFLINE (default: on in development without any key) uses it for
# every currency. Production: no fallback; checkout in such a currency answers 503
# payments_unavailable, and the platform runs (catalog, leads, CMS) even with no payment key at
# all. GET /api/v1/health lists what can be paid.
PAYMENTS_OFFLINE = env.bool(
    "PAYMENTS_OFFLINE", default=DEBUG and not (STRIPE_SECRET_KEY or PAYSTACK_SECRET_KEY)
)
PAYMENTS_OFFLINE_FALLBACK = DEBUG  # decided at start (tests run with DEBUG forced off)
if PAYMENTS_OFFLINE and not DEBUG:
    raise ImproperlyConfigured(
        "PAYMENTS_OFFLINE=true is for development (DJANGO_DEBUG=true) only: the offline provider "
        "takes no money. Unset it; set STRIPE_SECRET_KEY and/or PAYSTACK_SECRET_KEY (and their "
        "webhook secrets) to take payments, or leave them unset to run without taking payments."
    )
if DEBUG and not STRIPE_WEBHOOK_SECRET:
    # The offline provider's payments complete through the Stripe webhook, signed with this.
    STRIPE_WEBHOOK_SECRET = "whsec_offline_development"  # noqa: S105 (DEBUG only)


def _per_currency(name: str, default: str) -> dict:
    """``USD:15,NGN:5000`` → {"USD": Decimal("15"), "NGN": Decimal("5000")}."""
    values = {}
    for pair in env.str(name, default=default).split(","):
        if pair.strip():
            code, _, amount = pair.partition(":")
            try:
                values[code.strip().upper()] = Decimal(amount.strip())
            except InvalidOperation as exc:
                raise ImproperlyConfigured(f"{name}: {pair!r} is not CURRENCY:AMOUNT") from exc
    return values


# --- Orders ---------------------------------------------------------------------------------
PAYMENT_RECONCILIATION_DAYS = env.int("PAYMENT_RECONCILIATION_DAYS", default=3)
ORDER_SHIPPING_FLAT = _per_currency("ORDER_SHIPPING_FLAT", "USD:15,NGN:5000")
ORDER_FREE_SHIPPING_OVER = _per_currency("ORDER_FREE_SHIPPING_OVER", "USD:500,NGN:500000")
ORDER_TAX_RATES = _per_currency("ORDER_TAX_RATES", "NGN:7.5")
ORDER_RESERVATION_MINUTES = env.int("ORDER_RESERVATION_MINUTES", default=30)
ORDER_RETURN_WINDOW_DAYS = env.int("ORDER_RETURN_WINDOW_DAYS", default=30)
ORDER_NUMBER_PREFIX = env.str("ORDER_NUMBER_PREFIX", default="FD")
CART_TTL_DAYS = env.int("CART_TTL_DAYS", default=14)

# --- Idempotency ----------------------------------------------------------------------------
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# --- Demo -----------------------------------------------------------------------------------
# The benchmark's ceiling view (/bench/ceiling) is routed only when this is on: tests/bench sets
# it for its own servers; a deployment never should.
BENCH_CEILING_ROUTE = env.bool("BENCH_CEILING_ROUTE", default=False)
DEMO_ADMIN_EMAIL = env.str("DEMO_ADMIN_EMAIL", default="admin@foundry.local")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="foundry-demo-2026")

# --- rfq ------------------------------------------------------------------------------------
RFQ_NUMBER_PREFIX = env.str("RFQ_NUMBER_PREFIX", default="RFQ")
RFQ_THROTTLE_BURST = env.str("RFQ_THROTTLE_BURST", default="5/min")  # per IP; empty: off
RFQ_THROTTLE_DAILY = env.str("RFQ_THROTTLE_DAILY", default="50/day")  # per IP; empty: off
RFQ_MAX_ITEMS = env.int("RFQ_MAX_ITEMS", default=50)
RFQ_MAX_SPECIFICATIONS_BYTES = env.int("RFQ_MAX_SPECIFICATIONS_BYTES", default=20_000)
RFQ_QUOTE_VALID_DAYS = env.int("RFQ_QUOTE_VALID_DAYS", default=30)
# The order placed from an accepted quote holds its stock unpaid until the end of the quote's
# valid_until day, but at most this many days (then the unpaid-order expiry job cancels it).
RFQ_ACCEPTED_ORDER_HOLD_DAYS = env.int("RFQ_ACCEPTED_ORDER_HOLD_DAYS", default=7)
# The customer's accept/decline page ({id}, {token}) and the staff page of an RFQ ({id}, {number}).
RFQ_QUOTE_URL = env.str("RFQ_QUOTE_URL", default=f"{FRONTEND_URL}/quotes/{{id}}?token={{token}}")
RFQ_STAFF_URL = env.str("RFQ_STAFF_URL", default="http://localhost:8000/admin/rfq/rfq/{id}/change/")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {"RFQStatusEnum": "apps.rfq.models.RFQ.Status", "QuoteStatusEnum": "apps.rfq.models.Quote.Status"}
)

# --- leads ----------------------------------------------------------------------------------
# Public POST /inquiries, per client IP ("N/period"; empty turns that limit off).
LEADS_INQUIRY_THROTTLE_MINUTE = env.str("LEADS_INQUIRY_THROTTLE_MINUTE", default="5/min")
LEADS_INQUIRY_THROTTLE_DAY = env.str("LEADS_INQUIRY_THROTTLE_DAY", default="50/day")

# --- Reports --------------------------------------------------------------------------------
# Async reports (POST /api/v1/reports): how long files are kept, how long a download URL
# lives, attempts before a report is failed, silence before a running report is re-queued, the
# worker's time limit per report, where the worker writes before storing, and the frontend page
# the "report ready" email links to ({id}).
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
REPORT_URL_SECONDS = env.int("REPORT_URL_SECONDS", default=600)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=3)
REPORT_STALE_MINUTES = env.int("REPORT_STALE_MINUTES", default=15)
REPORT_TIME_LIMIT_SECONDS = env.int("REPORT_TIME_LIMIT_SECONDS", default=3600)
REPORTS_TMP_DIR = env.str("REPORTS_TMP_DIR", default="")
# Where report files go without S3 (never under MEDIA_ROOT: they are handed out by signed links).
REPORTS_ROOT = env.str("REPORTS_ROOT", default=str(BASE_DIR / "var" / "reports"))
# Analytics: raw frontend events are kept this long (their days live on in the daily
# snapshot); the public POST /api/v1/analytics/events per client IP ("N/period"; empty: off).
ANALYTICS_EVENT_RETENTION_DAYS = env.int("ANALYTICS_EVENT_RETENTION_DAYS", default=90)
ANALYTICS_THROTTLE_RATE = env.str("ANALYTICS_THROTTLE_RATE", default="120/min")
# The dashboards' figures (past days from the snapshot, today's live) are computed at most once
# per this many seconds; a new snapshot shows at once. 0: on every request.
ANALYTICS_CACHE_SECONDS = env.int("ANALYTICS_CACHE_SECONDS", default=60)
REPORTS_PAGE_URL = env.str("REPORTS_PAGE_URL", default=f"{FRONTEND_URL}/reports/{{id}}")

# --- Tracking ---------------------------------------------------------------------------------
# The public lookup by tracking code (GET /api/v1/track/{code}), per client IP; empty: off.
TRACKING_THROTTLE_RATE = env.str("TRACKING_THROTTLE_RATE", default="60/min")
# The public lookup's answer is cached until the shipment's next event (which drops it), at
# most this long; 0: no cache.
TRACKING_PUBLIC_CACHE_SECONDS = env.int("TRACKING_PUBLIC_CACHE_SECONDS", default=300)
# The live stream (GET /api/v1/track/{code}/stream, served by the ASGI app): how often it polls
# the database when Redis is not configured, its keep-alive comment, and its longest life.
TRACKING_STREAM_POLL_SECONDS = env.float("TRACKING_STREAM_POLL_SECONDS", default=2.0)
TRACKING_STREAM_HEARTBEAT_SECONDS = env.float("TRACKING_STREAM_HEARTBEAT_SECONDS", default=15.0)
TRACKING_STREAM_MAX_SECONDS = env.float("TRACKING_STREAM_MAX_SECONDS", default=3600.0)
# Service jobs: how far (km) from a job's site a resource may be to be offered it, and how
# long a provider has to answer an offer before it goes to the next candidate.
JOB_MATCH_RADIUS_KM = env.float("JOB_MATCH_RADIUS_KM", default=150.0)
JOB_OFFER_TTL_HOURS = env.float("JOB_OFFER_TTL_HOURS", default=24.0)
# The provider app's page of a job ({id}), linked from job emails.
JOB_PROVIDER_URL = env.str("JOB_PROVIDER_URL", default="http://localhost:3000/provider/jobs/{id}")
# The staff page of a job ({id}), linked from the "no provider available" alert.
JOB_STAFF_URL = env.str("JOB_STAFF_URL", default="http://localhost:8000/admin/jobs/job/{id}/change/")
# New public inquiries go round-robin to the active sales users.
LEADS_AUTO_ASSIGN = env.bool("LEADS_AUTO_ASSIGN", default=False)
# An inquiry still `new` this many hours after it arrived: its assignee (else the sales role) is
# reminded once (beat, hourly).
LEADS_STALE_HOURS = env.int("LEADS_STALE_HOURS", default=24)
# The staff page of an inquiry ({id}), linked from the sales alert email.
LEADS_STAFF_URL = env.str("LEADS_STAFF_URL", default="http://localhost:8000/admin/leads/inquiry/{id}/change/")
# Open inquiries rescored per batch (one transaction each) after a scoring rule changes.
LEADS_RESCORE_BATCH_SIZE = env.int("LEADS_RESCORE_BATCH_SIZE", default=1000)
# Contact import (CSV): file size and row limits; above SYNC_MAX_ROWS it runs as a background job.
LEADS_IMPORT_MAX_BYTES = env.int("LEADS_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
LEADS_IMPORT_MAX_ROWS = env.int("LEADS_IMPORT_MAX_ROWS", default=50_000)
LEADS_IMPORT_SYNC_MAX_ROWS = env.int("LEADS_IMPORT_SYNC_MAX_ROWS", default=5_000)
LEADS_IMPORT_TASK_TIME_LIMIT = env.int("LEADS_IMPORT_TASK_TIME_LIMIT", default=30 * 60)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "InquiryStatusEnum": "apps.leads.models.Inquiry.Status",
        "InquiryTypeEnum": "apps.leads.models.Inquiry.Type",
        "ImportJobStatusEnum": "apps.leads.models.ImportJob.Status",
        "LeadScoringRuleTypeEnum": "apps.leads.models.LeadScoringRule.RuleType",
    }
)

# --- notifications --------------------------------------------------------------------------
# The email outbox: attempts per email (then "failed"), and the backoff between them
# (base * 2^(attempt-1), capped, with jitter). SMS/WhatsApp use the same backoff.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=60)
EMAIL_RETRY_BACKOFF_MAX_SECONDS = env.int("EMAIL_RETRY_BACKOFF_MAX_SECONDS", default=3600)
# The sweeper (beat, every 5 minutes): pending rows overdue by this many minutes lost their task;
# sending rows older than the timeout lost their worker (it must exceed Celery's hard limit).
EMAIL_LOST_TASK_MINUTES = env.int("EMAIL_LOST_TASK_MINUTES", default=2)
EMAIL_SENDING_TIMEOUT_SECONDS = env.int("EMAIL_SENDING_TIMEOUT_SECONDS", default=900)
if EMAIL_SENDING_TIMEOUT_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"EMAIL_SENDING_TIMEOUT_SECONDS ({EMAIL_SENDING_TIMEOUT_SECONDS}) must exceed "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT}), or an email still being sent could be "
        "sent twice."
    )
EMAIL_SWEEP_BATCH_SIZE = env.int("EMAIL_SWEEP_BATCH_SIZE", default=500)
EMAIL_MAX_ATTACHMENT_BYTES = env.int("EMAIL_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
# ESP delivery webhooks (/api/v1/webhooks/email/<esp>/tracking): Resend's svix signing secret
# or Mailgun's webhook signing key; other ESPs use ANYMAIL_WEBHOOK_SECRET (basic auth).
# SendGrid's is its signed event webhook's verification key (the public key, base64).
EMAIL_WEBHOOK_SIGNING_KEY = env.str("EMAIL_WEBHOOK_SIGNING_KEY", default="")
_WEBHOOK_KEY_SETTINGS = {
    "resend": "RESEND_SIGNING_SECRET",
    "mailgun": "MAILGUN_WEBHOOK_SIGNING_KEY",
    "sendgrid": "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY",
}
if EMAIL_WEBHOOK_SIGNING_KEY and EMAIL_PROVIDER in _WEBHOOK_KEY_SETTINGS:
    ANYMAIL[_WEBHOOK_KEY_SETTINGS[EMAIL_PROVIDER]] = EMAIL_WEBHOOK_SIGNING_KEY
# Signed ESP deliveries (Mailgun, Resend, SendGrid) older or newer than this are refused, and
# each is accepted once within it (apps.notifications.webhooks).
EMAIL_WEBHOOK_TOLERANCE_SECONDS = env.int("EMAIL_WEBHOOK_TOLERANCE_SECONDS", default=300)
# Broadcasts: recipients per task, and when a broadcast without progress is resumed.
BROADCAST_BATCH_SIZE = env.int("BROADCAST_BATCH_SIZE", default=100)
BROADCAST_STALL_MINUTES = env.int("BROADCAST_STALL_MINUTES", default=15)
# SMS/WhatsApp: console (prints; default) or twilio.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="console").lower()
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=10.0)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")  # an E.164 number (or a messaging service)
TWILIO_WHATSAPP_FROM = env.str("TWILIO_WHATSAPP_FROM", default="")  # E.164, WhatsApp-enabled
TWILIO_API_BASE = env.str("TWILIO_API_BASE", default="https://api.twilio.com")
if SMS_PROVIDER not in ("console", "twilio"):
    raise ImproperlyConfigured(f"SMS_PROVIDER={SMS_PROVIDER!r} is not one of console, twilio")
if SMS_PROVIDER == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM):
    raise ImproperlyConfigured(
        "SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."
    )
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "OutboxStatusEnum": "apps.notifications.models.OutboxStatus",
        "BroadcastStatusEnum": "apps.notifications.models.Broadcast.Status",
    }
)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

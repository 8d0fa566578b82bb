"""The one settings module, read from the environment through one `env` object.

Every setting is listed, with a comment, in `.env.example`. Development is the default
(DJANGO_DEBUG=1 with SQLite, database search and eager tasks); with DJANGO_DEBUG off the
module refuses to start without a real secret key and turns on HTTPS-only cookies and HSTS.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.languages import LANGUAGE_CODES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=True):
    # Real environment variables win over the file.
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
# An empty value (as .env.example leaves it) counts as unset.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG off) needs a secret key of at "
        "least 50 random characters, for example from: "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("The development secret key cannot be used with DJANGO_DEBUG off.")

# Rotating the key (docs/operations.md): the previous key(s) here, comma-separated, keep what
# they signed valid (sessions, password-reset links) until the new key has replaced them.
SECRET_KEY_FALLBACKS = [k for k in env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[]) if k]

ALLOWED_HOSTS = [h for h in env.list("DJANGO_ALLOWED_HOSTS", default=[]) if h] or (
    ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = [o for o in env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[]) if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "parler",
    "csp",
    "django_ratelimit",
    # The ground floor first: what every app below shares (see core/apps.py).
    "core",
    "accounts",
    "cities",
    "practices",
    "search",
    "exchanges",
    "conversations",
    "following",
    "api",
    "portal",
    "dashboard",
    "ops",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
]

MIDDLEWARE = [
    # django-prometheus's pair wraps everything, so its latencies cover every middleware; the
    # request id comes next, so every log line below it carries the id (core/observability.py).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose check reads the form and so starts an upload (core/uploads.py).
    "core.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.language_alternates",
                "following.context_processors.bookmarks",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several requests at once too (runserver's threads). SQLite's
    # default deferred transactions take the write lock only at their first write, and a
    # transaction that read first then cannot get it: "database is locked", a 500, in every
    # race (issue 14, item 10: concurrent accepts). IMMEDIATE takes the lock at BEGIN, so
    # concurrent writers queue (up to `timeout` seconds) and then see the winner's state, and
    # WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
# The codes come from core.languages (the one list); here they get names in the reader's language.
_LANGUAGE_NAMES = {"en": _("English"), "fr": _("French"), "es": _("Spanish")}
LANGUAGES = [(code, _LANGUAGE_NAMES[code]) for code in LANGUAGE_CODES]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Practice texts (django-parler): a missing language falls back to any language present; pages
# choose the visitor's language or the practice's original explicitly (Practice.text_in).
PARLER_DEFAULT_LANGUAGE_CODE = "en"
PARLER_LANGUAGES = {
    None: tuple({"code": code} for code in LANGUAGE_CODES),
    "default": {"fallbacks": list(LANGUAGE_CODES), "hide_untranslated": False},
}
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Attachments are served by practices.views.attachment_file, never from MEDIA_URL. In
# production set ATTACHMENT_ACCEL_REDIRECT to the front server's internal location of
# MEDIA_ROOT (nginx: "/protected-media/", see docs/operations.md): the app checks who may read
# the file and answers with X-Accel-Redirect; empty, the app streams the file itself.
ATTACHMENT_ACCEL_REDIRECT = env.str("ATTACHMENT_ACCEL_REDIRECT", default="")
# Attachments of practices: allowed kinds and their size limits (bytes).
ATTACHMENT_MAX_IMAGE_BYTES = env.int("ATTACHMENT_MAX_IMAGE_BYTES", default=5 * 1024 * 1024)
ATTACHMENT_MAX_PDF_BYTES = env.int("ATTACHMENT_MAX_PDF_BYTES", default=20 * 1024 * 1024)
# Pixels, not bytes, are what a visitor's browser must decode: a 140 kB PNG can hold 144
# megapixels (half a gigabyte once decoded). 40 megapixels is more than a phone photo (12-24
# MP, 48 for a few) and a full-page scan at 300 dpi (9 MP).
ATTACHMENT_MAX_IMAGE_PIXELS = env.int("ATTACHMENT_MAX_IMAGE_PIXELS", default=40_000_000)
# An upload request may carry the largest attachment plus this much for the form's other fields
# and the multipart framing; a larger one is refused before it is read (core/uploads.py).
UPLOAD_FORM_OVERHEAD_BYTES = env.int("UPLOAD_FORM_OVERHEAD_BYTES", default=64 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Search: the backend class, by dotted path (search.backends.get_backend loads it). Unset, it
# follows ELASTICSEARCH_URL: Elasticsearch when a URL is given, else the database backend.
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
SEARCH_BACKEND = env.str("SEARCH_BACKEND", default="") or (
    "search.backends.elastic.ElasticsearchBackend"
    if ELASTICSEARCH_URL
    else "search.backends.database.DatabaseBackend"
)
ELASTICSEARCH_API_KEY = env.str("ELASTICSEARCH_API_KEY", default="")
ELASTICSEARCH_USERNAME = env.str("ELASTICSEARCH_USERNAME", default="")
ELASTICSEARCH_PASSWORD = env.str("ELASTICSEARCH_PASSWORD", default="")
ELASTICSEARCH_CA_CERTS = env.str("ELASTICSEARCH_CA_CERTS", default="")
ELASTICSEARCH_TIMEOUT = env.float("ELASTICSEARCH_TIMEOUT", default=10.0)
ELASTICSEARCH_MAX_RETRIES = env.int("ELASTICSEARCH_MAX_RETRIES", default=3)
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="policy-transfer")
# Replicas of the practices index (0 on a single node, 1 or more on a production cluster).
ELASTICSEARCH_REPLICAS = env.int("ELASTICSEARCH_REPLICAS", default=0)

# Tasks: an empty CELERY_BROKER_URL runs every task eagerly, in process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When Redis is down, sending a task must fail fast (the work it asks for is kept elsewhere, in
# the outbox or the e-mail claims) instead of holding the user's request for seconds.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING below (JSON lines with the request id of the request that
# queued each task, core/observability.py) instead of replacing the root logger's handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    # The sweep that drains whatever the per-change drains could not (broker or engine down).
    "search-outbox-sweep": {"task": "search.drain_outbox", "schedule": 60.0},
    # Sentence vectors that could not be computed (embedder down) or whose text changed.
    "practice-vector-sweep": {"task": "practices.sweep_vectors", "schedule": 600.0},
    # Review mails whose task could not be queued; each mail is still sent at most once.
    "practice-mail-sweep": {"task": "practices.sweep_transition_emails", "schedule": 300.0},
    "exchange-mail-sweep": {"task": "exchanges.sweep_notifications", "schedule": 300.0},
    "broker-digest": {"task": "exchanges.broker_digest", "schedule": crontab(hour=7, minute=0)},
    "message-mail-sweep": {"task": "conversations.sweep_message_notifications", "schedule": 300.0},
    # The anonymous search log keeps SEARCH_LOG_RETENTION_DAYS days (search/querylog.py).
    "search-log-purge": {"task": "search.purge_query_log", "schedule": crontab(hour=3, minute=30)},
    # Saved-search digests (following.digests): each is sent at most once per day or ISO week,
    # however often these run.
    "saved-search-daily": {
        "task": "following.send_digests",
        "schedule": crontab(hour=6, minute=0),
        "args": ("daily",),
    },
    "saved-search-weekly": {
        "task": "following.send_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
        "args": ("weekly",),
    },
}

EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = (
    env.str("DEFAULT_FROM_EMAIL", default="") or "Policy Transfer <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Brokers get a daily digest of requests waiting longer than this many days.
EXCHANGE_DIGEST_AFTER_DAYS = env.int("EXCHANGE_DIGEST_AFTER_DAYS", default=7)
# Questions one person may ask the cities behind practices in 24 hours (conversations.services).
CONVERSATION_QUESTIONS_PER_DAY = env.int("CONVERSATION_QUESTIONS_PER_DAY", default=5)
# The secretariat's dashboard counts a request as overdue when it has waited this many days
# since it was filed without an accepted exchange (dashboard/selectors.py).
EXCHANGE_OVERDUE_AFTER_DAYS = env.int("EXCHANGE_OVERDUE_AFTER_DAYS", default=30)
# Days the anonymous search log keeps its rows (search/querylog.py); a nightly task deletes
# older ones.
SEARCH_LOG_RETENTION_DAYS = env.int("SEARCH_LOG_RETENTION_DAYS", default=180)
# The address of the site, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="") or "http://127.0.0.1:8000"
# How long an invitation link to join a city works (cities.invitations).
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# How many invitations one person may send in 24 hours.
INVITATIONS_PER_DAY = env.int("INVITATIONS_PER_DAY", default=50)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "api.limits.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_PARSER_CLASSES": ["api.limits.LimitedJSONParser"],
    # JSON only: DRF's browsable pages need inline scripts the site's CSP refuses; people
    # browse the API through its docs (/api/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.limits.AnonRate", "api.limits.UserRate"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # `format` is a search parameter name nowhere, but keep DRF's override off the query string.
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per client (see api/limits.py). None switches a limit off. Signing in for a token
# follows the sign-in policy of accounts/ratelimits.py (RATELIMIT_LOGIN_*), as the web does.
API_THROTTLE_RATES: dict[str, str | None] = {
    "anon": env.str("API_THROTTLE_ANON", default="120/min"),
    "user": env.str("API_THROTTLE_USER", default="600/min"),
}
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1_048_576)
SPECTACULAR_SETTINGS = {
    "TITLE": "Policy Transfer API",
    "DESCRIPTION": (
        "Good-practice case studies of member cities, their faceted search, and the "
        "city-to-city exchanges the secretariat brokers. Version 1: paths under /api/v1/ keep "
        "their meaning; additions are backwards compatible.\n\n"
        "**Authentication**: the browser session, or a personal token (`Authorization: Bearer "
        "pt_…`) from `POST /api/v1/auth/token/`.\n\n"
        '**Errors** always have the shape `{"code", "detail", "errors"}`: 400 invalid '
        "input, 401 not signed in, 403 not allowed, 404 not found or not visible to you, 409 a "
        "conflict (an invalid transition, or a stale update), 413 body too large, 429 too many "
        "requests (see `Retry-After`).\n\n"
        "**Languages**: send `Accept-Language: fr` or `es` for labels and messages in French or "
        "Spanish."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PracticeReviewStateEnum": "practices.models.Practice.ReviewState",
        "PracticeStatusEnum": "practices.models.Practice.Status",
        "ExchangeStateEnum": "exchanges.models.Exchange.State",
        "ExchangeRequestStateEnum": "exchanges.models.ExchangeRequest.State",
        "MatchStatusEnum": "exchanges.models.Match.Status",
        "ExchangeFormatEnum": "exchanges.models.ExchangeFormat",
        "LanguageEnum": "practices.models.LANGUAGES",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_common_errors",
    ],
}

# Cache: rate limits (sign-in, password reset) count here, so production needs one shared by
# every worker process: DJANGO_CACHE_URL=redis://127.0.0.1:6379/1. Empty: a per-process memory
# cache, which is enough for the development server and tests.
_CACHE_URL = env.str("DJANGO_CACHE_URL", default="")
CACHES = {
    "default": env.cache_url_config(_CACHE_URL)
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# django-ratelimit predates Django's own RedisCache, which increments atomically (INCR), so its
# "not officially supported" warning does not apply. A per-process cache in production (E003) is
# a real error: each worker would count on its own; development has a single process.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if DEBUG:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
RATELIMIT_USE_CACHE = "default"
# How many proxies in front of the application to trust: the client's address is then the N-th
# address from the right of X-Forwarded-For (core/network.py); 0 ignores the header. Every limiter
# (sign-in, password reset, the API's throttles) reads the address from there. Behind nginx
# (DJANGO_BEHIND_PROXY=1) the default is 1.
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=1 if env.bool("DJANGO_BEHIND_PROXY", default=False) else 0
)
RATELIMIT_IP_META_KEY = "core.network.client_address"
# Attempts allowed (django-ratelimit's notation: count/period, period in s, m, h or d, with an
# optional number: 10m). The sign-in policy (failures only, per account and address, per
# address, per account from addresses that never signed in to it) is accounts/ratelimits.py's.
RATELIMIT_LOGIN_PER_ACCOUNT = env.str("RATELIMIT_LOGIN_PER_ACCOUNT", default="5/10m")
RATELIMIT_LOGIN_PER_IP = env.str("RATELIMIT_LOGIN_PER_IP", default="50/10m")
RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES = env.str(
    "RATELIMIT_LOGIN_PER_ACCOUNT_NEW_ADDRESSES", default="20/h"
)
RATELIMIT_LOGIN_KNOWN_ADDRESS_DAYS = env.int("RATELIMIT_LOGIN_KNOWN_ADDRESS_DAYS", default=90)
RATELIMIT_RESET_PER_IP = env.str("RATELIMIT_RESET_PER_IP", default="10/h")
RATELIMIT_RESET_PER_ACCOUNT = env.str("RATELIMIT_RESET_PER_ACCOUNT", default="3/h")
# Password reset links stay valid for one day.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline script, style attribute, eval, plugin or framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Security. Production defaults are strict; each can be relaxed from the environment
# (for instance behind a TLS-terminating proxy that already redirects).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object per line in production (DJANGO_LOG_FORMAT=json, the default with
# DJANGO_DEBUG off), readable text in development; both carry the request id
# (core/observability.py), and each request writes one line to `policy_transfer.request`.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.observability.ContextFilter"}},
    "formatters": {
        "json": {"()": "core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # One line per Elasticsearch request is noise at INFO; failures still show as warnings.
    # So are WeasyPrint's seven progress steps per practice PDF and fontTools' subsetting;
    # django.server repeats, less completely, the line policy_transfer.request writes.
    "loggers": {
        "elastic_transport": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}

# Operations endpoints (ops/): /health/live, /health/ready (open) and /metrics (Prometheus),
# readable from METRICS_ALLOWED_IPS (addresses or networks, as the app sees the client: behind
# nginx, the real client's) or with `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_ALLOWED_IPS = [
    a for a in env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"]) if a
]
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_exc}") from _exc
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A probe or Prometheus talking to gunicorn directly, over plain HTTP, gets an answer rather
# than a redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)$", r"^metrics$"]

# Demo accounts share one password, printed by `manage.py load_demo`. Development only.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="") or "metropolis-demo-2026"

"""Settings for migportal, read from the environment only (django-environ).

With no environment set the project runs embedded: SQLite, a filesystem Celery
transport, a local-memory cache and the console e-mail backend. Setting
DATABASE_URL / REDIS_URL / EMAIL_URL switches to the real services.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("MIGPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# The embedded default keeps its SQLite file, Celery queue and beat schedule here.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Production turns on HTTPS-only cookies, HSTS and refuses development conveniences (demo data, dev key).
MIGPORTAL_PRODUCTION = env.bool("MIGPORTAL_PRODUCTION", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if MIGPORTAL_PRODUCTION:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set in production.")
    # A development key, never used when MIGPORTAL_PRODUCTION is set.
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "systems",
    "waves",
    "notifications",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "migportal.urls"
WSGI_APPLICATION = "migportal.wsgi.application"

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
                "migportal.context_processors.navigation",
                "notifications.context_processors.notice_alerts",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'migportal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker write to one file at once: WAL plus IMMEDIATE transactions make them
    # wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env.bool("DATABASE_POOL", default=False):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (one app, CELERY_ namespace) -----------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
    }
else:
    # Longer than any countdown we use; far-future work lives in the database, not in ETAs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "migportal.tasks.heartbeat", "schedule": 60.0},
}

# --- E-mail ----------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="migrering@kommune.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Migration programme -----------------------------------------------------------
# Day values may be fractional (0.001 day is about 86 s) so the notice pipeline can be watched in minutes.
NOTICE_LEAD_DAYS = env.float("NOTICE_LEAD_DAYS", default=14.0)
REMINDER_LEAD_DAYS = env.float("REMINDER_LEAD_DAYS", default=2.0)
ACK_REMINDER_AFTER_DAYS = env.float("ACK_REMINDER_AFTER_DAYS", default=3.0)
DISPATCH_INTERVAL_SECONDS = env.float("DISPATCH_INTERVAL_SECONDS", default=60.0)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Downtime notices (notifications app) ---------------------------------------------
# Webhook to the external customer portal (Standard Webhooks); off while the URL is empty.
PORTAL_WEBHOOK_URL = env.str("PORTAL_WEBHOOK_URL", default="")
PORTAL_WEBHOOK_SECRET = env.str("PORTAL_WEBHOOK_SECRET", default="")  # "whsec_" + base64 of 24–64 random bytes
if PORTAL_WEBHOOK_URL and not PORTAL_WEBHOOK_SECRET:
    raise environ.ImproperlyConfigured("PORTAL_WEBHOOK_SECRET must be set when PORTAL_WEBHOOK_URL is.")
PORTAL_WEBHOOK_TIMEOUT_SECONDS = env.float("PORTAL_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A delivery is tried this many times before it is dead; waits grow as base · 2^n (with jitter) up to the cap.
NOTICE_DELIVERY_MAX_ATTEMPTS = env.int("NOTICE_DELIVERY_MAX_ATTEMPTS", default=8)
NOTICE_RETRY_BASE_SECONDS = env.float("NOTICE_RETRY_BASE_SECONDS", default=30.0)
NOTICE_RETRY_MAX_SECONDS = env.float("NOTICE_RETRY_MAX_SECONDS", default=1800.0)  # below the visibility timeout
# How long a worker owns a claimed delivery: longer than the hard time limit, so no two workers send at once.
NOTICE_DELIVERY_LEASE_SECONDS = env.float("NOTICE_DELIVERY_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
# The sweeper re-enqueues pending deliveries due this long ago whose message was lost (broker restart).
NOTICE_SWEEP_AFTER_SECONDS = env.float("NOTICE_SWEEP_AFTER_SECONDS", default=600.0)
NOTICE_SWEEP_INTERVAL_SECONDS = env.float("NOTICE_SWEEP_INTERVAL_SECONDS", default=300.0)
CELERY_BEAT_SCHEDULE["notices-publish-due"] = {
    "task": "notifications.tasks.notices_publish_due",
    "schedule": DISPATCH_INTERVAL_SECONDS,
}
CELERY_BEAT_SCHEDULE["notices-sweep-deliveries"] = {
    "task": "notifications.tasks.deliveries_sweep",
    "schedule": NOTICE_SWEEP_INTERVAL_SECONDS,
}

# --- Auth --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- i18n ----------------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Lists ---------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_PAGE_RANGE = 7

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if MIGPORTAL_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

"""Settings for migportal, read from the environment only (django-environ).

With no environment set the project runs embedded: SQLite, a filesystem Celery
transport, a local-memory cache and the console e-mail backend. Setting
DATABASE_URL / REDIS_URL / EMAIL_URL switches to the real services.

Sections, in order: core and secrets; apps, middleware and templates; database; caches (the public
dashboard's included); Celery; e-mail; the migration programme and each app's own settings (notices,
portal, inventory); staff single sign-on; periodic tasks (the whole beat schedule); authentication and
login throttling; security headers and cookies; i18n; static files; lists and API; logging and error
reporting. Every variable is listed in
README.md and `.env.example`.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from ops.sentry import init_sentry
from ops.webhook_secret import webhook_secret_problem

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The embedded default keeps its SQLite file, Celery queue and beat schedule here.
VAR_DIR = Path(env.str("MIGPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core and secrets --------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
# Production turns on HTTPS-only cookies, HSTS and refuses development conveniences (demo data, dev key).
MIGPORTAL_PRODUCTION = env.bool("MIGPORTAL_PRODUCTION", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if MIGPORTAL_PRODUCTION:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set in production.")
    # A development key, never used when MIGPORTAL_PRODUCTION is set.
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105
# Rotating SECRET_KEY without logging everyone out: the old key stays valid here until it is removed.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Apps, middleware, templates ---------------------------------------------------
INSTALLED_APPS = [
    "ops.apps.AdminConfig",  # django.contrib.admin with the project's admin site
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
    "drf_spectacular_sidecar",
    "api",
    "systems",
    "systems.inventory",
    "waves",
    "notifications",
    "dashboard",
    "portal",
    "csp",
    "axes",
    "mozilla_django_oidc",
    "ops",
    "planning",
]

# The request id first, so every later log line carries it; then cookies with NUL characters are forgotten
# (before the session reads its cookie); the CSP header right after SecurityMiddleware;
# axes late (it turns a flagged login into the lockout page); last a 400 for NUL characters in the request (no
# page takes them, PostgreSQL refuses them in text), after CSRF protection has read the form.
MIDDLEWARE = [
    "ops.middleware.RequestIdMiddleware",
    "ops.middleware.DropNulCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "ops.middleware.RejectNulMiddleware",
]

ROOT_URLCONF = "migportal.urls"
WSGI_APPLICATION = "migportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Dates, times and windows the same way on every page (migportal/formats.py).
            "builtins": ["migportal.templatetags.formats"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "migportal.context_processors.navigation",
                "notifications.context_processors.notice_alerts",
                "ops.context_processors.single_sign_on",
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

# --- Caches (Redis or local memory) ----------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The public dashboard's pages: whole pages for DASHBOARD_CACHE_SECONDS in the shared cache, of which each web
# process keeps one in its own memory for DASHBOARD_LOCAL_CACHE_SECONDS.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
DASHBOARD_LOCAL_CACHE_SECONDS = env.int("DASHBOARD_LOCAL_CACHE_SECONDS", default=10)
CACHES["dashboard"] = {
    "BACKEND": "dashboard.cache.TieredCache",
    "TIMEOUT": DASHBOARD_CACHE_SECONDS,
    "OPTIONS": {"SHARED": "default", "LOCAL_TIMEOUT": DASHBOARD_LOCAL_CACHE_SECONDS},
}

# --- Celery (one app, CELERY_ namespace) -----------------------------------------
# The filesystem transport ignores the host; naming one keeps kombu from warning that none was given.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    # A late-acked message a worker took and did not ack (its main process was killed) goes back to the queue
    # after this long. Longer than any task may run (a running task is never handed to a second worker) and
    # than any countdown we use; the deliveries themselves do not wait for it: the sweeper finds them sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1200)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task is idempotent, so a message is acked after its task ran, and handed out again when the process
# running it died (the delivery's lease, not the message, decides whether anything is sent twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task running when the broker connection drops finishes (a delivery half sent must not be cut off and sent
# again); its message, if Redis hands it out again, finds the delivery sent and does nothing.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Queues: deliveries and other work go to the default queue; beat's dispatch and sweeper have their own, so a
# backlog of thousands of deliveries never delays them; deliveries sent again (found by the sweeper, retried by
# staff) go to the retries queue, which workers take from in turn with the default queue, so they do not wait
# behind a backlog either. Every worker command names the queues it consumes (Procfile, docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
NOTICE_DISPATCH_QUEUE = "dispatch"
NOTICE_RETRY_QUEUE = "retries"
CELERY_TASK_ROUTES: dict = {
    "notifications.tasks.notices_publish_due": {"queue": NOTICE_DISPATCH_QUEUE},
    "notifications.tasks.deliveries_sweep": {"queue": NOTICE_DISPATCH_QUEUE},
    # Background imports: only the import worker consumes this queue (see INVENTORY_IMPORT_WORKER_MEMORY_MB).
    "systems.inventory.tasks.run_import_job": {"queue": "imports"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Celery keeps the logging configured below

# --- E-mail ----------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    EMAIL_CONFIG = env.email_url("EMAIL_URL")
    if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
        # filemail:///tmp/mail means the directory /tmp/mail, as file:///tmp/mail does (django-environ drops the
        # leading slash, which made it tmp/mail under the working directory).
        EMAIL_CONFIG["EMAIL_FILE_PATH"] = urlsplit(env.str("EMAIL_URL")).path
    vars().update(EMAIL_CONFIG)
else:
    # One log line per message (migportal/mail.py); EMAIL_URL=consolemail:// prints whole messages.
    EMAIL_BACKEND = "migportal.mail.OneLineEmailBackend"
# Seconds the SMTP client waits for the server: long enough for slow servers (a message timed out after DATA
# may have been delivered, and is sent again), shorter than a task's soft time limit.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT_SECONDS", default=90.0)
if EMAIL_TIMEOUT >= CELERY_TASK_SOFT_TIME_LIMIT:
    raise environ.ImproperlyConfigured("EMAIL_TIMEOUT_SECONDS must be below CELERY_TASK_SOFT_TIME_LIMIT.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="migrering@kommune.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Migration programme: notice timing ------------------------------------------------
# Day values may be fractional (0.001 day is about 86 s) so the notice pipeline can be watched in minutes.
NOTICE_LEAD_DAYS = env.float("NOTICE_LEAD_DAYS", default=14.0)
REMINDER_LEAD_DAYS = env.float("REMINDER_LEAD_DAYS", default=2.0)
# Changes after the announcement are collected this long into one change notice (0: each is sent at once).
CHANGE_NOTICE_DELAY_MINUTES = env.float("CHANGE_NOTICE_DELAY_MINUTES", default=15.0)
ACK_REMINDER_AFTER_DAYS = env.float("ACK_REMINDER_AFTER_DAYS", default=3.0)
DISPATCH_INTERVAL_SECONDS = env.float("DISPATCH_INTERVAL_SECONDS", default=60.0)

# --- Wave planning (planning app) -------------------------------------------------------
# Confirming a wave runs the planning checks (blockers refuse, warnings need a reason).
PLANNING_CONFIRM_CHECKS = env.bool("PLANNING_CONFIRM_CHECKS", default=True)
# New waves the solver may propose: on these weekdays (mon..sun), from this local time, this many hours long,
# at most this many a week, over this many weeks from the next possible day, each taking at most this many systems.
PLANNING_WINDOW_WEEKDAYS = env.list("PLANNING_WINDOW_WEEKDAYS", default=["tue", "thu"])
PLANNING_WINDOW_START = env.str("PLANNING_WINDOW_START", default="18:00")
PLANNING_WINDOW_HOURS = env.float("PLANNING_WINDOW_HOURS", default=5.0)
PLANNING_WAVES_PER_WEEK = env.int("PLANNING_WAVES_PER_WEEK", default=2)
PLANNING_HORIZON_WEEKS = env.int("PLANNING_HORIZON_WEEKS", default=52)
PLANNING_NEW_WAVE_MAX_SYSTEMS = env.int("PLANNING_NEW_WAVE_MAX_SYSTEMS", default=12)
# The solver's time limit per proposal; inventories with more unplanned systems than this plan in Celery.
PLANNING_SOLVER_SECONDS = env.float("PLANNING_SOLVER_SECONDS", default=60.0)
PLANNING_BACKGROUND_SYSTEMS = env.int("PLANNING_BACKGROUND_SYSTEMS", default=500)

# --- Downtime notices (notifications app) ---------------------------------------------
# Webhook to the external customer portal (Standard Webhooks); off while the URL is empty.
PORTAL_WEBHOOK_URL = env.str("PORTAL_WEBHOOK_URL", default="")
PORTAL_WEBHOOK_SECRET = env.str("PORTAL_WEBHOOK_SECRET", default="")  # "whsec_" + base64 of 24–64 random bytes
if PORTAL_WEBHOOK_URL and not PORTAL_WEBHOOK_SECRET:
    raise environ.ImproperlyConfigured("PORTAL_WEBHOOK_SECRET must be set when PORTAL_WEBHOOK_URL is.")
if PORTAL_WEBHOOK_SECRET and (_problem := webhook_secret_problem(PORTAL_WEBHOOK_SECRET)):
    raise environ.ImproperlyConfigured(
        f'PORTAL_WEBHOOK_SECRET {_problem}. Make one with: python -c "import base64, secrets; '
        f"print('whsec_' + base64.b64encode(secrets.token_bytes(32)).decode())\""
    )
PORTAL_WEBHOOK_TIMEOUT_SECONDS = env.float("PORTAL_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A delivery is tried this many times before it is dead; waits grow as base · 2^n (with jitter) up to the cap.
NOTICE_DELIVERY_MAX_ATTEMPTS = env.int("NOTICE_DELIVERY_MAX_ATTEMPTS", default=8)
NOTICE_RETRY_BASE_SECONDS = env.float("NOTICE_RETRY_BASE_SECONDS", default=30.0)
NOTICE_RETRY_MAX_SECONDS = env.float("NOTICE_RETRY_MAX_SECONDS", default=1800.0)
# A worker owns a claimed delivery for this long, and renews the claim every third of it while it sends; when
# the worker dies, the claim runs out within this time and the sweeper gives the delivery to another worker.
NOTICE_DELIVERY_LEASE_SECONDS = env.float("NOTICE_DELIVERY_LEASE_SECONDS", default=20.0)
# The sweeper runs this often. It re-enqueues pending deliveries that are due and that no live worker holds:
# at once when their worker died or they were never queued (a retry beyond a countdown); when the delivery
# queue is empty, also those queued longer than NOTICE_SWEEP_AFTER_SECONDS ago (their message was lost).
NOTICE_SWEEP_INTERVAL_SECONDS = env.float("NOTICE_SWEEP_INTERVAL_SECONDS", default=10.0)
NOTICE_SWEEP_AFTER_SECONDS = env.float("NOTICE_SWEEP_AFTER_SECONDS", default=30.0)

# --- Customer portal (portal app): login links, throttles, acknowledgement reminders ---------
PORTAL_LOGIN_LINK_MAX_AGE_MINUTES = env.int("PORTAL_LOGIN_LINK_MAX_AGE_MINUTES", default=15)
# At most this many login links per e-mail address, and requests per client IP, per throttle window.
PORTAL_LOGIN_THROTTLE_PER_EMAIL = env.int("PORTAL_LOGIN_THROTTLE_PER_EMAIL", default=3)
PORTAL_LOGIN_THROTTLE_PER_IP = env.int("PORTAL_LOGIN_THROTTLE_PER_IP", default=20)
PORTAL_LOGIN_THROTTLE_WINDOW_SECONDS = env.int("PORTAL_LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
# Behind N reverse proxies the client IP is the N-th address from the right of X-Forwarded-For; 0 = REMOTE_ADDR.
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=0)
# Systems whose window starts within this many days with no acknowledgement are escalated to staff.
PORTAL_ESCALATION_DAYS = env.float("PORTAL_ESCALATION_DAYS", default=5.0)
# The calendar feed leaves out windows that ended longer ago than this.
PORTAL_CALENDAR_PAST_DAYS = env.int("PORTAL_CALENDAR_PAST_DAYS", default=60)
PORTAL_ACK_REMINDER_HOUR = env.int("PORTAL_ACK_REMINDER_HOUR", default=8)

# --- Inventory import and export (systems/inventory) ---------------------------------
# Largest file the importer accepts, and the size above which the browser import runs as a Celery task.
INVENTORY_IMPORT_MAX_BYTES = env.int("INVENTORY_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
INVENTORY_IMPORT_BACKGROUND_BYTES = env.int("INVENTORY_IMPORT_BACKGROUND_BYTES", default=1024 * 1024)
INVENTORY_IMPORT_TIME_LIMIT = env.int("INVENTORY_IMPORT_TIME_LIMIT", default=900)
# Background imports run on a queue of their own, consumed only by the import worker (Procfile, compose), whose
# processes may each grow by this much address space (MB; 0 = no cap) before allocations fail.
INVENTORY_IMPORT_WORKER_MEMORY_MB = env.int("INVENTORY_IMPORT_WORKER_MEMORY_MB", default=1024)
# Bounds on one import (systems/inventory/limits.py): all files together, how many, and per table.
INVENTORY_IMPORT_MAX_TOTAL_BYTES = env.int("INVENTORY_IMPORT_MAX_TOTAL_BYTES", default=100 * 1024 * 1024)
INVENTORY_IMPORT_MAX_FILES = env.int("INVENTORY_IMPORT_MAX_FILES", default=10)
INVENTORY_IMPORT_MAX_ROWS = env.int("INVENTORY_IMPORT_MAX_ROWS", default=500_000)
INVENTORY_IMPORT_MAX_COLUMNS = env.int("INVENTORY_IMPORT_MAX_COLUMNS", default=100)
INVENTORY_IMPORT_MAX_CELLS = env.int("INVENTORY_IMPORT_MAX_CELLS", default=5_000_000)
# An XLSX archive is checked before it is parsed: parts, unpacked size (each and all), compression ratio.
INVENTORY_XLSX_MAX_MEMBERS = env.int("INVENTORY_XLSX_MAX_MEMBERS", default=1000)
INVENTORY_XLSX_MAX_MEMBER_BYTES = env.int("INVENTORY_XLSX_MAX_MEMBER_BYTES", default=256 * 1024 * 1024)
INVENTORY_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("INVENTORY_XLSX_MAX_UNCOMPRESSED_BYTES", default=512 * 1024 * 1024)
INVENTORY_XLSX_MAX_RATIO = env.int("INVENTORY_XLSX_MAX_RATIO", default=100)
# Uploaded files of imports never confirmed are deleted after this long (a daily beat task).
INVENTORY_IMPORT_KEEP_FILES_HOURS = env.int("INVENTORY_IMPORT_KEEP_FILES_HOURS", default=24)

# --- Staff single sign-on ----------------------------------------------------------------
# OpenID Connect (mozilla-django-oidc), on when OIDC_RP_CLIENT_ID is set.
# Local password login stays for break-glass administrators.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="") or None
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_EDITOR_GROUPS = env.list("OIDC_EDITOR_GROUPS", default=[])
OIDC_VIEWER_GROUPS = env.list("OIDC_VIEWER_GROUPS", default=[])
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
if OIDC_ENABLED and not (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT):
    raise environ.ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set the OIDC_OP_*_ENDPOINT variables too.")

# --- Periodic tasks (Celery beat, CELERY_TIMEZONE) ------------------------------------
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "migportal.tasks.heartbeat", "schedule": 60.0},
    "notices-publish-due": {"task": "notifications.tasks.notices_publish_due", "schedule": DISPATCH_INTERVAL_SECONDS},
    "notices-sweep-deliveries": {
        "task": "notifications.tasks.deliveries_sweep",
        "schedule": NOTICE_SWEEP_INTERVAL_SECONDS,
    },
    # Monday 06:00 Europe/Oslo: store last week's counts, then render the cover image.
    "dashboard-weekly-snapshot": {
        "task": "dashboard.tasks.take_weekly_snapshot",
        "schedule": crontab(minute=0, hour=6, day_of_week="monday"),
    },
    "portal-ack-reminders": {
        "task": "portal.tasks.send_ack_reminders",
        "schedule": crontab(hour=PORTAL_ACK_REMINDER_HOUR, minute=0),
    },
    "portal-escalation-alert": {
        "task": "portal.tasks.send_escalation_alert",
        "schedule": crontab(hour=PORTAL_ACK_REMINDER_HOUR, minute=5),
    },
    "portal-purge-login-links": {"task": "portal.tasks.purge_login_links", "schedule": crontab(hour=3, minute=30)},
    "inventory-purge-import-files": {
        "task": "systems.inventory.tasks.purge_import_files",
        "schedule": crontab(hour=3, minute=45),
    },
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

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is locked for AXES_COOLOFF_MINUTES; the answer is ops/lockout.html with status 429.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ops.views.lockout"
# One rule for the client's address (behind PORTAL_TRUSTED_PROXY_COUNT proxies) for axes and every throttle.
AXES_CLIENT_IP_CALLABLE = "ops.throttling.client_ip"
AXES_USERNAME_CALLABLE = "ops.auth.axes_username"
# Password spraying: this many failed logins from one address, over any user names, lock that address
# for AXES_COOLOFF_MINUTES too (ops.auth.ThrottledLoginBackend).
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20)
# Password reset e-mails: at most this many per e-mail address, and requests per client address, per window.
PASSWORD_RESET_THROTTLE_PER_EMAIL = env.int("PASSWORD_RESET_THROTTLE_PER_EMAIL", default=3)
PASSWORD_RESET_THROTTLE_PER_IP = env.int("PASSWORD_RESET_THROTTLE_PER_IP", default=10)
PASSWORD_RESET_THROTTLE_WINDOW_SECONDS = env.int("PASSWORD_RESET_THROTTLE_WINDOW_SECONDS", default=3600)

# axes' backend first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "ops.auth.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
    *(["ops.oidc.StaffOIDCBackend"] if OIDC_ENABLED else []),
]

# --- Security headers and cookies ------------------------------------------------------------
# Everything here applies in development too, so tests see the real policy; MIGPORTAL_PRODUCTION=true
# switches on what needs HTTPS.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],  # no inline scripts, no eval
        "style-src": [SELF],  # no style="" attributes
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": MIGPORTAL_PRODUCTION,
    },
}

# Cookies: HttpOnly session, SameSite=Lax; in production Secure and the __Host- prefix (bound to this
# exact host, path /, never sent over plain HTTP).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the value is read from the form field, not by scripts; Django's default
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)  # a working day
# Sessions read from the shared cache and written through to the database: no query per page for them, and several
# web containers share them. A process's own memory cache (no Redis) is not shared: sessions then stay in the database.
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default="django.contrib.sessions.backends." + ("cached_db" if REDIS_URL or MIGPORTAL_PRODUCTION else "db"),
)
if MIGPORTAL_PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The probes answer over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    # TLS ends at the municipality's proxy, which sets X-Forwarded-Proto (and must strip it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"

# The admin shows the change history read-only: a revert would write around the services (ops/admin.py).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Accessibility statement (/tilgjengelighet/).
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="migrering@kommune.example")
ACCESSIBILITY_STATEMENT_URL = env.str("ACCESSIBILITY_STATEMENT_URL", default="")
ACCESSIBILITY_STATEMENT_DATE = env.str("ACCESSIBILITY_STATEMENT_DATE", default="26.11.2026")

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

# REST API v1 (api/): tokens or the staff session, problem details, cursor pages, a throttle per token.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.StaffModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_THROTTLE_RATE", default="1200/minute"),
        "anon": env.str("API_ANON_THROTTLE_RATE", default="60/minute"),
    },
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "migportal API",
    "DESCRIPTION": "The inventory, waves and notices of the data-centre migration. Authenticate with "
    "`Authorization: Bearer <token>` (tokens are made on /api/tokens/).",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
        "api.schema.next_step_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MigrationStatusEnum": "systems.choices.MigrationStatus",
        "WaveStateEnum": "waves.choices.WaveState",
        "NoticeStateEnum": "notifications.choices.NoticeState",
        "DeliveryStateEnum": "notifications.choices.DeliveryState",
        "NoticeKindEnum": "notifications.choices.NoticeKind",
        "DeliveryKindEnum": "notifications.choices.DeliveryKind",
        "AgencyKindEnum": "systems.choices.AgencyKind",
    },
}
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)

# --- Logging and error reporting ---------------------------------------------------------------
# Logging: one JSON object per line (LOG_FORMAT=json, the production default) or plain text, every line
# with the request id.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if MIGPORTAL_PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.request_context.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # One line per request comes from ops.middleware; Django's own would repeat 4xx/5xx lines.
        "django.request": {"level": "ERROR"},
        "migportal.request": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO")},
    },
}

# Sentry, only when SENTRY_DSN is set.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production" if MIGPORTAL_PRODUCTION else "development"),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

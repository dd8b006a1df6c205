"""The one settings module: everything that differs between machines comes from the environment.

Variables: DATABASE_URL, SECRET_KEY, DEBUG (1/0), ALLOWED_HOSTS (comma-separated),
CSRF_TRUSTED_ORIGINS, SECURE_SSL_REDIRECT (1/0), IMPORT_MAX_BYTES, IMPORT_MAX_ZIP_MEMBERS,
IMPORT_BACKGROUND_THRESHOLD, IMPORT_WORKERS, IMPORT_PARALLEL_BYTES, TOKEN_LIFETIME_DAYS,
IDEMPOTENCY_KEY_HOURS, SESSION_IDLE_MINUTES, LOG_LEVEL, RECOMMENDER_SERVERS,
RECOMMENDER_TIMEOUT_SECONDS, RECOMMENDER_LANGUAGE, RECOMMENDER_NER_ITERATIONS.
"""

import json
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


# DEBUG is off unless set: a bare `gunicorn workbench.wsgi` never shows debug pages. Local use
# says DEBUG=1 (`make run` does; the test suite does, see tests/debug_env.py). With DEBUG off
# the app needs its own SECRET_KEY: a key committed to the repository is not a secret. The
# settings themselves load without one, so that tooling (manage.py check, makemigrations,
# mypy's Django plugin) runs anywhere; serving refuses to start (workbench/startup.py).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Local use: a random key kept in a git-ignored file, so sessions survive restarts.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "annotations",
]

MIDDLEWARE = [
    # First: the load balancer's /healthz answers before the HTTPS redirect, the host check
    # and the session (annotations/health.py).
    "annotations.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching: everything else is no-store.
    "annotations.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "annotations.middleware.SessionIdleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "workbench.urls"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "workbench.wsgi.application"
ASGI_APPLICATION = "workbench.asgi.application"

# SQLite is the embedded default. It is set up for several writers at once: WAL lets readers
# run beside the writer, IMMEDIATE transactions take the write lock up front (so two writers
# queue on the busy timeout instead of failing with "database is locked" on lock upgrade).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DEBUG else 60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
        ),
    }
    # A file, not the shared in-memory database: concurrent-writer tests need real locking.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"workbench-test-{os.getpid()}.sqlite3")
    }
else:
    # Django's backend, health-checking a persistent connection only after it sat idle.
    DATABASES["default"]["ENGINE"] = "workbench.postgresql"
    # One test database per test process, so that two suites can run side by side.
    DATABASES["default"]["TEST"] = {"NAME": f"test_workbench_{os.getpid()}"}
    # The few hand-written statements every annotation write runs (annotations/rows.py) are
    # prepared once per connection; the ORM's cursors bind on the client and never prepare.
    # Behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
    # before 1.21), set DATABASE_PREPARED_STATEMENTS=0.
    if os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Log-in and token throttles count failures here: in the database, so that every gunicorn
# worker and every machine serving the app shares one count (a per-process memory cache
# would let N workers allow N times the limit). The table is created after each migrate.
# Past MAX_ENTRIES rows the cache deletes expired rows, then a third of the rest: high, so
# that nobody can wipe live counts by filling it (annotations/throttling.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "workbench_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: Django calls it after every password change, and it revokes the API token.
    {"NAME": "annotations.passwords.RevokeTokensOnPasswordChange"},
]

# An API token authenticates for this many days after it was issued (then 401, as unknown).
TOKEN_LIFETIME_DAYS = int(os.environ.get("TOKEN_LIFETIME_DAYS", "30"))

# An Idempotency-Key answers its first answer again for this many hours, then counts as new.
IDEMPOTENCY_KEY_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_HOURS", "24"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Imports: bodies and files above this many bytes answer 413.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# A brat .zip: at most this many members, and IMPORT_MAX_BYTES once uncompressed.
IMPORT_MAX_ZIP_MEMBERS = int(os.environ.get("IMPORT_MAX_ZIP_MEMBERS", "10000"))
# Imports of more documents than this run in the background as an import job (202): JSON
# bodies and .json files by their items, .jsonl by non-blank lines, .csv by lines.
IMPORT_BACKGROUND_THRESHOLD = int(os.environ.get("IMPORT_BACKGROUND_THRESHOLD", "5000"))
# An import of at least IMPORT_PARALLEL_BYTES (an upload, a JSON body, a background job's
# file) prepares its documents in IMPORT_WORKERS forked processes while the one that took it
# stores them, as `import_documents --workers` does; below that size forking costs more than
# it saves. 1: everything in the one process.
IMPORT_WORKERS = int(os.environ.get("IMPORT_WORKERS", str(min(os.cpu_count() or 1, 4))))
IMPORT_PARALLEL_BYTES = int(os.environ.get("IMPORT_PARALLEL_BYTES", str(1024 * 1024)))
# On SQLite an import holds the one write lock for about this long per transaction, then
# leaves it free for at least the pause, so annotators' saves get in (services/ingest/pacing.py).
IMPORT_SQLITE_TRANSACTION_MS = 50
IMPORT_SQLITE_PAUSE_MS = 25
# A running import or release build whose worker has not beaten for this long is re-queued.
STALLED_AFTER_SECONDS = float(os.environ.get("STALLED_AFTER_SECONDS", "30"))


def env_servers(name: str) -> dict[str, str]:
    """A JSON object of model server names to http(s) URLs (docs/recommenders.md)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return {}
    try:
        servers = json.loads(value)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must be a JSON object of name to URL: {error}"
        ) from None
    if not isinstance(servers, dict) or not all(
        isinstance(key, str)
        and key
        and isinstance(url, str)
        and url.startswith(("http://", "https://"))
        for key, url in servers.items()
    ):
        raise ImproperlyConfigured(
            f'{name} must be a JSON object of names to http(s) URLs, such as {{"ner": "http://10.0.0.5:9000/predict"}}.'
        )
    return servers


# Recommenders (docs/recommenders.md). The only model servers the worker ever calls: a
# recommender of kind external names one of these, never an address.
RECOMMENDER_SERVERS = env_servers("RECOMMENDER_SERVERS")
# Seconds to connect to a model server and for each read of its answer.
RECOMMENDER_TIMEOUT_SECONDS = float(os.environ.get("RECOMMENDER_TIMEOUT_SECONDS", "30"))
# An answer larger than this fails the run.
RECOMMENDER_MAX_RESPONSE_BYTES = 20 * 1024 * 1024
# Documents per request to a model server.
RECOMMENDER_BATCH_SIZE = 32
# The spaCy language whose blank tokenizer the built-in recommenders use (rules only).
RECOMMENDER_LANGUAGE = os.environ.get("RECOMMENDER_LANGUAGE", "en")
# Passes over the training gold of the built-in NER.
RECOMMENDER_NER_ITERATIONS = int(os.environ.get("RECOMMENDER_NER_ITERATIONS", "20"))

# Behind one reverse proxy that sets X-Forwarded-Proto and appends the client's address to
# X-Forwarded-For: throttles then count the address the proxy saw, not the proxy's own.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

# API writes per signed-in user (annotations.throttling.WriteRateThrottle): "<n>/<period>".
API_WRITE_RATE = os.environ.get("API_WRITE_RATE", "1200/minute")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "annotations.api.authentication.TokenAuth",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # 0, not None: None makes DRF key anonymous throttles on the client's own X-Forwarded-For.
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_THROTTLE_CLASSES": ["annotations.throttling.WriteRateThrottle"],
    # `?format=` names the export format, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    # The API's one error shape for every DRF view, the schema views included.
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Annotation workbench API",
    "DESCRIPTION": (
        "Projects, documents, annotations (entities, claims, stances), gold and exports."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files: the CSP allows no CDN (annotations/api/docs.py).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io: the CSP would refuse it, and it leaks the URL.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Background work (big imports, releases) goes through the Tasks API. The database backend
# lets any number of `manage.py db_worker` processes share one queue.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Strict Content-Security-Policy: no inline scripts or styles, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Security headers. Production (DEBUG=0) gets the full set that `check --deploy` asks for;
# SECURE_SSL_REDIRECT=0 turns the redirect off behind a proxy that already forces HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request (annotations/middleware.py), not 14 days
# after the log-in.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("SESSION_IDLE_MINUTES", str(8 * 60)))
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "annotations": {"level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": True},
    },
}

"""Django settings: one env-driven file. Every knob is an `NVR_*` variable (see README)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from nvr.env import Env, is_placeholder_secret, read_or_create_secret_file

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
DEBUG = env.bool("DEBUG", False)

# --- storage layout ------------------------------------------------------------------------
NVR_DATA_DIR = env.path("DATA_DIR", BASE_DIR / "data")
NVR_RECORDINGS_DIR = env.path("RECORDINGS_DIR", NVR_DATA_DIR / "recordings")
# A second, identical copy of every segment for cameras with `mirror_enabled` (unset: mirroring is off).
_mirror_dir = env.str("MIRROR_RECORDINGS_DIR", "")
NVR_MIRROR_RECORDINGS_DIR = env.path("MIRROR_RECORDINGS_DIR", BASE_DIR) if _mirror_dir else None
NVR_SNAPSHOTS_DIR = env.path("SNAPSHOTS_DIR", NVR_DATA_DIR / "snapshots")
NVR_EXPORTS_DIR = env.path("EXPORTS_DIR", NVR_DATA_DIR / "exports")
NVR_CLIPS_DIR = env.path("CLIPS_DIR", NVR_DATA_DIR / "clips")

# --- secrets -------------------------------------------------------------------------------
SECRET_KEY = env.secret("SECRET_KEY") or read_or_create_secret_file(
    NVR_DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50)
)
if not DEBUG and is_placeholder_secret(SECRET_KEY):
    raise ImproperlyConfigured(
        "NVR_SECRET_KEY is a placeholder (empty, shorter than 32 characters or a well-known value); "
        "set a real secret, or unset it to have one generated in NVR_DATA_DIR, or set NVR_DEBUG=true"
    )
# Field-encryption keys (Fernet), primary first. From NVR_FIELD_KEY(_FILE) or a generated key file.
NVR_FIELD_KEY = env.secret("FIELD_KEY")
NVR_FIELD_KEY_PATH = env.path("FIELD_KEY_PATH", NVR_DATA_DIR / "field.key")

ALLOWED_HOSTS = [h.strip() for h in env.str("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env.str("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "channels",
    "nvr",
    "accounts",
    "cameras",
    "recording",
    "ai",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nvr.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nvr.urls"
WSGI_APPLICATION = "nvr.wsgi.application"
ASGI_APPLICATION = "nvr.asgi.application"

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

# --- database: SQLite (WAL, busy timeout) by default, PostgreSQL with DATABASE_URL ------------
_database_url = env.raw("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    NVR_DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.path("SQLITE_PATH", NVR_DATA_DIR / "nvr.sqlite3"),
            "OPTIONS": {
                "timeout": env.int("SQLITE_BUSY_TIMEOUT_S", 20, minimum=1),
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": env.str("SQLITE_TEST_PATH", "") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channels and django-q2: Redis when REDIS_URL is set, in-memory / ORM otherwise -----------
NVR_REDIS_URL = env.raw("REDIS_URL") or None
if NVR_REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [NVR_REDIS_URL]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

Q_CLUSTER = {
    "name": "nvr",
    # One worker is kept busy by the snapshot clock while any snapshot schedule is enabled.
    "workers": env.int("TASK_WORKERS", 3, minimum=1, maximum=32),
    "timeout": 600,
    "retry": 660,  # must exceed timeout, else tasks are re-delivered while still running
    "max_attempts": 1,
    "queue_limit": 50,
    "bulk": 10,
    "poll": 0.5,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 250,
    "sync": env.bool("TASKS_SYNC", False),
}
if NVR_REDIS_URL:
    Q_CLUSTER["redis"] = NVR_REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

NVR_SESSION_TTL_HOURS = env.int("SESSION_TTL_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = NVR_SESSION_TTL_HOURS * 3600
SESSION_COOKIE_NAME = "nvr_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
NVR_LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", 5, minimum=0)
NVR_LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MIN", 15, minimum=0)
# Legacy (role-expanded) API keys: `warn` keeps the full role expansion, `enforce` narrows
# integration keys to the machine capabilities. Production (debug off) enforces by default.
NVR_MACHINE_AUTH = env.choice("MACHINE_AUTH", "warn" if DEBUG else "enforce", ("off", "warn", "enforce"))
NVR_ADMIN_USERNAME = env.str("ADMIN_USERNAME", "admin")
NVR_ADMIN_PASSWORD = env.secret("ADMIN_PASSWORD")

# --- recording defaults (reference §6.1) ----------------------------------------------------
NVR_TIME_ZONE = env.str("TIME_ZONE", "")  # empty = the server's own zone
NVR_DEFAULT_SEGMENT_SECONDS = env.int("DEFAULT_SEGMENT_SECONDS", 60, minimum=2, maximum=3600)
NVR_DEFAULT_RETENTION_HOURS = env.int("DEFAULT_RETENTION_HOURS", 24, minimum=1, maximum=43800)
NVR_DEFAULT_CAMERA_QUOTA_GB = env.int("DEFAULT_CAMERA_QUOTA_GB", 0, minimum=0)
NVR_DEFAULT_RECORD_AUDIO = env.bool("DEFAULT_RECORD_AUDIO", False)
NVR_DEFAULT_PRE_ROLL_SECONDS = env.int("DEFAULT_PRE_ROLL_SECONDS", 10, minimum=0, maximum=300)
NVR_DEFAULT_POST_ROLL_SECONDS = env.int("DEFAULT_POST_ROLL_SECONDS", 30, minimum=0, maximum=3600)
NVR_DEFAULT_AI_FPS = env.float("DEFAULT_AI_FPS", 5.0, minimum=0.1, maximum=30.0)
NVR_DEFAULT_AI_WIDTH = env.int("DEFAULT_AI_WIDTH", 1280, minimum=160, maximum=3840)

# --- recorder (SPEC §5; one or more `manage.py record` processes) ----------------------------
NVR_RECORDER_ENABLED = env.bool("RECORDER_ENABLED", True)
NVR_RECORDER_ID = env.str("RECORDER_ID", "")  # empty = "<hostname>-<hash of the data dir>" (stable)
NVR_RECORDER_CAMERAS_PER_WORKER = env.int("RECORDER_CAMERAS_PER_WORKER", 8, minimum=1, maximum=64)
NVR_RECORDER_LEASE_SECONDS = env.int("RECORDER_LEASE_SECONDS", 30, minimum=5, maximum=600)
NVR_RECORDER_POLL_SECONDS = env.float("RECORDER_POLL_SECONDS", 1.0, minimum=0.1, maximum=30.0)
NVR_RTSP_TIMEOUT_S = env.int("RTSP_TIMEOUT_S", 15, minimum=1, maximum=120)
# Where recorder workers listen for the web processes' live-view and keyframe requests; another
# machine's web processes need an address they can reach (the requests are HMAC-authenticated).
NVR_RECORDER_TAP_HOST = env.str("RECORDER_TAP_HOST", "127.0.0.1")
# Interactive media work (clip export, on-demand stills) at once per process; more wait up to 10 s, then 503.
NVR_MEDIA_JOB_CONCURRENCY = env.int("MEDIA_JOB_CONCURRENCY", 3, minimum=1, maximum=64)
NVR_RECONCILE_INTERVAL_S = env.int("RECONCILE_INTERVAL_S", 300, minimum=10)
NVR_HEALTH_INTERVAL_S = env.int("HEALTH_INTERVAL_S", 15, minimum=5)
NVR_READYZ_MIN_RECORDING_PERCENT = env.float("READYZ_MIN_RECORDING_PERCENT", 0.0, minimum=0.0, maximum=100.0)
NVR_ANR_MAX_GAP_HOURS = env.int("ANR_MAX_GAP_HOURS", 24, minimum=1)

# --- retention (reference §3.17) -------------------------------------------------------------
NVR_RETENTION_INTERVAL_S = env.int("RETENTION_INTERVAL_S", 300, minimum=30)
NVR_MAX_RECORDINGS_GB = env.float("MAX_RECORDINGS_GB", 20.0, minimum=0.001)
NVR_MIN_FREE_DISK_GB = env.float("MIN_FREE_DISK_GB", 5.0, minimum=0.0)
NVR_DETECTION_RETENTION_HOURS = env.int("DETECTION_RETENTION_HOURS", 168, minimum=1)
NVR_AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", 365, minimum=1)
NVR_SNAPSHOT_RETENTION_HOURS = env.int("SNAPSHOT_RETENTION_HOURS", 168, minimum=0)

# --- internationalisation: UTC storage, schedule maths in NVR_TIME_ZONE ----------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = NVR_DATA_DIR / "staticfiles"
# daphne serves static files itself in single-machine mode; turn off behind a web server that does.
NVR_SERVE_STATIC = env.bool("SERVE_STATIC", True)

# Oversized bodies are refused with 413 before any parsing (reference: 8 MiB ingest limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_BODY_BYTES", 8 * 1024 * 1024, minimum=1024)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.CapabilityPermission"],
    "DEFAULT_PARSER_CLASSES": ["nvr.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "nvr.api.pagination.LimitOffsetPagination",
    "EXCEPTION_HANDLER": "nvr.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "NVR API",
    "DESCRIPTION": "Network video recorder: cameras, recordings, AI tasks, zones, events and backups.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StreamEnum": "cameras.models.StreamChoice",
        "RecordModeEnum": "cameras.models.RecordMode",
        "RtspTransportEnum": "cameras.models.RtspTransport",
        "CameraStateEnum": "recording.models.CameraState",
        "SegmentSourceEnum": "recording.models.SegmentSource",
        "GapReasonEnum": "recording.models.GapReason",
        "FillStateEnum": "recording.models.FillState",
        "ZoneKindEnum": "ai.models.ZoneKind",
        "ZoneEventTypeEnum": "ai.models.ZoneEventType",
        "SeverityEnum": "ai.models.Severity",
        "BackupDestinationKindEnum": "backups.models.DestinationKind",
    },
    # the schema and docs are for authenticated callers only (SPEC §4: no anonymous access)
    "SERVE_PERMISSIONS": ["accounts.permissions.CapabilityPermission"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "nvr.api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_credentials": {"()": "nvr.logging.MaskCredentialsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_credentials"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django_q": {"level": "WARNING"}, "django-q": {"level": "WARNING"}},
}

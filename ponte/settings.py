"""Django settings: SQLite in PONTE_DATA_DIR by default; DATABASE_URL and REDIS_URL scale out."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PONTE_DATA_DIR", Path.cwd() / ".ponte")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _persistent_secret(name: str) -> str:
    """A random secret kept in the data dir, so a bare `ponte serve` needs no setup."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("PONTE_SECRET_KEY") or _persistent_secret("secret_key")
DEBUG = os.environ.get("PONTE_DEBUG", "") == "1"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # Swagger UI's assets for /api/v1/docs, served from our static files
    "channels",
    "ponte.accounts",
    "ponte.diagnostics",
    "ponte.ai",
    "ponte.conversations",
    "ponte.desk",
    "ponte.erp",
    "ponte.leads",
    "ponte.inbox",
    "ponte.marketing",
    "ponte.media",
    "ponte.privacy",
    "ponte.sessions",
    "ponte.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ponte.web.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ponte.urls"
ASGI_APPLICATION = "ponte.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ponte.web.context.ponte",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "ponte.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                    # A deleted row's bytes are overwritten, not left in a free page.
                    "PRAGMA secure_delete=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    # Shared by every process: login rate limits count across all of them.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
TIME_ZONE = os.environ.get("PONTE_TIME_ZONE", "America/Sao_Paulo")
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
# Static files are served from the installed package (finders); collectstatic is optional.
STATIC_ROOT = os.environ.get("PONTE_STATIC_ROOT") or None
# Served straight from the apps (htmx from django-htmx, our own JS and CSS): no collectstatic.
# ServeStatic (WhiteNoise's fork with ASGI support) streams files asynchronously under ASGI.
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

# Engine secrets are encrypted at rest with this key (Fernet, urlsafe base64, 32 bytes).
PONTE_ENCRYPTION_KEY = os.environ.get("PONTE_ENCRYPTION_KEY", "")
# Bodies larger than this are refused (413) before they are read. WPPConnect's autoDownload
# and Evolution's webhook base64 put whole files in webhooks as base64 (4/3 of their size):
# 32 MiB lets a 16 MB video (WhatsApp's video limit) through with room to spare. Larger
# files need those engines to send references instead (docs/media.md#engines).
PONTE_MAX_WEBHOOK_BYTES = int(os.environ.get("PONTE_MAX_WEBHOOK_BYTES", 32 * 1024 * 1024))
# Raw webhook bodies are dropped this long after they were processed; 0: at once.
PONTE_INBOX_RETENTION_HOURS = float(os.environ.get("PONTE_INBOX_RETENTION_HOURS", 24))
# How often the sweep (ponte.inbox.sweep) runs: a hidden number's leftovers, old bodies.
PONTE_PRIVACY_SWEEP_SECONDS = float(os.environ.get("PONTE_PRIVACY_SWEEP_SECONDS", 60))
# --- Deployment: what the public address and the proxies in front of Ponte imply ----------
# Where people and engines reach Ponte; `ponte serve` defaults it to its own address.
PONTE_PUBLIC_URL = os.environ.get("PONTE_PUBLIC_URL", "http://127.0.0.1:8000")
_public = urlsplit(PONTE_PUBLIC_URL)
# Its host, plus loopback for health checks on the machine itself, plus any named extras.
_public_host = _public.hostname or "127.0.0.1"
ALLOWED_HOSTS = [f"[{_public_host}]" if ":" in _public_host else _public_host,
                 "127.0.0.1", "localhost", "[::1]",
                 *[h.strip() for h in os.environ.get("PONTE_ALLOWED_HOSTS", "").split(",")
                   if h.strip()]]
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}",
                        *[o for o in os.environ.get("PONTE_CSRF_ORIGINS", "").split(",") if o]]
# Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
# comma-separated); none by default, so a client cannot pick its own address (ponte.proxies).
PONTE_TRUSTED_PROXIES = os.environ.get("PONTE_TRUSTED_PROXIES", "")
if PONTE_TRUSTED_PROXIES.strip():
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if _public.scheme == "https":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Sent only on HTTPS answers (direct, or from a trusted proxy that says so).
    SECURE_HSTS_SECONDS = int(os.environ.get("PONTE_HSTS_SECONDS", 365 * 24 * 3600))
# /metrics: with a token, `Authorization: Bearer <token>`; without one, loopback only.
PONTE_METRICS_TOKEN = os.environ.get("PONTE_METRICS_TOKEN", "")
# --- end of deployment --------------------------------------------------------------------
# Set by `ponte demo`: pages say that messages come from a simulated engine.
PONTE_DEMO = os.environ.get("PONTE_DEMO", "") == "1"
# The benchmark's baseline: a POST endpoint that reads the body and does nothing.
PONTE_NOOP_ENDPOINT = os.environ.get("PONTE_NOOP_ENDPOINT", "") == "1"
# Body cap above Django's own, so our view answers 413 itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "ponte": {"handlers": ["console"], "level": os.environ.get("PONTE_LOG_LEVEL", "INFO")},
        # httpx logs every request URL at INFO, and WPPConnect puts the secret in one.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

# Outbound sends: transient failures are retried with exponential backoff and jitter.
PONTE_SEND_MAX_ATTEMPTS = int(os.environ.get("PONTE_SEND_MAX_ATTEMPTS", 5))
PONTE_SEND_BACKOFF_SECONDS = float(os.environ.get("PONTE_SEND_BACKOFF_SECONDS", 2.0))
PONTE_SEND_BACKOFF_MAX_SECONDS = float(os.environ.get("PONTE_SEND_BACKOFF_MAX_SECONDS", 300))
# A message that could not go out this long after it was queued (or retried) ends failed.
PONTE_SEND_EXPIRY_SECONDS = float(os.environ.get("PONTE_SEND_EXPIRY_SECONDS", 3600))
# A send whose answer never came is looked for in the chat this many times before resending.
PONTE_RECONCILE_CHECKS = int(os.environ.get("PONTE_RECONCILE_CHECKS", 3))
PONTE_RECONCILE_DELAY_SECONDS = float(os.environ.get("PONTE_RECONCILE_DELAY_SECONDS", 5.0))
# A lead is scored this long after its latest inbound message: a burst is read once, whole.
PONTE_LEAD_SCORE_DEBOUNCE_SECONDS = float(os.environ.get("PONTE_LEAD_SCORE_DEBOUNCE_SECONDS", 3))
# The latest scorings of each lead kept as its history; older ones are deleted as new ones come.
PONTE_LEAD_SCORES_KEPT = int(os.environ.get("PONTE_LEAD_SCORES_KEPT", 100))
# Voice transcription (docs/ai.md): voice notes stored within this many hours are transcribed
# (turning it on does not send a shop's whole history), and the folder of the Whisper model
# the local transcriber (`pip install "ponte[whisper]"`) loads; set by whoever runs the
# server, never from a web page.
PONTE_TRANSCRIBE_WINDOW_HOURS = float(os.environ.get("PONTE_TRANSCRIBE_WINDOW_HOURS", 24))
PONTE_WHISPER_MODEL_DIR = os.environ.get("PONTE_WHISPER_MODEL_DIR", "")
# Session supervision.
PONTE_SUPERVISOR_PERIOD_SECONDS = float(os.environ.get("PONTE_SUPERVISOR_PERIOD_SECONDS", 30))
PONTE_RECONNECT_ATTEMPTS = 3
# A session still starting after this long has failed: the engine cannot open WhatsApp Web.
PONTE_SESSION_START_DEADLINE_SECONDS = float(
    os.environ.get("PONTE_SESSION_START_DEADLINE_SECONDS", 180))
# How long a reset total waits for the engine's new QR code before it reports "still starting".
PONTE_RESET_QR_WAIT_SECONDS = float(os.environ.get("PONTE_RESET_QR_WAIT_SECONDS", 60))
# Failed sign-ins allowed per email and per client address within the window.
PONTE_LOGIN_MAX_FAILURES_PER_EMAIL = int(os.environ.get("PONTE_LOGIN_MAX_FAILURES_PER_EMAIL", 5))
PONTE_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("PONTE_LOGIN_MAX_FAILURES_PER_IP", 20))
PONTE_LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("PONTE_LOGIN_FAILURE_WINDOW_SECONDS", 900))
# Diagnostic log retention, per instance.
PONTE_DIAGNOSTICS_KEEP = int(os.environ.get("PONTE_DIAGNOSTICS_KEEP", 5000))
PONTE_DIAGNOSTICS_MAX_AGE_DAYS = int(os.environ.get("PONTE_DIAGNOSTICS_MAX_AGE_DAYS", 14))
# Engine HTTP timeouts (seconds).
PONTE_ENGINE_CONNECT_TIMEOUT = float(os.environ.get("PONTE_ENGINE_CONNECT_TIMEOUT", 5))
PONTE_ENGINE_READ_TIMEOUT = float(os.environ.get("PONTE_ENGINE_READ_TIMEOUT", 30))

# --- Hostile input and security headers (issue 9, items 8 and 13) ---
# Every 500 prints its traceback and leaves a diagnostic entry; 4xx answers stay quiet.
LOGGING["handlers"]["server_errors"] = {
    "class": "ponte.diagnostics.server_errors.ServerErrorEntries"}
LOGGING["loggers"]["django.request"] = {
    "handlers": ["console", "server_errors"], "level": "ERROR", "propagate": False}
# Pages run only Ponte's own scripts and styles: no inline script or style, no eval.
# Images may also be data: URLs (QR codes) and profile photos from the engine's servers.
PONTE_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
MIDDLEWARE.append("ponte.web.headers.ContentSecurityPolicyMiddleware")
SECURE_CONTENT_TYPE_NOSNIFF = True  # pages; asgi.py and bodycap.py add it to machine answers

# --- Media (issue 13, docs/media.md): where files live, how big each kind may be ---
MIB = 1024 * 1024
PONTE_MEDIA_MAX_BYTES_IMAGE = int(os.environ.get("PONTE_MEDIA_MAX_BYTES_IMAGE", 5 * MIB))
PONTE_MEDIA_MAX_BYTES_AUDIO = int(os.environ.get("PONTE_MEDIA_MAX_BYTES_AUDIO", 16 * MIB))
PONTE_MEDIA_MAX_BYTES_VIDEO = int(os.environ.get("PONTE_MEDIA_MAX_BYTES_VIDEO", 16 * MIB))
PONTE_MEDIA_MAX_BYTES_DOCUMENT = int(os.environ.get("PONTE_MEDIA_MAX_BYTES_DOCUMENT", 100 * MIB))
PONTE_MEDIA_MAX_BYTES_STICKER = int(os.environ.get("PONTE_MEDIA_MAX_BYTES_STICKER", 1 * MIB))
# A file sent through the API or the composer may be as big as the largest kind allows, in
# base64 (JSON) plus the form around it; the webhook's cap is for engines' bodies.
PONTE_MAX_UPLOAD_BYTES = int(os.environ.get("PONTE_MAX_UPLOAD_BYTES", max(
    PONTE_MEDIA_MAX_BYTES_IMAGE, PONTE_MEDIA_MAX_BYTES_AUDIO, PONTE_MEDIA_MAX_BYTES_VIDEO,
    PONTE_MEDIA_MAX_BYTES_DOCUMENT) * 4 // 3 + 64 * 1024))
# A picture's canvas above this is refused before decoding (a decompression bomb).
PONTE_MEDIA_MAX_PIXELS = int(os.environ.get("PONTE_MEDIA_MAX_PIXELS", 50_000_000))
# Fetching a received file: tries of a transient failure, the first retry's delay (doubling).
PONTE_MEDIA_DOWNLOAD_MAX_ATTEMPTS = int(os.environ.get("PONTE_MEDIA_DOWNLOAD_MAX_ATTEMPTS", 5))
PONTE_MEDIA_DOWNLOAD_BACKOFF_SECONDS = float(
    os.environ.get("PONTE_MEDIA_DOWNLOAD_BACKOFF_SECONDS", 5))
# Files no message uses (a crash between storing and attaching) go after this long.
PONTE_MEDIA_UNUSED_HOURS = float(os.environ.get("PONTE_MEDIA_UNUSED_HOURS", 1))


def media_storage_config(environ) -> dict:
    """`STORAGES["ponte_media"]` for these environment variables: an S3 bucket when
    `PONTE_MEDIA_S3_BUCKET` is set, else the folder `media` of the data dir."""
    bucket = environ.get("PONTE_MEDIA_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {
            "location": MEDIA_ROOT, "base_url": None,
            "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700,
        }}
    # Private objects: Ponte reads them and serves them to members itself, never by URL.
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": environ.get("PONTE_MEDIA_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("PONTE_MEDIA_S3_REGION") or None,
        "access_key": environ.get("PONTE_MEDIA_S3_ACCESS_KEY")
        or environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("PONTE_MEDIA_S3_SECRET_KEY")
        or environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "location": environ.get("PONTE_MEDIA_S3_PREFIX", "").strip("/"),
        "addressing_style": environ.get("PONTE_MEDIA_S3_ADDRESSING_STYLE") or None,
        "default_acl": None, "querystring_auth": True, "file_overwrite": True,
    }}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "ponte_media": media_storage_config(os.environ),
}

"""lenhub settings.

Everything comes from environment variables. Without any, lenhub runs on embedded
defaults (SQLite in the data directory, in-process channel layer, database-backed task
queue, local files, email written to files). ``LENHUB_PRODUCTION=1`` switches on the
production posture: a secret key and allowed hosts must be given, cookies are secure,
HSTS is sent and plain HTTP is redirected. The README lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env("LENHUB_DATA_DIR") or Path.cwd() / "var").resolve()
SECRETS_DIR = Path(env("LENHUB_SECRETS_DIR") or DATA_DIR / "secrets")
PRODUCTION = env_bool("LENHUB_PRODUCTION")


def _local_secret(filename: str, nbytes: int = 48) -> str:
    """Read a secret kept in the data directory, creating it (mode 0600) on first use."""
    SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = SECRETS_DIR / filename
    if not path.exists():
        # Written under a private name and linked into place, so that processes starting
        # together never read a half-written secret; the first link wins.
        draft = path.with_name(f".{filename}.{secrets.token_hex(8)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(nbytes))
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


DEBUG = env_bool("LENHUB_DEBUG", default=False)

SECRET_KEY = env("LENHUB_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("LENHUB_SECRET_KEY must be set in production.")
    SECRET_KEY = _local_secret("secret_key")

ALLOWED_HOSTS = env_list(
    "LENHUB_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("LENHUB_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("LENHUB_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "lenhub.core",
    "lenhub.access",
    "lenhub.audit",
    "lenhub.accounts",
    "lenhub.networks",
    "lenhub.dissemination",
    "lenhub.knowledge",
    "lenhub.needs",
    "lenhub.search",
    "lenhub.monitoring",
    "lenhub.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's security-key list page loads it
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "channels",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "lenhub.core.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after MessageMiddleware: it tells the person why their session ended
    "lenhub.accounts.middleware.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lenhub.access.middleware.PrivateCacheMiddleware",
]

ROOT_URLCONF = "lenhub.urls"
ASGI_APPLICATION = "lenhub.asgi.application"
WSGI_APPLICATION = "lenhub.wsgi.application"

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
                "lenhub.core.context_processors.lenhub",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A pool of connections per process (psycopg_pool), returned at the end of each
        # request. Under ASGI each request runs in a thread of its own, so connections
        # kept per thread (CONN_MAX_AGE) outlived their requests and piled up (15 open
        # after 40 requests to one process); a new connection per request costs a
        # PostgreSQL process start each time.
        _pool_size = env_int("LENHUB_DATABASE_POOL_SIZE", 10)
        if _pool_size < 1:
            raise ImproperlyConfigured("LENHUB_DATABASE_POOL_SIZE must be 1 or more.")
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            "timeout": 10,
        }
else:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL must be set in production.")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "lenhub.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE makes writers queue on the database lock instead of failing
                # when two transactions both read and then try to write.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests use a file too, so threads (live server, concurrent writers) see one database
    # with the same locking as the embedded installation.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-lenhub.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channels, tasks -----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
_TEST_WORKER = env("PYTEST_XDIST_WORKER")  # tests in parallel: one Redis database each
if REDIS_URL and _TEST_WORKER.startswith("gw"):
    _redis = urlsplit(REDIS_URL)
    _database = int(_redis.path.strip("/") or 0) + 1 + int(_TEST_WORKER[2:])
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_database}"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("LENHUB_CACHE_PREFIX", "lenhub"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("LENHUB_CACHE_PREFIX", "lenhub")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": env("LENHUB_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    if not REDIS_URL:
        raise ImproperlyConfigured("The RQ task backend needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}

# --- authentication -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "lenhub.accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "lenhub.accounts.forms.SignupForm"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[lenhub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Failed sign-ins: at most LENHUB_LOGIN_ATTEMPTS per account (and 4x that per address)
# within LENHUB_LOCKOUT_MINUTES; further attempts are refused with a clear message.
LOGIN_ATTEMPTS = env_int("LENHUB_LOGIN_ATTEMPTS", 5)
LOCKOUT_MINUTES = env_int("LENHUB_LOCKOUT_MINUTES", 15)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_ATTEMPTS * 4}/{LOCKOUT_MINUTES}m/ip,"
    f"{LOGIN_ATTEMPTS}/{LOCKOUT_MINUTES}m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}

MFA_ADAPTER = "lenhub.accounts.adapter.MFAAdapter"
# Second factors: an authenticator app (TOTP) or a security key (WebAuthn), with recovery
# codes as the fallback. Security keys are a second factor only: no passwordless sign-in
# and no passkey sign-up. The WebAuthn relying-party id is the host the request came to
# (validated by ALLOWED_HOSTS); browsers need https, or http://localhost in development
# (an IP address such as 127.0.0.1 cannot be a relying-party id).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_TOTP_ISSUER = env("LENHUB_TOTP_ISSUER", "lenhub")
MFA_RATE_LIMITS = {"authenticate": "5/m/key"}

# Sessions end after LENHUB_SESSION_IDLE_MINUTES without a request (up to a minute
# earlier: a request renews the session at most every SESSION_RENEW_SECONDS, see
# lenhub.accounts.middleware.SessionGuardMiddleware), and in any case
# LENHUB_SESSION_MAX_HOURS after sign-in.
SESSION_IDLE_MINUTES = env_int("LENHUB_SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("LENHUB_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "lenhub_session"
# Flash messages stay on the server (they may name people), not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_NAME = "lenhub_csrf"
CSRF_COOKIE_HTTPONLY = True

# Vetting lasts this many days unless re-confirmed.
VETTING_VALID_DAYS = env_int("LENHUB_VETTING_VALID_DAYS", 365)
TOKEN_MAX_DAYS = env_int("LENHUB_TOKEN_MAX_DAYS", 365)

# --- security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("LENHUB_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("LENHUB_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LENHUB_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("LENHUB_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_NAME = "__Host-lenhub_session"
    CSRF_COOKIE_NAME = "__Host-lenhub_csrf"
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- audit ----------------------------------------------------------------------------
# The chain key and the head checkpoints live outside the database.
AUDIT_KEY_FILE = Path(env("LENHUB_AUDIT_KEY_FILE") or SECRETS_DIR / "audit.key")
AUDIT_CHECKPOINT_FILE = Path(
    env("LENHUB_AUDIT_CHECKPOINT_FILE") or DATA_DIR / "audit" / "checkpoints.log"
)

# --- email ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("LENHUB_FROM_EMAIL", "lenhub <noreply@lenhub.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("LENHUB_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("LENHUB_EMAIL_HOST")
    EMAIL_PORT = env_int("LENHUB_EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("LENHUB_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("LENHUB_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("LENHUB_EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("LENHUB_EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    EMAIL_TIMEOUT = 20
elif env("LENHUB_EMAIL_BACKEND") == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- files, static, i18n --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("LENHUB_MEDIA_ROOT") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# Logs go to standard output, one JSON object per line (LENHUB_LOG_FORMAT=text for
# people reading a terminal), each carrying the request id of the request it belongs to.
LOG_FORMAT = env("LENHUB_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lenhub.core.requestlog.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "text" if LOG_FORMAT == "text" else "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LENHUB_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "lenhub.access": {"level": env("LENHUB_ACCESS_LOG_LEVEL", "INFO")},
        # fpdf2 subsets the roadmap PDF's font: dozens of INFO lines per PDF otherwise
        "fontTools": {"level": "WARNING"},
    },
}

# Search: "auto" uses PostgreSQL full-text search on PostgreSQL, SQLite FTS5 on SQLite.
LENHUB_SEARCH_ENGINE = env("LENHUB_SEARCH_ENGINE", "auto")
if LENHUB_SEARCH_ENGINE not in ("auto", "sqlite", "postgres"):
    raise ImproperlyConfigured("LENHUB_SEARCH_ENGINE must be auto, sqlite or postgres.")
# When too few documents match every word of a question, documents matching any of its
# words follow. N > 0: only those with one of its rarest words, which together occur in
# at most N documents (the first of them are ranked again by every word); 0: any word
# will do (slow on a very large index). Measured in bench/RESULTS.md.
LENHUB_SEARCH_RELAXED_POSTINGS = env_int("LENHUB_SEARCH_RELAXED_POSTINGS", 8000)
if LENHUB_SEARCH_RELAXED_POSTINGS < 0:
    raise ImproperlyConfigured("LENHUB_SEARCH_RELAXED_POSTINGS must be 0 or more.")
# A match of a large index (20,000 documents or more) is read in this many parts at
# once, each by a statement on a connection of its own (1: in one statement). More parts
# than processors gain nothing. Measured in bench/RESULTS.md.
LENHUB_SEARCH_PARTS = env_int("LENHUB_SEARCH_PARTS", min(2, os.cpu_count() or 1))
if LENHUB_SEARCH_PARTS < 1:
    raise ImproperlyConfigured("LENHUB_SEARCH_PARTS must be 1 or more.")

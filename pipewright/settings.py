"""Pipewright settings: one module, every value read from the environment.

Defaults are safe for production (DEBUG off, no secret key); `make run` and the test suite set
PIPEWRIGHT_DEV=1, which allows the development secret key. DATABASE_URL (PostgreSQL) is always
required: `make run` starts an embedded PostgreSQL and writes its URL to var/dev.env, which
manage.py reads.
"""

from __future__ import annotations

import socket
from pathlib import Path

import dj_database_url
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from pipewright.env import (
    env_bool,
    env_choice,
    env_directives,
    env_float,
    env_int,
    env_list,
    env_memory,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PIPEWRIGHT_VAR", str(BASE_DIR / "var")))

DEV = env_bool("PIPEWRIGHT_DEV", False)
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEV:
        raise RuntimeError("SECRET_KEY is not set (set PIPEWRIGHT_DEV=1 for a development key)")
    SECRET_KEY = "dev-only-insecure-key-pipewright-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEV else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "teams",
    "modules",
    "designer",
    "runner",
    "registry",
    "publishing",
    "serving",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "pipewright.middleware.ContentSecurityPolicyMiddleware",
    "pipewright.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pipewright.urls"
ASGI_APPLICATION = "pipewright.asgi.application"
WSGI_APPLICATION = "pipewright.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

if DEV:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
_database_url = env_str("DATABASE_URL")
if not _database_url:
    raise RuntimeError(
        "DATABASE_URL is not set: PostgreSQL, e.g. postgres://user:pass@host:5432/db"
        " (`make run` starts an embedded one and writes its URL to var/dev.env for manage.py)"
    )
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
# The web process (Daphne) borrows its connections from a psycopg pool of at most this many
# (pipewright/asgi_handler.py): under ASGI each request runs on a thread of its own, so without a
# pool every request would open (and pay for) a new connection. 0: no pool, a connection per request.
# Celery workers keep theirs instead (pipewright/celery.py); size PostgreSQL's max_connections for both.
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 10)
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 2)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError(f"DATABASE_URL must name a PostgreSQL database, not {DATABASES['default']['ENGINE']}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
FRONTEND_DIST = Path(env_str("PIPEWRIGHT_FRONTEND_DIST", str(BASE_DIR / "frontend" / "dist")))
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEV
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEV

# Requests: a huge body is a 413/400, never a crash (docs/operations.md, "Limits").
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 10 * 1024 * 1024)  # a JSON or form body
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATASET_MAX_BYTES = env_int("DATASET_MAX_BYTES", 512 * 1024 * 1024)  # one dataset upload
MODULE_UPLOAD_MAX_BYTES = env_int("MODULE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)  # a multipart module version
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)  # nesting of any JSON body
RUN_PARAMETERS_MAX_BYTES = env_int("RUN_PARAMETERS_MAX_BYTES", 64 * 1024)  # a run's parameters, as JSON
RUN_PARAMETER_MAX_BYTES = env_int("RUN_PARAMETER_MAX_BYTES", 32 * 1024)  # one parameter value, as JSON

# Security: secure by default outside development.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEV)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEV)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEV)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEV else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEV
SECURE_HSTS_PRELOAD = not DEV
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The Content-Security-Policy of every page and answer (pipewright.middleware; downloads set a
# stricter one of their own). Scripts only from this origin, never inline or eval'd; styles from
# here and inline (the login page, untrusted HTML previews in their sandboxed frames); nothing
# from another host; no page may be framed. CSP_EXTRA adds sources (or directives) for a
# deployment, e.g. "img-src https://img.example.com; report-uri /csp-report".
_CSP_BASE = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],  # plus ws://<host> and wss://<host>, added per request
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY = dict(_CSP_BASE)
for _name, _extra in env_directives("CSP_EXTRA").items():
    _sources = [s for s in CONTENT_SECURITY_POLICY.get(_name, []) if s != "'none'"]
    CONTENT_SECURITY_POLICY[_name] = _sources + [s for s in _extra if s not in _sources]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # first, so an unauthenticated request is a 401 (DRF asks the first class for the header)
        "teams.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The client address for rate limits: REMOTE_ADDR, or the NUM_PROXIES-th address from the
    # right of X-Forwarded-For behind that many trusted proxies (never a client-chosen header).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "pipewright.parsers.SafeJSONParser",
        "pipewright.parsers.BoundedFormParser",
        "pipewright.parsers.BoundedMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "pipewright.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "pipewright.pagination.CursorPage",
    "DEFAULT_METADATA_CLASS": "pipewright.metadata.BasicMetadata",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pipewright API",
    "DESCRIPTION": "Visual ML pipeline designer: catalog, pipelines, runs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # /api/docs/ loads Swagger UI from our own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VersionStatusEnum": "modules.models.VersionStatus",
        "AuditActionEnum": "teams.audit.ACTIONS",
        "StepStatusEnum": ["pending", "queued", "running", "succeeded", "failed", "cached", "skipped", "canceled"],
        "RunStatusEnum": ["pending", "queued", "running", "succeeded", "failed", "canceled"],
        "VersionBumpEnum": "compiler.upgrade.BUMPS",
    },
    # serving's scoring view is a plain async Django view; its hook documents it
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "serving.api.schema.add_score_operation",
    ],
}

# Sign-in limits (pipewright/authlimits.py): failures per username + client address within the
# window, after which that pair is refused until the window has passed; requests per address to
# the token endpoint. Counts live in the cache: each web process's memory unless CACHE_URL names
# a Redis (redis://host:port/db) shared by all of them.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 300)
AUTH_THROTTLE_RATE = env_str("AUTH_THROTTLE_RATE", "30/min")
_cache_url = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
    if _cache_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pipewright"}
}

# Redis: broker, channel layer and the result of nothing else.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "pipewright.channel_layer.RedisChannelLayer",  # group commands tried again
        "CONFIG": {
            # redis-py 8 reads with a 5 s socket timeout by default, exactly channels_redis' 5 s
            # BZPOPMIN in receive(): an idle WebSocket then fails with "Timeout reading from ..."
            # (channels_redis #422). Read for longer than a blocking pop lasts; and retry once, not
            # redis-py 8's ten times, so a read that never gets an answer fails in seconds.
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": env_int("CHANNELS_SOCKET_TIMEOUT", 15),
                    "socket_keepalive": True,
                    "retry": Retry(ExponentialBackoff(cap=1, base=0.1), 1),
                }
            ],
            "prefix": env_str("CHANNELS_PREFIX", "pipewright"),
            "capacity": 1000,
            "expiry": 30,
        },
    }
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)  # see pipewright/celery.py
CELERY_TASK_ALWAYS_EAGER = False
CELERY_WORKER_CONSUMER = "pipewright.consumer:Consumer"  # survives losing Redis with a task in flight
# Messages only wake workers; the database holds the record of each step. A long step therefore
# never depends on the visibility timeout, which we still keep above the longest step timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 3600),
    "global_keyprefix": env_str("CELERY_KEY_PREFIX", ""),
    "socket_connect_timeout": 5,  # a Redis that drops packets fails a (re)connection, never hangs it
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Compute: where steps run is the operator's policy, never a module's: "docker" (default) or
# "local" (a host process without a container), optionally per team ("team=target,..."); local
# compute runs only where PIPEWRIGHT_ALLOW_LOCAL_COMPUTE allows it.
DOCKER_HOST = env_str("DOCKER_HOST", "")
PIPEWRIGHT_COMPUTE = env_str("PIPEWRIGHT_COMPUTE", "docker")
PIPEWRIGHT_COMPUTE_TEAMS = env_list("PIPEWRIGHT_COMPUTE_TEAMS", [])
PIPEWRIGHT_ALLOW_LOCAL_COMPUTE = env_bool("PIPEWRIGHT_ALLOW_LOCAL_COMPUTE", False)
# The operator's bounds on per-node compute settings (a value above one is a compile error naming
# the field; empty: unbounded) and the GPUs a step may ask for (0: none; a run of a step with
# `gpus` > 0 is then refused at start, a 400 naming the node and field).
PIPEWRIGHT_MAX_CPU = env_float("PIPEWRIGHT_MAX_CPU", None)
PIPEWRIGHT_MAX_MEMORY = env_memory("PIPEWRIGHT_MAX_MEMORY", None)
PIPEWRIGHT_GPUS = env_int("PIPEWRIGHT_GPUS", 0)
# Seconds a worker keeps an image's content digest (the cache key uses it, not the tag).
PIPEWRIGHT_IMAGE_ID_TTL = env_int("PIPEWRIGHT_IMAGE_ID_TTL", 30)
ARTIFACT_ROOT = Path(env_str("ARTIFACT_ROOT", str(VAR_DIR / "artifacts")))
WORK_ROOT = Path(env_str("WORK_ROOT", str(VAR_DIR / "work")))
# The artifact store (artifacts.backend): `local`, the folder ARTIFACT_ROOT (one host), or `s3`,
# any S3-compatible server that every worker and the web tier reach (several hosts). With s3 a
# worker fetches inputs by hash into its bounded LRU cache (PIPEWRIGHT_INPUT_CACHE_*).
PIPEWRIGHT_STORE = env_choice("PIPEWRIGHT_STORE", ("local", "s3"), "local")
PIPEWRIGHT_S3_ENDPOINT = env_str("PIPEWRIGHT_S3_ENDPOINT", "")  # empty: AWS's own endpoint
PIPEWRIGHT_S3_BUCKET = env_str("PIPEWRIGHT_S3_BUCKET", "pipewright")
PIPEWRIGHT_S3_PREFIX = env_str("PIPEWRIGHT_S3_PREFIX", "")
PIPEWRIGHT_S3_ACCESS_KEY = env_str("PIPEWRIGHT_S3_ACCESS_KEY", "")
PIPEWRIGHT_S3_SECRET_KEY = env_str("PIPEWRIGHT_S3_SECRET_KEY", "")
PIPEWRIGHT_S3_REGION = env_str("PIPEWRIGHT_S3_REGION", "us-east-1")
PIPEWRIGHT_INPUT_CACHE_DIR = Path(env_str("PIPEWRIGHT_INPUT_CACHE_DIR", str(VAR_DIR / "input-cache")))
PIPEWRIGHT_INPUT_CACHE_BYTES = env_memory("PIPEWRIGHT_INPUT_CACHE_BYTES", 10 * 1024**3) or 10 * 1024**3
# Runner: step heartbeats (seconds between beats; a step whose last beat is older than the
# timeout is retried or failed by the reaper) and where step logs are kept.
PIPEWRIGHT_HEARTBEAT = env_int("PIPEWRIGHT_HEARTBEAT", 2)
PIPEWRIGHT_HEARTBEAT_TIMEOUT = env_int("PIPEWRIGHT_HEARTBEAT_TIMEOUT", 30)
# A step worker that finishes a step runs the next step of its chain itself (no broker round trip)
# for this many seconds of a task; 0 sends every step through the broker.
PIPEWRIGHT_CHAIN_SECONDS = env_int("PIPEWRIGHT_CHAIN_SECONDS", 10)
PIPEWRIGHT_REAP_EVERY = env_int("PIPEWRIGHT_REAP_EVERY", 10)
# A step queued this long without a worker claiming it is sent again by the sweep (its message may
# have died with Redis); a duplicate message is harmless, so this only bounds the extra messages.
PIPEWRIGHT_QUEUED_GRACE = env_int("PIPEWRIGHT_QUEUED_GRACE", 30)
# Hosts (docs/operations.md "Several worker hosts"): this process's host, as its step workers
# record it on the steps they claim and as its per-host queue `host.<id>` is named (default: the
# machine's hostname); the janitor of every host seen within PIPEWRIGHT_HOST_FORGET seconds is woken
# every PIPEWRIGHT_JANITOR_EVERY seconds through that queue.
PIPEWRIGHT_HOST_ID = env_str("PIPEWRIGHT_HOST_ID", "") or socket.gethostname()
PIPEWRIGHT_JANITOR_EVERY = env_int("PIPEWRIGHT_JANITOR_EVERY", 60)
PIPEWRIGHT_HOST_FORGET = env_int("PIPEWRIGHT_HOST_FORGET", 7 * 24 * 3600)
# Kubernetes Job compute (PIPEWRIGHT_COMPUTE=kubernetes; runner/compute/kubernetes.py): the
# namespace Jobs run in, the kubeconfig (empty: the in-cluster service account, else ~/.kube/config),
# seconds a finished Job is kept, and an optional API server URL (tests: tests/k8s_fake).
PIPEWRIGHT_K8S_NAMESPACE = env_str("PIPEWRIGHT_K8S_NAMESPACE", "pipewright")
PIPEWRIGHT_K8S_KUBECONFIG = env_str("PIPEWRIGHT_K8S_KUBECONFIG", "")
PIPEWRIGHT_K8S_API = env_str("PIPEWRIGHT_K8S_API", "")
PIPEWRIGHT_K8S_TTL = env_int("PIPEWRIGHT_K8S_TTL", 300)
PIPEWRIGHT_K8S_SERVICE_ACCOUNT = env_str("PIPEWRIGHT_K8S_STEP_SERVICE_ACCOUNT", "")
# Step logs live in the database (runner.steplogs); this folder only holds logs of steps run
# before that (read as a fallback for their rows).
# Module editor trials ("Try it"): the longest a trial runs (a draft's own timeout counts up to
# this), and how long a trial and its log are kept before the sweep deletes them.
PIPEWRIGHT_TRIAL_TIMEOUT = env_int("PIPEWRIGHT_TRIAL_TIMEOUT", 600)
PIPEWRIGHT_TRIAL_KEEP_SECONDS = env_int("PIPEWRIGHT_TRIAL_KEEP_SECONDS", 86400)
PIPEWRIGHT_LOG_DIR = Path(env_str("PIPEWRIGHT_LOG_DIR", str(VAR_DIR / "logs")))
# A step's log keeps this many bytes (all attempts); past it one line says so and the rest is dropped.
PIPEWRIGHT_LOG_MAX_BYTES = env_memory("PIPEWRIGHT_LOG_MAX_BYTES", 256 * 1024**2) or 256 * 1024**2
# Real-time deployments (serving/): the folder of replica sockets and specs (bind-mounted into the
# replicas), the image replicas run, the most replicas a version may ask for, how often the
# supervisor reconciles, and how long a replica may take to answer its first ping.
SERVING_ROOT = Path(env_str("SERVING_ROOT", str(VAR_DIR / "serving")))
SERVING_IMAGE = env_str("SERVING_IMAGE", "pipewright/python-ml:1")
SERVING_MAX_REPLICAS = env_int("SERVING_MAX_REPLICAS", 8)
SERVING_RECONCILE_SECONDS = env_float("SERVING_RECONCILE_SECONDS", 0.5)
SERVING_START_TIMEOUT = env_int("SERVING_START_TIMEOUT", 30)
SERVING_REQUEST_TIMEOUT = env_float("SERVING_REQUEST_TIMEOUT", 10.0)
SERVING_REPLICA_CONNECTIONS = env_int("SERVING_REPLICA_CONNECTIONS", 8)  # per web process and replica
SERVING_MAX_ROWS = env_int("SERVING_MAX_ROWS", 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "pipewright.auth": {"level": "INFO"}},
}

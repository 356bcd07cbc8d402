"""Password guessing, slowed down: failed sign-ins are logged and counted per username + client
address; after `LOGIN_FAILURE_LIMIT` failures within `LOGIN_FAILURE_WINDOW` seconds that pair is
refused (429) until the window has passed, without the password being checked. The token
endpoint is also rate limited per address (`AuthRateThrottle`).

Counts live in Django's cache (`CACHE_URL`: the local-memory cache of each web process unless a
Redis cache is configured). The client address is REMOTE_ADDR, or the `NUM_PROXIES`-th address
from the right of X-Forwarded-For when that many trusted proxies stand in front (DRF's rule).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from pipewright.errors import DomainError

log = logging.getLogger("pipewright.auth")


class TooManyAttempts(DomainError):
    status_code = 429
    default_detail = "Too many failed sign-ins."


def client_ip(request: Any) -> str:
    return BaseThrottle().get_ident(request) or "unknown"


def _key(username: str, ip: str) -> str:
    raw = f"{username.strip().lower()}\0{ip}".encode("utf-8", "surrogatepass")
    return "pw-login-failures:" + hashlib.sha256(raw).hexdigest()


def _cache_get(key: str) -> int:
    try:
        return int(cache.get(key, 0))
    except Exception:  # a cache that is down must not lock everybody out (nor let a 500 through)
        log.exception("the cache did not answer; sign-in limits are not enforced")
        return 0


def failures(username: str, ip: str) -> int:
    return _cache_get(_key(username, ip))


def locked_message(username: str, ip: str) -> str | None:
    """A message for the user when this username + address has failed too often, else None."""
    if failures(username, ip) < settings.LOGIN_FAILURE_LIMIT:
        return None
    minutes = max(1, round(settings.LOGIN_FAILURE_WINDOW / 60))
    log.warning("sign-in refused: too many failures for username=%r from %s", username, ip)
    return (
        f"Too many failed sign-ins for '{username}' from your address. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."
    )


def refuse_if_locked(username: str, ip: str) -> None:
    message = locked_message(username, ip)
    if message is not None:
        raise TooManyAttempts(message, [{"field": "username", "message": "too many failed sign-ins"}])


def record_failure(username: str, ip: str, via: str) -> None:
    log.warning("sign-in failed for username=%r from %s via %s", username, ip, via)
    key = _key(username, ip)
    try:
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
    except Exception:
        log.exception("the cache did not answer; sign-in limits are not enforced")


def clear(username: str, ip: str) -> None:
    try:
        cache.delete(_key(username, ip))
    except Exception:
        log.exception("the cache did not answer")


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """`user_login_failed` receiver (connected by the teams app): the sign-in page and the token
    endpoint both authenticate through django.contrib.auth, so both are counted here."""
    username = str(credentials.get("username", ""))[:150]
    ip = client_ip(request) if request is not None else "unknown"
    via = getattr(request, "path", "") or "unknown"
    record_failure(username, ip, via)


class AuthRateThrottle(SimpleRateThrottle):
    """Requests to the token endpoint per client address (`AUTH_THROTTLE_RATE`, e.g. "20/min")."""

    scope = "auth"

    def get_rate(self) -> str | None:
        return str(settings.AUTH_THROTTLE_RATE) or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            log.exception("the cache did not answer; the token endpoint is not rate limited")
            return True

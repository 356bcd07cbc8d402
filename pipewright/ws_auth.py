"""WebSocket admission: who is connecting, and from which page.

- A browser authenticates with its session cookie. Browsers always send `Origin` on a WebSocket
  handshake, and a page of another site could use the cookie (cross-site WebSocket hijacking), so
  the origin must equal the application's own origin (scheme, host and port, as the request
  reached us; `X-Forwarded-Proto` counts per SECURE_PROXY_SSL_HEADER) or one listed in
  CSRF_TRUSTED_ORIGINS, and the host must be in ALLOWED_HOSTS.
- An API client authenticates with a personal API token, as `?token=<key>` or an
  `Authorization: Token <key>` header; it needs no Origin (a token is no ambient credential).

A refused client is accepted and then closed with an application close code, so it learns why and
does not retry (a handshake refused before `accept` reaches a browser as a bare 1006, which looks
like a network failure): 4401 unauthenticated (no or a bad token), 4403 forbidden origin. The run
consumer adds 4404 (no such run, or another team's). A JSON frame
`{"type": "error", "code": ..., "detail": ...}` precedes the close for clients that want the text.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host

UNAUTHENTICATED = 4401
FORBIDDEN_ORIGIN = 4403
NOT_FOUND = 4404

_DEFAULT_PORTS = {"http": 80, "https": 443}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, default ports filled in; None when malformed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope.get("headers", [])}


def _own_scheme(scope: Scope, headers: dict[str, str]) -> str:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower()
        if headers.get(name, "").split(",")[0].strip().lower() == proxy[1]:
            return "https"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def origin_problem(scope: Scope) -> str | None:
    """Why this handshake's Origin is not allowed for a session, or None when it is."""
    headers = _headers(scope)
    origin = headers.get("origin")
    if not origin:
        return "no Origin header: API clients authenticate with ?token=<key> or 'Authorization: Token <key>'"
    host = headers.get("host", "")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return f"host {host!r} is not in ALLOWED_HOSTS"
    given = _origin(origin)
    if given is None:
        return f"malformed Origin {origin!r}"
    allowed = {_origin(f"{_own_scheme(scope, headers)}://{host}")}
    allowed.update(_origin(o) for o in getattr(settings, "CSRF_TRUSTED_ORIGINS", []) if "*" not in o)
    if given not in allowed:
        return f"origin {origin} is not this application's origin"
    return None


def _token(scope: Scope) -> str | None:
    keys = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
    if keys:
        return keys[0]
    parts = _headers(scope).get("authorization", "").split()
    if len(parts) == 2 and parts[0].lower() == "token":
        return parts[1]
    return None


async def refuse(receive: Receive, send: Send, code: int, detail: str) -> None:
    """Complete the handshake, say why, and close with `code` (a final code for the client)."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": json.dumps({"type": "error", "code": code, "detail": detail})})
    await send({"type": "websocket.close", "code": code})


class WebSocketGate:
    """The WebSocket stack: token or session authentication plus the origin check (see above).
    `user_for_token(key)` (sync, touches the database) returns the token's user or None; the
    wiring (asgi.py) passes the teams app's lookup, which this layer cannot import."""

    def __init__(self, inner: App, user_for_token: Callable[[str], Any]) -> None:
        self.inner = inner
        self.session_app = AuthMiddlewareStack(inner)
        self.user_for_token = database_sync_to_async(user_for_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "websocket":
            return await self.inner(scope, receive, send)
        key = _token(scope)
        if key is not None:
            user = await self.user_for_token(key)
            if user is None:
                return await refuse(receive, send, UNAUTHENTICATED, "invalid or revoked token")
            return await self.inner(dict(scope, user=user), receive, send)
        problem = origin_problem(scope)
        if problem is not None:
            code = UNAUTHENTICATED if not _headers(scope).get("origin") else FORBIDDEN_ORIGIN
            return await refuse(receive, send, code, problem)
        return await self.session_app(scope, receive, send)

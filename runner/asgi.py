"""The run read at the ASGI layer: `GET /api/runs/{id}/` with an API token, around Django's request
cycle (docs/operations.md, "Reading runs").

Scripts follow runs by polling this endpoint, some of them every few milliseconds, on the web
process that serves everyone. `runner.reads` already answers it in two queries at most, from the
steps' JSON kept per event seq; what remained was the framework: Django's request and response,
ten middlewares, URL resolving and DRF's dispatch cost the web process more CPU than the read
itself (`bench/stack_bench.py` (e), against `GET /api/me/`). Here a token-authenticated read of a
run the token's user can see is answered by the same two functions the view calls
(`teams.tokens.user_for_key`, `runner.reads.visible_run_json`), on one thread hop, with the JSON
DRF would render. Everything else goes to Django unchanged, so every error (a bad or revoked
token, a run the user cannot see, a malformed id) keeps its one wording there: a session (the
browser, which follows runs over the WebSocket anyway), a query string, another method or path,
a missing run.
"""

from __future__ import annotations

import re
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from rest_framework.renderers import JSONRenderer

from pipewright.asgi_json import JSON_HEADERS, Receive, Send, send_json, token_of
from runner import reads
from teams import tokens

RUN = re.compile(r"^/api/runs/(?P<id>[0-9]{1,18})/$")
# what else Django's answer carries: DRF's Vary and Allow, SecurityMiddleware's two policies
HEADERS = [
    *JSON_HEADERS,
    (b"vary", b"Accept"),
    (b"allow", b"GET, HEAD, OPTIONS"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_render = JSONRenderer().render


def _key(scope: dict[str, Any]) -> str | None:
    """The token's key when it could be one (ASCII), else None (Django decides)."""
    raw = token_of(scope)
    return raw.decode("ascii") if raw is not None and raw.isascii() else None


def read(key: str, run_id: int) -> bytes | None:
    """The run's JSON as the view renders it, or None when Django must answer (the token or the
    run not found: its errors are worded there). On the request's own thread, whose database
    connection goes back to the pool at the end, as Django's request-finished signal would."""
    try:
        user = tokens.user_for_key(key)
        data = reads.visible_run_json(user, run_id) if user is not None else None
        return None if data is None else _render(data)
    except Exception:
        # the database gone, say: Django answers, and fails the same way with its own error handling
        return None
    finally:
        close_old_connections()


def _plain(scope: dict[str, Any]) -> bool:
    """No query string, and not a client asking for HTML (DRF's browsable API answers that)."""
    if scope.get("query_string"):
        return False
    return not any(name == b"accept" and b"text/html" in value for name, value in scope.get("headers", []))


class RunReadFastPath:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        match = RUN.match(scope.get("path", "")) if scope.get("type") == "http" else None
        key = _key(scope) if match is not None and scope.get("method") == "GET" and _plain(scope) else None
        body = await sync_to_async(read, thread_sensitive=False)(key, int(match["id"])) if key and match else None
        if body is None:
            await self.app(scope, receive, send)
            return
        await send_json(send, 200, body, HEADERS)

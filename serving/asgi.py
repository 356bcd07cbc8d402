"""The scoring fast path at the ASGI layer: POST /api/deployments/<slug>/score straight to
`serving.scoring`, around Django's middleware chain.

Why: three of the project's middlewares are sync-only, so Django runs every request's chain in
its one sync thread and an async view inside it through async_to_sync, which holds that thread for
the whole replica round trip: the web process would score one request at a time. Here the
request stays on the event loop, so requests to different replicas overlap. The same function
answers through the Django view (`serving.api.views.score_view`, for the test client and any
other method); this path sets the headers the middlewares would (nosniff, a CSP, no framing).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from pipewright.asgi_json import JSON_HEADERS, Receive, Send, send_json, token_of
from serving import scoring

SCORE = re.compile(r"^/api/deployments/(?P<slug>[-a-zA-Z0-9_]{1,63})/score/?$")
HEADERS = [*JSON_HEADERS, (b"cache-control", b"no-store")]


class ScoreFastPath:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        match = SCORE.match(scope.get("path", "")) if scope.get("type") == "http" else None
        if match is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                await _answer(send, 413, {"detail": "The request body is too large."})
                return
            if not message.get("more_body"):
                break
        raw = token_of(scope)
        key = raw.decode("latin-1") if raw is not None else None
        if key is None:
            await _answer(send, 401, {"detail": "Authentication credentials were not provided."})
            return
        try:
            parsed = json.loads(bytes(body) or b"null")
        except ValueError as exc:
            await _answer(
                send, 400, {"detail": f"JSON parse error: {exc}", "errors": [{"field": "rows", "message": "not JSON"}]}
            )
            return
        status, answer = await scoring.score(match["slug"], key, parsed, recycle=True)
        await _answer(send, status, answer)


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    headers = [*HEADERS, (b"www-authenticate", b"Token")] if status == 401 else HEADERS
    await send_json(send, status, json.dumps(body).encode(), headers)

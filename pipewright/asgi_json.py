"""What the ASGI fast paths share (`serving/asgi.py`, `runner/asgi.py`): the types of an ASGI
application's channels, the token of a request, the headers Django's middlewares would put on a
JSON answer, and sending one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# SecurityMiddleware's nosniff, a Content-Security-Policy for an answer that loads nothing, and
# XFrameOptionsMiddleware's DENY
JSON_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
]


def token_of(scope: dict[str, Any]) -> bytes | None:
    """The key of an `Authorization: Token <key>` header, as sent; None without a well-formed one."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            parts = value.split()
            return parts[1] if len(parts) == 2 and parts[0].lower() == b"token" else None
    return None


async def send_json(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """Send a whole answer: `headers`, its length, then `body` (JSON already rendered)."""
    start = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})

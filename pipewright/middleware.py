"""At the door: requests the database could never answer are refused with a 400; bodies
larger than any upload are refused before they are read (413); every response gets the
Content-Security-Policy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse

UPLOAD_FRAMING_BYTES = 64 * 1024  # the form fields and multipart framing around an uploaded file


class RejectNulMiddleware:
    """A NUL character in the path, the query string (`%00`) or a header (a token, a session
    cookie) would reach a PostgreSQL text lookup, which refuses it with an error (a 500). Nothing
    legitimate contains one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
            return refuse_nul("The URL contains a NUL (%00) character.", "url")
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                header = key[5:].replace("_", "-").title()
                return refuse_nul(f"The {header} header contains a NUL character.", header)
        if any("\x00" in k or "\x00" in v for k, v in request.COOKIES.items()):  # "\000" once unquoted
            return refuse_nul("A cookie contains a NUL character.", "Cookie")
        return self.get_response(request)


def refuse_nul(detail: str, field: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "errors": [{"field": field, "message": "contains a NUL character"}]}, status=400
    )


class BodyLimitASGI:
    """ASGI guard in front of Django: Django's ASGI handler spools a whole request body (to a
    temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE) before any view runs, so a body larger than
    the largest upload anything accepts is answered 413 here from its declared Content-Length,
    before Django reads it; a body sent without one is cut off at the same size. Each view's own,
    smaller limit is applied by its parser (pipewright/parsers.py). (Daphne itself receives a
    whole body before calling the application: the proxy's body limit is the first line, see
    docs/operations.md.)"""

    def __init__(self, app: Any) -> None:
        self.app = app

    @staticmethod
    def limit() -> int:
        return max(
            settings.DATASET_MAX_BYTES + UPLOAD_FRAMING_BYTES,
            settings.MODULE_UPLOAD_MAX_BYTES,
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0,
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        try:
            length = int(declared)
        except ValueError:
            length = 0
        if length > limit:
            body = json.dumps(
                {
                    "detail": f"The request body is larger than {limit} bytes.",
                    "errors": [{"field": None, "message": f"is larger than the limit of {limit} bytes"}],
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def bounded_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, bounded_receive, send)


class ContentSecurityPolicyMiddleware:
    """Every response that sets no policy of its own gets `settings.CONTENT_SECURITY_POLICY`
    (directive -> sources, extended by `CSP_EXTRA`), plus this host's WebSocket origins in
    `connect-src` (the run feed; older browsers do not count ws: under 'self'). The front end
    runs under it: no inline script, no eval, nothing from another host. A download sets its own,
    stricter policy (pipewright.downloads) and keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header(request)
        return response

    def header(self, request: HttpRequest) -> str:
        directives: dict[str, list[str]] = dict(settings.CONTENT_SECURITY_POLICY)
        if "connect-src" in directives:
            try:
                host = request.get_host()
            except DisallowedHost:  # the 400 this request already got; no WebSocket origin to add
                host = ""
            if host:
                directives["connect-src"] = [*directives["connect-src"], f"ws://{host}", f"wss://{host}"]
        return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())

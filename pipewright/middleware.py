"""At the door: requests the database could never answer are refused with a 400, and every
response gets the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulMiddleware:
    """A NUL character in the path or the query string (`%00`) would reach a PostgreSQL text
    lookup, which refuses it with an error (a 500). Nothing legitimate contains one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
            return JsonResponse(
                {
                    "detail": "The URL contains a NUL (%00) character.",
                    "errors": [{"field": "url", "message": "contains a NUL (%00) character"}],
                },
                status=400,
            )
        return self.get_response(request)


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

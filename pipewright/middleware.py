"""Requests the database could never answer are refused at the door with a 400."""

from __future__ import annotations

from collections.abc import Callable

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

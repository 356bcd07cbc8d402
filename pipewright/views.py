"""The single-page front end and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

_MISSING_BUILD = """<!doctype html><title>Pipewright</title>
<h1>The front end is not built</h1><p>Run <code>make frontend</code> (or <code>make run</code>).</p>"""


@login_required
@ensure_csrf_cookie
def spa(request: HttpRequest, path: str = "") -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(_MISSING_BUILD, status=503)
    return HttpResponse(index.read_text(encoding="utf-8"))


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

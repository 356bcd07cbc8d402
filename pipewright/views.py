"""The single-page front end, the sign-in page and the health check."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie

from pipewright import authlimits

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


class LoginView(auth_views.LoginView):
    """Django's sign-in page, refusing (429, with a message) a username + address that failed
    too often (`pipewright.authlimits`); failures are counted and logged by its receiver."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        message = authlimits.locked_message(username, authlimits.client_ip(request))
        if message is not None:
            context = self.get_context_data(form=self.get_form_class()(request), locked=message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        authlimits.clear(form.get_user().get_username(), authlimits.client_ip(self.request))
        return super().form_valid(form)

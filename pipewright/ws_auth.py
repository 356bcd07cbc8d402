"""WebSocket authentication: the browser's session cookie, or `?token=<key>` for API clients."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    if "\x00" in key or len(key) > 40:  # no token holds one; PostgreSQL would refuse the lookup
        return AnonymousUser()
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else AnonymousUser()


class _TokenMiddleware:
    def __init__(self, inner):  # type: ignore[no-untyped-def]
        self.inner = inner

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        query = parse_qs(scope.get("query_string", b"").decode())
        keys = query.get("token")
        if keys and not getattr(scope.get("user"), "is_authenticated", False):
            scope = dict(scope, user=await _user_for_token(keys[0]))
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):  # type: ignore[no-untyped-def]  # noqa: N802
    return AuthMiddlewareStack(_TokenMiddleware(inner))

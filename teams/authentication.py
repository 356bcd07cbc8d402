"""`Authorization: Token <key>` for API clients: personal API tokens (`teams.tokens`)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from teams import tokens


class ApiTokenAuthentication(BaseAuthentication):
    """First in DEFAULT_AUTHENTICATION_CLASSES, so an unauthenticated request is a 401 with
    `WWW-Authenticate: Token` (DRF asks the first class for the header). A wrong, revoked or
    malformed key is a 401 at once; a request without the header falls through to the session."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: use 'Authorization: Token <key>'.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token: it contains characters a key never has.") from None
        user = tokens.user_for_key(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

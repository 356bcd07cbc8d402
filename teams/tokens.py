"""Personal API tokens: create (the key is returned once), look up by key, revoke.

A key is `pwt_` + 40 hex characters (160 random bits). The database keeps only its sha256, so a
leaked database or backup does not leak working keys; `prefix` (the first 12 characters) is
shown in lists to tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from teams.models import ApiToken

KEY_PREFIX = "pwt_"
PREFIX_LENGTH = 12
# `last_used_at` is written at most this often per token, so a busy client costs one UPDATE a
# minute, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its key (the only time the key exists in clear)."""
    key = KEY_PREFIX + secrets.token_hex(20)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH], digest=digest(key))
    return token, key


def user_for_key(key: str) -> Any | None:
    """The active user a key belongs to, or None; marks the token used (at most once a minute)."""
    if not key or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    return token.user


def revoke(user: Any, token_id: int) -> bool:
    """Delete one of the user's tokens; False when the user has no token of that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0

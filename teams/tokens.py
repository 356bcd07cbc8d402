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

from django.contrib.auth import get_user_model
from django.db import connection
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


def _user_sql() -> str:
    """The user of a token digest, with the token's id and last use: a hand-written query, as
    every token-authenticated request makes it (compiling the ORM's join cost more than running
    it; docs/operations.md, "Reading runs")."""
    q = connection.ops.quote_name
    users, tokens = q(get_user_model()._meta.db_table), q(ApiToken._meta.db_table)
    return (
        f"SELECT u.*, t.{q('id')} AS token_id, t.{q('last_used_at')} AS token_last_used_at"
        f" FROM {tokens} t JOIN {users} u ON u.{q('id')} = t.{q('user_id')} WHERE t.{q('digest')} = %s"
    )


def user_for_key(key: str) -> Any | None:
    """The active user a key belongs to, or None; marks the token used (at most once a minute)."""
    if not key or len(key) > 200:
        return None
    user = next(iter(get_user_model().objects.raw(_user_sql(), [digest(key)])), None)
    if user is None or not user.is_active:
        return None
    now, last_used = timezone.now(), user.token_last_used_at
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ApiToken.objects.filter(stale, pk=user.token_id).update(last_used_at=now)
    return user


def revoke(user: Any, token_id: int) -> bool:
    """Delete one of the user's tokens; False when the user has no token of that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0

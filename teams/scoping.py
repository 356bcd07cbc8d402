"""The one place that decides who sees and changes what.

Every API view and the WebSocket consumer scope through here:
- `visible_team_ids(user)` and `scope(queryset, user)` hide other teams' objects (so they 404);
- `require_role(user, team, role)` turns "visible but not allowed" into a 403 naming the role;
The builtin team's objects are readable by every signed-in user and writable by nobody through
the API (the `load_library` command owns them).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from pipewright.errors import Forbidden, NotFound
from teams.models import BUILTIN_TEAM, ROLE_RANK, Membership, Role, Team


def roles_of(user: Any) -> dict[int, str]:
    """team id -> role for a user (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_pipewright_roles", None)
    if cached is None:
        # hand-written: every API request asks, and compiling the ORM's query cost five times
        # running it (docs/operations.md, "Reading runs")
        with connection.cursor() as cursor:
            cursor.execute(_ROLES_SQL, [user.pk])
            cached = dict(cursor.fetchall())
        user._pipewright_roles = cached
    return cached


_ROLES_SQL = f'SELECT "team_id", "role" FROM "{Membership._meta.db_table}" WHERE "user_id" = %s'


def forget_roles(user: Any) -> None:
    if hasattr(user, "_pipewright_roles"):
        del user._pipewright_roles


def visible_team_ids(user: Any) -> set[int]:
    return set(roles_of(user))


def scope(qs: QuerySet[Any], user: Any, *, field: str = "team", include_builtin: bool = False) -> QuerySet[Any]:
    """Objects of `qs` whose `field` (a Team FK path) is a team the user can see."""
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    condition = Q(**{f"{field}__in": list(roles_of(user))})
    if include_builtin:
        condition |= Q(**{f"{field}__name": BUILTIN_TEAM})
    return qs.filter(condition)


def role_in(user: Any, team: Team | int) -> str | None:
    team_id = team if isinstance(team, int) else team.pk
    return roles_of(user).get(team_id)


def has_role(user: Any, team: Team | int, minimum: str) -> bool:
    role = role_in(user, team)
    return role is not None and ROLE_RANK[Role(role)] >= ROLE_RANK[Role(minimum)]


def require_role(user: Any, team: Team, minimum: str, *, action: str = "do this") -> None:
    """404 when the user cannot see the team at all, 403 when their role is too low."""
    role = role_in(user, team)
    if role is None:
        if team.is_builtin:
            raise Forbidden(f"The builtin team's objects are read-only; you cannot {action}.")
        raise NotFound("Not found.")
    if ROLE_RANK[Role(role)] < ROLE_RANK[Role(minimum)]:
        raise Forbidden(f"Only a {minimum} or higher of team '{team.name}' can {action}; you are a {role}.")


def team_for_write(user: Any, name: str, minimum: str, *, action: str = "do this") -> Team:
    """Resolve a team by name for a write: 404 if invisible, 403 if the role is too low."""
    team = Team.objects.filter(name=name).first()
    if team is None or (role_in(user, team) is None and not team.is_builtin):
        raise NotFound(f"Team '{name}' not found.")
    require_role(user, team, minimum, action=action)
    return team

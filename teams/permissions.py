"""Role checks declared on views, through the one scoping point (`teams.scoping`).

Reads are scoped by each view's `get_queryset` (another team's object is a 404); writes to an
object need a minimum role in the object's team:

    permission_classes = [IsAuthenticated, TeamRole(Role.MEMBER, "run pipelines")]

One view, several actions: `TeamRole(Role.MEMBER, "delete this pipeline", methods=["DELETE"])`
checks only DELETE (pair it with another TeamRole for PUT/PATCH).

The check runs in `has_object_permission`, i.e. when a view calls `get_object()` or
`check_object_permissions(request, obj)`; it raises `require_role`'s errors (404 when the team is
invisible, 403 naming the role needed), which `pipewright.errors` maps to HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from teams.models import Team
from teams.scoping import require_role


def team_of(obj: Any) -> Team:
    return obj if isinstance(obj, Team) else obj.team


class TeamRole(BasePermission):
    """Unsafe methods on an object need at least `minimum` in its team; `action` completes the
    403 message ("Only a member or higher of team 'x' can <action>")."""

    def __init__(
        self,
        minimum: str,
        action: str = "do this",
        *,
        safe_methods: bool = True,
        methods: Iterable[str] | None = None,
    ) -> None:
        self.minimum = minimum
        self.action = action
        self.safe_methods = safe_methods  # False: reads need the role too
        # Only these methods are checked (e.g. one TeamRole per method, each naming its action).
        self.methods = frozenset(m.upper() for m in methods) if methods is not None else None

    def __call__(self) -> TeamRole:
        # DRF instantiates each entry of `permission_classes`; a configured instance returns itself.
        return self

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if self.methods is not None and request.method not in self.methods:
            return True
        if self.safe_methods and request.method in SAFE_METHODS:
            return True
        require_role(request.user, team_of(obj), self.minimum, action=self.action)
        return True

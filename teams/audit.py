"""The audit trail: who changed a team's members or catalog, what, and when.

Services call `record` inside their transaction, so an event exists exactly when its change does.
"""

from __future__ import annotations

from typing import Any

from teams.models import AuditEvent, Team


class Action:
    MEMBER_ADDED = "member.added"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    MEMBER_LEFT = "member.left"
    VERSION_PUBLISHED = "module.version_published"
    VERSION_DEPRECATED = "module.version_deprecated"
    VERSION_DISABLED = "module.version_disabled"
    VERSION_ENABLED = "module.version_enabled"
    DEFAULT_SET = "module.default_set"
    MODULE_GRANTED = "module.granted"
    MODULE_REVOKED = "module.revoked"
    VISIBILITY_SET = "module.visibility_set"


ACTIONS = [v for k, v in vars(Action).items() if k.isupper()]


def record(team: Team, actor: Any, action: str, target: str, **details: Any) -> AuditEvent:
    signed_in = getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        team=team,
        actor=actor if signed_in else None,
        actor_name=actor.get_username() if signed_in else "",
        action=action,
        target=target,
        details=details,
    )

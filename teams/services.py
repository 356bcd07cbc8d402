"""Writes to teams and memberships (each membership change leaves an audit event)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from pipewright.errors import Conflict, LocatedError, NotFound
from teams import audit
from teams.audit import Action
from teams.models import Membership, Role, Team


def do_create_team(user: Any, name: str) -> Team:
    """A new team owned by `user`; a taken name is a 409 (the unique index decides, even in a race)."""
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name)
            Membership.objects.create(team=team, user=user, role=Role.OWNER)
    except IntegrityError:
        raise Conflict(f"A team named '{name}' already exists.") from None
    return team


def _locked_membership(team: Team, username: str) -> Membership:
    """Lock the team (membership changes of one team run one at a time, so two owners cannot
    demote each other at once and leave none), then find the member."""
    Team.objects.select_for_update().get(pk=team.pk)
    membership = Membership.objects.select_related("user").filter(team=team, user__username=username).first()
    if membership is None:
        raise NotFound(f"'{username}' is not a member of team '{team.name}'.")
    return membership


def _refuse_if_last_owner(membership: Membership, doing: str) -> None:
    if membership.role != Role.OWNER:
        return
    if Membership.objects.filter(team_id=membership.team_id, role=Role.OWNER).exclude(pk=membership.pk).exists():
        return
    raise LocatedError(
        f"'{membership.user.get_username()}' is the last owner of team '{membership.team.name}'; "
        f"make another member an owner before you {doing}.",
        [{"field": "role", "message": "a team needs at least one owner"}],
    )


@transaction.atomic
def do_set_membership(team: Team, username: str, role: str, *, actor: Any = None) -> Membership:
    """Add `username` to the team with `role`, or change the role of a member."""
    user = get_user_model().objects.get(username=username)
    Team.objects.select_for_update().get(pk=team.pk)
    existing = Membership.objects.select_related("user", "team").filter(team=team, user=user).first()
    if existing is None:
        membership = Membership.objects.create(team=team, user=user, role=role)
        audit.record(team, actor, Action.MEMBER_ADDED, username, role=role)
        return membership
    return _change_role(existing, role, actor)


def _change_role(membership: Membership, role: str, actor: Any) -> Membership:
    previous = membership.role
    if previous == role:
        return membership
    if role != Role.OWNER:
        _refuse_if_last_owner(membership, "demote them")
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        membership.team, actor, Action.MEMBER_ROLE_CHANGED, membership.user.get_username(), role=role, previous=previous
    )
    return membership


@transaction.atomic
def do_change_role(team: Team, username: str, role: str, *, actor: Any = None) -> Membership:
    membership = _locked_membership(team, username)
    return _change_role(membership, role, actor)


@transaction.atomic
def do_remove_member(team: Team, username: str, *, actor: Any = None) -> None:
    """Remove a member (or, when `actor` is that member, leave the team)."""
    membership = _locked_membership(team, username)
    leaving = getattr(actor, "pk", None) == membership.user_id
    _refuse_if_last_owner(membership, "leave the team" if leaving else "remove them")
    role = membership.role
    membership.delete()
    audit.record(team, actor, Action.MEMBER_LEFT if leaving else Action.MEMBER_REMOVED, username, role=role)

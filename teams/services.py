"""Writes to teams and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from pipewright.errors import Conflict
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


@transaction.atomic
def do_set_membership(team: Team, username: str, role: str) -> Membership:
    user = get_user_model().objects.get(username=username)
    membership, _ = Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return membership

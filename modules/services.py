"""Writes for teams and (below) the catalog. Views validate; these assume valid input."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from modules.models import Membership, Role, Team


@transaction.atomic
def do_create_team(user: Any, name: str) -> Team:
    team = Team.objects.create(name=name)
    Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


@transaction.atomic
def do_set_membership(team: Team, username: str, role: str) -> Membership:
    user = get_user_model().objects.get(username=username)
    membership, _ = Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
    return membership

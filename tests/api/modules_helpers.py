"""Helpers shared by the module catalog API tests."""

from __future__ import annotations

from typing import Any

from modules import services
from modules import spec as specs
from modules.models import Module
from teams.models import Team


def make_spec(name: str = "split-data", version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "version": version,
        "display_name": "Split Data",
        "category": "Data Transformation",
        "description": "Split rows into train and test sets.",
        "inputs": [{"name": "data", "type": "DataFrame"}],
        "outputs": [{"name": "train", "type": "DataFrame"}, {"name": "test", "type": "DataFrame"}],
        "parameters": {"test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1}},
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    }
    spec.update(extra)
    return spec


def make_module(
    team: Team, name: str = "split-data", versions: tuple[str, ...] = ("1.0.0",), default: str | None = None
) -> Module:
    module = services.do_create_module(team, name, display_name=name.title(), category="Data Transformation")
    for v in versions:
        services.do_publish_version(
            module, specs.validate_spec(make_spec(name, v)), {"main.py": f"print('{v}')\n"}, is_default=v == default
        )
    return module


def builtin_team() -> Team:
    team, _ = Team.objects.get_or_create(name="builtin")
    return team


def add_member(team: Team, username: str, role: str) -> Any:
    from teams.models import Membership
    from tests.conftest import make_user

    user = make_user(username)
    Membership.objects.create(team=team, user=user, role=role)
    return user


ROLES = ("owner", "maintainer", "member", "viewer")


def client_with_role(acme: Team, alice: Any, bob: Any, role: str) -> Any:
    """An API client for a user of `acme` with `role` (alice is owner, bob member; others are made)."""
    from tests.conftest import client_for

    if role == "owner":
        return client_for(alice)
    if role == "member":
        return client_for(bob)
    return client_for(add_member(acme, f"{role}-user", role))

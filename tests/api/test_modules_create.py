"""POST /api/modules/: maintainers and owners create modules in their team."""

from __future__ import annotations

from typing import Any

import pytest

from modules.models import Module
from tests.api.modules_helpers import ROLES, builtin_team, client_with_role

BODY = {"team": "acme", "name": "my-filter", "display_name": "My Filter", "category": "Data Transformation"}


def test_it_creates_a_module(as_alice: Any) -> None:
    response = as_alice.post("/api/modules/", BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"] == "acme/my-filter"
    assert body["versions"] == [] and body["default_version"] is None
    assert Module.objects.get(name="my-filter").team.name == "acme"


@pytest.mark.parametrize(("role", "expected"), [("owner", 201), ("maintainer", 201), ("member", 403), ("viewer", 403)])
def test_it_needs_a_maintainer_to_create(acme: Any, alice: Any, bob: Any, role: str, expected: int) -> None:
    assert role in ROLES
    response = client_with_role(acme, alice, bob, role).post("/api/modules/", BODY, format="json")
    assert response.status_code == expected, response.json()
    assert Module.objects.filter(name="my-filter").exists() is (expected == 201)


def test_it_hides_other_teams(as_charlie: Any, acme: Any) -> None:
    response = as_charlie.post("/api/modules/", BODY, format="json")
    assert response.status_code == 404
    assert not Module.objects.exists()


def test_it_refuses_the_builtin_team(as_alice: Any) -> None:
    builtin_team()
    response = as_alice.post("/api/modules/", {**BODY, "team": "builtin"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_it_refuses_a_duplicate_name(as_alice: Any) -> None:
    assert as_alice.post("/api/modules/", BODY, format="json").status_code == 201
    response = as_alice.post("/api/modules/", BODY, format="json")
    assert response.status_code == 409
    assert Module.objects.count() == 1


def test_it_names_a_bad_field(as_alice: Any) -> None:
    response = as_alice.post("/api/modules/", {**BODY, "name": "Not A Slug"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    response = as_alice.post("/api/modules/", {"name": "x"}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"team"}

"""Team membership (API.md v1.1): list, add, change a role, remove, leave; the last owner stays;
and the audit trail of membership and catalog lifecycle changes (owners only)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from teams.models import AuditEvent, Membership, Role, Team
from tests.api.modules_helpers import make_spec
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


def rows(response: Any) -> list[dict[str, Any]]:
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def members(client: APIClient, team: str = "acme") -> dict[str, str]:
    response = client.get(f"/api/teams/{team}/members/")
    assert response.status_code == 200, response.json()
    return {m["username"]: m["role"] for m in rows(response)}


def audit(client: APIClient, team: str = "acme") -> list[dict[str, Any]]:
    response = client.get(f"/api/teams/{team}/audit/")
    assert response.status_code == 200, response.json()
    return rows(response)


def test_every_member_reads_the_members(as_alice: APIClient, as_bob: APIClient) -> None:
    assert members(as_bob) == members(as_alice) == {"alice": "owner", "bob": "member"}


def test_an_owner_adds_changes_and_removes_a_member(as_alice: APIClient, charlie: Any) -> None:
    added = as_alice.post("/api/teams/acme/members/", {"username": "charlie", "role": "viewer"}, format="json")
    assert added.status_code == 201 and added.json() == {"username": "charlie", "role": "viewer"}
    changed = as_alice.patch("/api/teams/acme/members/charlie/", {"role": "maintainer"}, format="json")
    assert changed.status_code == 200 and changed.json() == {"username": "charlie", "role": "maintainer"}
    assert members(as_alice)["charlie"] == "maintainer"
    assert as_alice.delete("/api/teams/acme/members/charlie/").status_code == 204
    assert "charlie" not in members(as_alice)
    # charlie no longer sees the team at all
    assert client_for(charlie).get("/api/teams/acme/members/").status_code == 404

    trail = audit(as_alice)
    assert [(e["action"], e["target"], e["actor"]) for e in trail] == [
        ("member.removed", "charlie", "alice"),
        ("member.role_changed", "charlie", "alice"),
        ("member.added", "charlie", "alice"),
    ]
    assert trail[1]["details"] == {"role": "maintainer", "previous": "viewer"}
    assert trail[0]["created_at"]


def test_a_bad_role_or_an_unknown_member_is_refused_precisely(as_alice: APIClient, charlie: Any) -> None:
    bad = as_alice.patch("/api/teams/acme/members/bob/", {"role": "king"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "role"
    missing = as_alice.patch("/api/teams/acme/members/body/", {"role": "viewer"}, format="json")
    assert missing.status_code == 404 and "body" in missing.json()["detail"]
    assert as_alice.patch("/api/teams/acme/members/charlie/", {"role": "viewer"}, format="json").status_code == 404
    assert as_alice.delete("/api/teams/acme/members/charlie/").status_code == 404
    assert members(as_alice) == {"alice": "owner", "bob": "member"}


def test_the_last_owner_can_be_neither_demoted_nor_removed(as_alice: APIClient, alice: Any) -> None:
    for response in (
        as_alice.patch("/api/teams/acme/members/alice/", {"role": "member"}, format="json"),
        as_alice.delete("/api/teams/acme/members/alice/"),
        as_alice.post("/api/teams/acme/members/", {"username": "alice", "role": "viewer"}, format="json"),
    ):
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "role"
        assert "last owner" in response.json()["detail"]
    assert members(as_alice)["alice"] == "owner"
    assert audit(as_alice) == []

    # with a second owner, the first may step down or leave
    as_alice.patch("/api/teams/acme/members/bob/", {"role": "owner"}, format="json")
    assert as_alice.patch("/api/teams/acme/members/alice/", {"role": "maintainer"}, format="json").status_code == 200
    bob = client_for(Team.objects.get(name="acme").memberships.get(user__username="bob").user)
    refused = bob.delete("/api/teams/acme/members/bob/")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "role"


@pytest.mark.parametrize("role", ["viewer", "member", "maintainer", "owner"])
def test_any_member_may_leave(role: str, alice: Any, acme: Team) -> None:
    user = make_user("leaver")
    Membership.objects.create(team=acme, user=user, role=role)
    client = client_for(user)
    assert client.delete("/api/teams/acme/members/leaver/").status_code == 204
    assert client.get("/api/teams/acme/members/").status_code == 404
    event = AuditEvent.objects.get(team=acme)
    assert (event.action, event.target, event.actor_name, event.details) == (
        "member.left",
        "leaver",
        "leaver",
        {"role": role},
    )


@pytest.mark.parametrize("role", ["viewer", "member", "maintainer"])
def test_only_owners_manage_others_and_read_the_audit(role: str, alice: Any, acme: Team, charlie: Any) -> None:
    user = make_user("someone")
    Membership.objects.create(team=acme, user=user, role=role)
    client = client_for(user)
    for response in (
        client.patch("/api/teams/acme/members/bob/", {"role": "viewer"}, format="json"),
        client.delete("/api/teams/acme/members/bob/"),
        client.get("/api/teams/acme/audit/"),
    ):
        assert response.status_code == 403
        assert "owner" in response.json()["detail"]
    assert Membership.objects.get(team=acme, user__username="bob").role == Role.MEMBER


def test_another_team_is_404_for_every_membership_action(as_charlie: APIClient, acme: Team) -> None:
    for response in (
        as_charlie.get("/api/teams/acme/members/"),
        as_charlie.patch("/api/teams/acme/members/bob/", {"role": "viewer"}, format="json"),
        as_charlie.delete("/api/teams/acme/members/bob/"),
        as_charlie.delete("/api/teams/acme/members/charlie/"),
        as_charlie.get("/api/teams/acme/audit/"),
        as_charlie.get("/api/teams/nosuch/audit/"),
    ):
        assert response.status_code == 404
    assert Membership.objects.filter(team=acme).count() == 2


def test_the_audit_records_catalog_lifecycle_changes(as_alice: APIClient) -> None:
    assert as_alice.post("/api/modules/", {"team": "acme", "name": "scaler"}, format="json").status_code == 201
    for version in ("1.0.0", "2.0.0"):
        body = {
            "spec": make_spec("scaler", version),
            "files": {"main.py": "print(1)\n"},
            "is_default": version == "1.0.0",
        }
        assert as_alice.post("/api/modules/acme/scaler/versions/", body, format="json").status_code == 201
    base = "/api/modules/acme/scaler"
    steps = [
        (f"{base}/versions/1.0.0/deprecate", {"message": "use 2.0.0", "successor": "2.0.0"}),
        (f"{base}/default", {"version": "2.0.0"}),
        (f"{base}/versions/1.0.0/disable", None),
        (f"{base}/versions/1.0.0/enable", None),
    ]
    for url, body in steps:
        response = as_alice.post(url, body, format="json")
        assert response.status_code == 200, (url, response.json())
    trail = list(reversed(audit(as_alice)))
    assert [(e["action"], e["target"]) for e in trail] == [
        ("module.version_published", "acme/scaler@1.0.0"),
        ("module.version_published", "acme/scaler@2.0.0"),
        ("module.version_deprecated", "acme/scaler@1.0.0"),
        ("module.default_set", "acme/scaler@2.0.0"),
        ("module.version_disabled", "acme/scaler@1.0.0"),
        ("module.version_enabled", "acme/scaler@1.0.0"),
    ]
    assert all(e["actor"] == "alice" for e in trail)
    assert trail[2]["details"] == {"message": "use 2.0.0", "successor": "2.0.0"}
    assert trail[3]["details"] == {"previous": "1.0.0"}
    # a refused change leaves no event
    refused = as_alice.post(f"{base}/versions/2.0.0/disable", None, format="json")
    assert refused.status_code == 400
    assert len(audit(as_alice)) == len(trail)

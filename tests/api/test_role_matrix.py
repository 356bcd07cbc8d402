"""Every role x every kind of action, through the real API: who may see and do what.

viewer < member < maintainer < owner within a team; anybody outside the team gets 404, never 403.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from modules.models import Module, ModuleGrant
from teams.models import Membership, Team
from tests.api.modules_helpers import make_spec
from tests.api.pipelines_helpers import graph, make_catalog
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

ROLES = ("owner", "maintainer", "member", "viewer", "outsider")

# action -> expected status per role, in ROLES order
EXPECTED: dict[str, tuple[int, ...]] = {
    "read pipeline": (200, 200, 200, 200, 404),
    "edit pipeline": (200, 200, 200, 403, 404),
    "run pipeline": (201, 201, 201, 403, 404),
    "publish pipeline": (201, 201, 201, 403, 404),
    "read endpoint": (200, 200, 200, 200, 404),
    "re-point endpoint": (200, 200, 200, 403, 404),
    "run endpoint": (201, 201, 201, 403, 404),
    "schedule endpoint": (201, 201, 201, 403, 404),
    "read module": (200, 200, 200, 200, 404),
    "publish module version": (201, 201, 403, 403, 404),
    "deprecate module version": (200, 200, 403, 403, 404),
    "read module grants": (200, 200, 403, 403, 404),
    "grant module": (201, 201, 403, 403, 404),
    "revoke module grant": (204, 204, 403, 403, 404),
    "change module visibility": (200, 200, 403, 403, 404),
    "manage members": (201, 403, 403, 403, 404),
    "read members": (200, 200, 200, 200, 404),
    "change a member's role": (200, 403, 403, 403, 404),
    "remove a member": (204, 403, 403, 403, 404),
    "read the audit trail": (200, 403, 403, 403, 404),
    # last: afterwards the client is no longer in the team (the world's owner alice stays)
    "leave the team": (204, 204, 204, 204, 404),
}


@pytest.fixture
def world(alice: Any) -> dict[str, Any]:
    team = Team.objects.create(name="acme")
    Membership.objects.create(team=team, user=alice, role="owner")
    make_catalog(team)
    Team.objects.create(name="partners")  # a team to share a module with
    allies = Team.objects.create(name="allies")  # already shared with: for revoke
    ModuleGrant.objects.create(module=Module.objects.get(team=team, name="split"), team=allies)
    owner = client_for(alice)
    created = owner.post("/api/pipelines/", {"team": "acme", "name": "p1", "graph": graph()}, format="json")
    assert created.status_code == 201, created.json()
    pid = created.json()["id"]
    published = owner.post(f"/api/pipelines/{pid}/publish", {"name": "p1"}, format="json")
    assert published.status_code == 201, published.json()
    return {"team": team, "pipeline": pid, "endpoint": published.json()["slug"], "owner": owner}


def _client(world: dict[str, Any], role: str) -> APIClient:
    user = make_user(f"user-{role}")
    if role == "outsider":
        Membership.objects.create(team=Team.objects.create(name="elsewhere"), user=user, role="owner")
    else:
        Membership.objects.create(team=world["team"], user=user, role=role)
    return client_for(user)


def _act(client: APIClient, world: dict[str, Any], action: str) -> int:
    pid = world["pipeline"]
    if action == "read pipeline":
        return client.get(f"/api/pipelines/{pid}/").status_code
    if action == "edit pipeline":
        etag = world["owner"].get(f"/api/pipelines/{pid}/")["ETag"]
        body = {"graph": graph(test_size=0.3)}
        return client.put(f"/api/pipelines/{pid}/", body, format="json", HTTP_IF_MATCH=etag).status_code
    if action == "run pipeline":
        return client.post(f"/api/pipelines/{pid}/runs/", {"parameters": {}}, format="json").status_code
    if action == "publish pipeline":
        return client.post(f"/api/pipelines/{pid}/publish", {"name": "p1 again"}, format="json").status_code
    slug = world["endpoint"]
    if action == "read endpoint":
        return client.get(f"/api/endpoints/{slug}/").status_code
    if action == "re-point endpoint":
        return client.patch(f"/api/endpoints/{slug}/", {"version": 1}, format="json").status_code
    if action == "run endpoint":
        return client.post(f"/api/endpoints/{slug}/runs", {"parameters": {}}, format="json").status_code
    if action == "schedule endpoint":
        body = {"endpoint": slug, "cron": "0 6 * * *", "parameters": {}, "enabled": True}
        return client.post("/api/schedules/", body, format="json").status_code
    if action == "read module":
        return client.get("/api/modules/acme/split/versions/1.0.0/").status_code
    if action == "publish module version":
        body = {"spec": make_spec("split", "9.0.0"), "files": {"main.py": "print(9)\n"}}
        return client.post("/api/modules/acme/split/versions/", body, format="json").status_code
    if action == "deprecate module version":
        url = "/api/modules/acme/train/versions/1.0.0/deprecate"
        return client.post(url, {"message": "use 2.0.0", "successor": "2.0.0"}, format="json").status_code
    if action == "read module grants":
        return client.get("/api/modules/acme/split/grants/").status_code
    if action == "grant module":
        return client.post("/api/modules/acme/split/grants/", {"team": "partners"}, format="json").status_code
    if action == "revoke module grant":
        return client.delete("/api/modules/acme/split/grants/allies/").status_code
    if action == "change module visibility":
        return client.patch("/api/modules/acme/split/", {"visibility": "public"}, format="json").status_code
    if action == "manage members":
        make_user("newcomer")
        body = {"username": "newcomer", "role": "viewer"}
        return client.post("/api/teams/acme/members/", body, format="json").status_code
    if action == "read members":
        return client.get("/api/teams/acme/members/").status_code
    if action in ("change a member's role", "remove a member"):
        target = _bystander(world)
        if action == "remove a member":
            return client.delete(f"/api/teams/acme/members/{target}/").status_code
        return client.patch(f"/api/teams/acme/members/{target}/", {"role": "member"}, format="json").status_code
    if action == "read the audit trail":
        return client.get("/api/teams/acme/audit/").status_code
    if action == "leave the team":
        username = client.get("/api/me/").json()["username"]
        return client.delete(f"/api/teams/acme/members/{username}/").status_code
    raise AssertionError(action)


def _bystander(world: dict[str, Any]) -> str:
    """A fresh viewer of the world's team, added by its owner, for an action to act on."""
    world["bystanders"] = world.get("bystanders", 0) + 1
    name = f"bystander-{world['bystanders']}"
    make_user(name)
    added = world["owner"].post("/api/teams/acme/members/", {"username": name, "role": "viewer"}, format="json")
    assert added.status_code == 201, added.json()
    return name


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(world: dict[str, Any], role: str) -> None:
    client = _client(world, role)
    got = {action: _act(client, world, action) for action in EXPECTED}
    expected = {action: statuses[ROLES.index(role)] for action, statuses in EXPECTED.items()}
    assert got == expected


def test_an_outsider_cannot_tell_a_hidden_pipeline_from_a_missing_one(world: dict[str, Any]) -> None:
    outsider = _client(world, "outsider")
    hidden = outsider.get(f"/api/pipelines/{world['pipeline']}/")
    missing = outsider.get("/api/pipelines/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()

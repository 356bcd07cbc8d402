"""The answers a too-low role and an outsider get from every designer and publishing write: a 403
that names the action and the role needed, and a 404 that tells nothing about the object."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from teams.models import Membership, Team
from tests.api.pipelines_helpers import graph, make_catalog
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice: Any) -> dict[str, Any]:
    team = Team.objects.create(name="acme")
    Membership.objects.create(team=team, user=alice, role="owner")
    make_catalog(team)
    owner = client_for(alice)
    pid = owner.post("/api/pipelines/", {"team": "acme", "name": "p1", "graph": graph()}, format="json").json()["id"]
    slug = owner.post(f"/api/pipelines/{pid}/publish", {"name": "p1"}, format="json").json()["slug"]
    body = {"endpoint": slug, "cron": "0 6 * * *", "parameters": {}, "enabled": True}
    schedule = owner.post("/api/schedules/", body, format="json").json()["id"]
    return {"team": team, "pipeline": pid, "endpoint": slug, "schedule": schedule, "owner": owner}


def _writes(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    pid, slug, sid = world["pipeline"], world["endpoint"], world["schedule"]
    return [
        ("put", f"/api/pipelines/{pid}/", {"name": "x"}, "change this pipeline"),
        ("delete", f"/api/pipelines/{pid}/", {}, "delete this pipeline"),
        ("post", f"/api/pipelines/{pid}/duplicate", {"name": "x"}, "duplicate this pipeline"),
        ("post", f"/api/pipelines/{pid}/publish", {"name": "x"}, "publish this pipeline"),
        ("patch", f"/api/endpoints/{slug}/", {"name": "x"}, "change this endpoint"),
        ("delete", f"/api/endpoints/{slug}/", {}, "delete this endpoint"),
        ("post", f"/api/endpoints/{slug}/runs", {"parameters": {}}, "run pipelines"),
        ("post", "/api/schedules/", {"endpoint": slug, "cron": "0 6 * * *"}, "schedule runs"),
        ("patch", f"/api/schedules/{sid}/", {"enabled": False}, "change this schedule"),
        ("delete", f"/api/schedules/{sid}/", {}, "delete this schedule"),
    ]


def _send(client: APIClient, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, body, format="json", HTTP_IF_MATCH='"1"')


def test_a_viewer_is_told_which_role_each_write_needs(world: dict[str, Any]) -> None:
    viewer = make_user("vera")
    Membership.objects.create(team=world["team"], user=viewer, role="viewer")
    client = client_for(viewer)
    for method, url, body, action in _writes(world):
        got = _send(client, method, url, body)
        assert got.status_code == 403, (method, url, got.json())
        expected = f"Only a member or higher of team 'acme' can {action}; you are a viewer."
        assert got.json() == {"detail": expected, "errors": []}, (method, url)


def test_an_outsider_gets_the_answer_of_a_missing_object(world: dict[str, Any]) -> None:
    outsider = make_user("oscar")
    Membership.objects.create(team=Team.objects.create(name="elsewhere"), user=outsider, role="owner")
    client = client_for(outsider)
    for method, url, body, _action in _writes(world):
        got = _send(client, method, url, body)
        assert got.status_code == 404, (method, url, got.json())
        assert got.json()["detail"].startswith("No ") and got.json()["errors"] == [], (method, url, got.json())

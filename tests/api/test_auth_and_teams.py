from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db


def test_it_issues_a_token_for_good_credentials(alice: Any) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "alice"


def test_it_refuses_bad_credentials_with_a_message(alice: Any) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "detail" in response.json() and response.json()["errors"]


def test_it_requires_authentication() -> None:
    assert APIClient().get("/api/teams/").status_code in (401, 403)


def test_it_lists_only_my_teams(as_alice: APIClient, as_charlie: APIClient) -> None:
    assert [t["name"] for t in as_alice.get("/api/teams/").json()["results"]] == ["acme"]
    assert [t["name"] for t in as_charlie.get("/api/teams/").json()["results"]] == ["other"]


def test_it_creates_a_team_with_me_as_owner(as_bob: APIClient, bob: Any) -> None:
    response = as_bob.post("/api/teams/", {"name": "bobs"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "owner"
    assert Membership.objects.get(team__name="bobs", user=bob).role == Role.OWNER


def test_it_rejects_a_bad_or_taken_team_name(as_bob: APIClient) -> None:
    bad = as_bob.post("/api/teams/", {"name": "Not A Slug"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "name"
    assert as_bob.post("/api/teams/", {"name": "acme"}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("role", "can_manage"),
    [(Role.OWNER, True), (Role.MAINTAINER, False), (Role.MEMBER, False), (Role.VIEWER, False)],
)
def test_only_owners_manage_members(role: str, can_manage: bool, alice: Any, bob: Any, charlie: Any) -> None:
    team = Team.objects.create(name="t1")
    Membership.objects.create(team=team, user=alice, role=role)
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post("/api/teams/t1/members/", {"username": "charlie", "role": "viewer"}, format="json")
    assert response.status_code == (201 if can_manage else 403)


def test_it_hides_other_teams_members_as_404(as_charlie: APIClient, acme: Team) -> None:
    assert as_charlie.get("/api/teams/acme/members/").status_code == 404
    response = as_charlie.post("/api/teams/acme/members/", {"username": "charlie", "role": "owner"}, format="json")
    assert response.status_code == 404


def test_it_names_an_unknown_user(as_alice: APIClient) -> None:
    response = as_alice.post("/api/teams/acme/members/", {"username": "zed", "role": "member"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "username"


def test_the_schema_and_docs_are_served(as_alice: APIClient) -> None:
    assert as_alice.get("/api/schema/").status_code == 200
    assert as_alice.get("/api/docs/").status_code == 200

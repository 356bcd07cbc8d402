"""Personal API tokens (API.md v1.1): create (the key shown once), list, use, revoke."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from teams.models import ApiToken

pytestmark = pytest.mark.django_db


def rows(response: Any) -> list[dict[str, Any]]:
    """A list answer, paginated ({"results": [...]}) or not."""
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_shown_once_then_authenticates_until_revoked(as_alice: APIClient) -> None:
    created = as_alice.post("/api/tokens/", {"name": "laptop"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    key = body["token"]
    assert body["name"] == "laptop" and key.startswith(body["prefix"]) and len(key) >= 40
    assert body["last_used_at"] is None

    # stored hashed: the key itself is nowhere in the database
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=key).exists() and key not in (stored.prefix, stored.name)

    listed = rows(as_alice.get("/api/tokens/"))
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0] and listed[0]["prefix"] == body["prefix"]

    client = with_token(key)
    assert client.get("/api/me/").json()["username"] == "alice"
    used = rows(as_alice.get("/api/tokens/"))[0]["last_used_at"]
    assert used is not None

    assert as_alice.delete(f"/api/tokens/{body['id']}/").status_code == 204
    refused = client.get("/api/me/")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert "revoked" in refused.json()["detail"]
    assert rows(as_alice.get("/api/tokens/")) == []


def test_a_user_has_several_named_tokens_and_revoking_one_keeps_the_others(as_alice: APIClient) -> None:
    keys = {}
    for name in ("ci", "laptop"):
        created = as_alice.post("/api/tokens/", {"name": name}, format="json").json()
        keys[name] = (created["id"], created["token"])
    assert sorted(t["name"] for t in rows(as_alice.get("/api/tokens/"))) == ["ci", "laptop"]
    as_alice.delete(f"/api/tokens/{keys['ci'][0]}/")
    assert with_token(keys["ci"][1]).get("/api/me/").status_code == 401
    assert with_token(keys["laptop"][1]).get("/api/me/").status_code == 200


def test_another_users_token_is_404_and_invisible(as_alice: APIClient, as_charlie: APIClient) -> None:
    mine = as_alice.post("/api/tokens/", {"name": "mine"}, format="json").json()
    assert as_charlie.delete(f"/api/tokens/{mine['id']}/").status_code == 404
    assert as_charlie.delete("/api/tokens/999999/").status_code == 404
    assert rows(as_charlie.get("/api/tokens/")) == []
    assert with_token(mine["token"]).get("/api/me/").status_code == 200


def test_a_name_is_required(as_alice: APIClient) -> None:
    for body in ({}, {"name": ""}, {"name": "x" * 101}):
        response = as_alice.post("/api/tokens/", body, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "name", body


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nope", "Token pwt_" + "0" * 40])
def test_a_bad_token_header_is_a_401(alice: Any, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/me/")
    assert response.status_code == 401 and response.json()["detail"]


def test_an_inactive_users_token_is_refused(as_alice: APIClient, alice: Any) -> None:
    key = as_alice.post("/api/tokens/", {"name": "x"}, format="json").json()["token"]
    alice.is_active = False
    alice.save()
    assert with_token(key).get("/api/me/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(as_alice: APIClient) -> None:
    created = as_alice.post("/api/tokens/", {"name": "busy"}, format="json").json()
    client = with_token(created["token"])
    client.get("/api/me/")
    first = ApiToken.objects.get(pk=created["id"]).last_used_at
    client.get("/api/me/")
    assert ApiToken.objects.get(pk=created["id"]).last_used_at == first
    ApiToken.objects.filter(pk=created["id"]).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/me/")
    assert ApiToken.objects.get(pk=created["id"]).last_used_at > first


def test_the_password_endpoint_issues_a_listed_token_named_api(alice: Any, acme: Any) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json")
    assert response.status_code == 200 and set(response.json()) == {"token"}
    key = response.json()["token"]
    client = with_token(key)
    listed = rows(client.get("/api/tokens/"))
    assert [t["name"] for t in listed] == ["api"]
    assert client.delete(f"/api/tokens/{listed[0]['id']}/").status_code == 204
    assert client.get("/api/me/").status_code == 401


def test_tokens_need_authentication() -> None:
    assert APIClient().get("/api/tokens/").status_code == 401
    assert APIClient().post("/api/tokens/", {"name": "x"}, format="json").status_code == 401

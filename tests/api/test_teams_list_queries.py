"""The new list endpoints (tokens, members, audit) cost the same queries for N rows as for 2N."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from teams import scoping, tokens
from teams import services as team_services
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

N = 3


def count(client: APIClient, user: Any, url: str) -> tuple[int, int]:
    scoping.forget_roles(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    data = response.json()
    return len(ctx.captured_queries), len(data["results"] if isinstance(data, dict) else data)


def same_cost(client: APIClient, user: Any, url: str, add: Callable[[int], None]) -> None:
    for i in range(N):
        add(i)
    few, rows_few = count(client, user, url)
    for i in range(N, 2 * N):
        add(i)
    many, rows_many = count(client, user, url)
    assert rows_many >= rows_few + N, (rows_few, rows_many)
    assert many == few, f"{url}: {few} queries for {rows_few} rows, {many} for {rows_many}"


def test_tokens(as_alice: APIClient, alice: Any, charlie: Any) -> None:
    tokens.create_token(charlie, "not alice's")

    def add(i: int) -> None:
        tokens.create_token(alice, f"t{i}")

    same_cost(as_alice, alice, "/api/tokens/", add)


def test_members_and_audit(as_alice: APIClient, alice: Any, acme: Any) -> None:
    made = iter(range(100))

    def add(_: int) -> None:
        name = f"m{next(made)}"
        make_user(name)
        team_services.do_set_membership(acme, name, "viewer", actor=alice)

    same_cost(as_alice, alice, "/api/teams/acme/members/", add)
    same_cost(as_alice, alice, "/api/teams/acme/audit/", add)

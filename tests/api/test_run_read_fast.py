"""GET /api/runs/{id}/ with an API token at the ASGI layer (runner/asgi.py): the same bytes as the
view renders, answered without Django's request cycle; everything else (a session, a bad token,
another team's run, a query string, HTML) goes to Django, which words every error."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from pipewright.asgi_handler import SyncChainHandler
from runner import reads
from runner.asgi import RunReadFastPath
from teams.tokens import create_token
from tests.api.test_asgi_handler import fetch
from tests.api.test_run_read import chain_run, finish_some

answered: list[tuple[bytes, bytes]] = []


class Counted:
    """Django's handler, counting the requests that reach it."""

    def __init__(self) -> None:
        self.app = SyncChainHandler()
        self.calls = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


@pytest.fixture
def app() -> Any:
    reads.forget()
    django = Counted()
    yield RunReadFastPath(django), django
    reads.forget()


def get(app: Any, path: str, *headers: tuple[bytes, bytes], query: bytes = b"") -> tuple[int, bytes]:
    """(status, body) of a GET through the ASGI application `app`; its headers in `answered`."""
    return async_to_sync(fetch)(app, path, list(headers), query, answered)


def test_a_token_read_is_the_views_json_without_django(
    transactional_db: Any, app: Any, alice: Any, acme: Any, runner_dirs: Any
) -> None:
    fast, django = app
    run = chain_run(acme, alice, 5)
    finish_some(run, 2)
    _, token = create_token(alice, "poll")
    auth = (b"authorization", f"Token {token}".encode())
    status, body = get(fast, f"/api/runs/{run.pk}/", auth)
    assert (status, django.calls) == (200, 0)
    ours = dict(answered)
    reads.forget()
    # the same bytes as Django and DRF render (asked through Django with a query string it ignores)
    assert get(fast, f"/api/runs/{run.pk}/", auth, query=b"x=1") == (200, body)
    assert django.calls == 1
    # and the same headers, but for a stricter policy (a JSON answer loads nothing)
    theirs = dict(answered)
    assert ours.keys() == theirs.keys()
    assert {k: v for k, v in ours.items() if k != b"content-security-policy"} == {
        k: v for k, v in theirs.items() if k != b"content-security-policy"
    }
    assert ours[b"content-security-policy"] == b"default-src 'none'; frame-ancestors 'none'"
    finish_some(run, 3)  # a change shows on the next read
    _, after = get(fast, f"/api/runs/{run.pk}/", auth)
    assert after != body and after.count(b'"succeeded"') == 3


def test_everything_else_is_djangos(
    transactional_db: Any, app: Any, alice: Any, acme: Any, charlie: Any, other: Any, runner_dirs: Any
) -> None:
    fast, django = app
    run = chain_run(acme, alice, 2)
    _, theirs = create_token(charlie, "other team")
    answers = [
        get(fast, f"/api/runs/{run.pk}/", (b"authorization", f"Token {theirs}".encode())),  # another team's
        get(fast, f"/api/runs/{run.pk}/", (b"authorization", b"Token not-a-key")),
        get(fast, f"/api/runs/{run.pk}/", (b"authorization", "Token kéy".encode())),
        get(fast, f"/api/runs/{run.pk}/"),  # no credentials
        get(fast, f"/api/runs/{run.pk}", (b"authorization", f"Token {theirs}".encode())),  # no slash
    ]
    assert django.calls == len(answers)
    assert [status for status, _ in answers] == [404, 401, 401, 401, 301]
    assert b"not found" in answers[0][1]
    assert b"Invalid or revoked token." in answers[1][1]

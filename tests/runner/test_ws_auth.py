"""WebSocket admission through the whole ASGI application (pipewright.asgi): the session with an
origin that matches by scheme, host and port; tokens without an Origin; and refusals that are
accepted and then closed with a final application code (issue 11, point 6)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from pipewright.asgi import application
from runner import runs
from teams import tokens
from tests.runner.fixtures import make_version, step

pytestmark = pytest.mark.redis

HOST = "localhost:8000"


@pytest.fixture
def run(transactional_db: Any, local: Any, alice: Any, acme: Any, modules_acme: Any) -> Any:
    version = make_version(acme, [step("a", modules_acme["emit"])])
    return runs.create_run(version, {}, True, alice)


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def connect(path: str, **headers: str) -> tuple[str, int | None]:
    """('snapshot', None) when the feed opened, else ('refused', close code) after the error frame."""

    async def scenario() -> tuple[str, int | None]:
        raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in {"host": HOST, **headers}.items()]
        comm = WebsocketCommunicator(application, path, headers=raw)
        connected, _ = await comm.connect(timeout=10)
        assert connected, "a refusal must still complete the handshake"
        first = await comm.receive_json_from(timeout=10)
        if first["type"] == "snapshot":
            await comm.disconnect()
            return "snapshot", None
        assert first["type"] == "error" and first["detail"]
        closed = await comm.receive_output(timeout=10)
        assert closed["type"] == "websocket.close" and closed["code"] == first["code"]
        await comm.disconnect()  # the client goes, as a browser does on a close
        return "refused", closed["code"]

    return asyncio.run(scenario())


def test_a_session_from_the_apps_own_origin_is_let_in(run: Any, alice: Any) -> None:
    assert connect(f"/ws/runs/{run.pk}/", origin=f"http://{HOST}", cookie=session_cookie(alice)) == ("snapshot", None)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:9999",  # same host, another port: accepted before this fix
        "https://localhost:8000",  # another scheme
        "http://localhost",  # port 80 is not 8000
        "http://evil.example:8000",
        "null",
        "http://localhost:8000:1",
    ],
)
def test_a_session_from_another_origin_is_closed_with_4403(run: Any, alice: Any, origin: str) -> None:
    assert connect(f"/ws/runs/{run.pk}/", origin=origin, cookie=session_cookie(alice)) == ("refused", 4403)


def test_a_host_outside_allowed_hosts_is_refused(run: Any, alice: Any) -> None:
    got = connect(
        f"/ws/runs/{run.pk}/", host="evil.example", origin="http://evil.example", cookie=session_cookie(alice)
    )
    assert got == ("refused", 4403)


def test_trusted_origins_and_a_tls_proxy_count(run: Any, alice: Any, settings: Any) -> None:
    cookie = session_cookie(alice)
    settings.CSRF_TRUSTED_ORIGINS = ["https://pipewright.example"]
    assert connect(f"/ws/runs/{run.pk}/", origin="https://pipewright.example", cookie=cookie)[0] == "snapshot"
    # behind a TLS-terminating proxy the page is https:// while Daphne sees ws://
    behind = connect(f"/ws/runs/{run.pk}/", origin=f"https://{HOST}", x_forwarded_proto="https", cookie=cookie)
    assert behind[0] == "snapshot"


def test_a_session_without_an_origin_is_closed_with_4401(run: Any, alice: Any) -> None:
    assert connect(f"/ws/runs/{run.pk}/", cookie=session_cookie(alice)) == ("refused", 4401)


def test_an_api_client_authenticates_with_a_token_and_no_origin(run: Any, alice: Any) -> None:
    _, key = tokens.create_token(alice, "feed")
    assert connect(f"/ws/runs/{run.pk}/?token={key}") == ("snapshot", None)
    assert connect(f"/ws/runs/{run.pk}/", authorization=f"Token {key}") == ("snapshot", None)


def test_a_revoked_or_wrong_token_is_closed_with_4401(run: Any, alice: Any) -> None:
    token, key = tokens.create_token(alice, "feed")
    tokens.revoke(alice, token.pk)
    assert connect(f"/ws/runs/{run.pk}/?token={key}") == ("refused", 4401)
    assert connect(f"/ws/runs/{run.pk}/?token=nope", origin=f"http://{HOST}") == ("refused", 4401)


def test_another_teams_run_is_closed_with_4404(run: Any, charlie: Any, other: Any, alice: Any) -> None:
    _, key = tokens.create_token(charlie, "feed")
    assert connect(f"/ws/runs/{run.pk}/?token={key}") == ("refused", 4404)
    assert connect(f"/ws/runs/{run.pk + 1000}/", origin=f"http://{HOST}", cookie=session_cookie(alice)) == (
        "refused",
        4404,
    )


def test_no_session_and_no_token_is_closed_with_4401(run: Any) -> None:
    assert connect(f"/ws/runs/{run.pk}/", origin=f"http://{HOST}") == ("refused", 4401)

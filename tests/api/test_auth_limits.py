"""Sign-in limits and logs (issue 11, point 9), and API docs that load nothing from another host."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings: Any) -> Any:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW = 300
    cache.clear()  # the local-memory cache of this process
    yield settings
    cache.clear()


def login(username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})


def test_the_login_page_refuses_a_username_and_address_after_repeated_failures(alice: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="pipewright.auth")
    for _ in range(3):
        failed = login("alice", "wrong-password-123")
        assert failed.status_code == 200 and b"didn't match" in failed.content
    refused = login("alice", "pw-alice")  # even the right password: the pair is locked for the window
    assert refused.status_code == 429
    assert b"Too many failed sign-ins for &#x27;alice&#x27;" in refused.content and b"Wait 5 minutes" in refused.content
    assert "_auth_user_id" not in refused.wsgi_request.session
    # another address, or another username, is not locked
    assert login("alice", "pw-alice", ip="10.0.0.2").status_code == 302
    assert login("bob", "whatever-else", ip="10.0.0.1").status_code == 200

    failures = [r for r in caplog.records if r.name == "pipewright.auth" and "sign-in failed" in r.getMessage()]
    assert len(failures) == 4
    assert "'alice'" in failures[0].getMessage() and "10.0.0.1" in failures[0].getMessage()
    assert all("wrong-password-123" not in r.getMessage() for r in caplog.records)
    assert any("sign-in refused" in r.getMessage() for r in caplog.records if r.name == "pipewright.auth")


def test_a_successful_login_clears_the_failures(alice: Any) -> None:
    for _ in range(2):
        login("alice", "nope-nope")
    assert login("alice", "pw-alice").status_code == 302
    for _ in range(2):
        login("alice", "nope-nope")
    assert login("alice", "pw-alice").status_code == 302


def test_the_token_endpoint_shares_the_failure_limit_and_logs(alice: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="pipewright.auth")
    client = APIClient(REMOTE_ADDR="10.0.0.3")
    for _ in range(3):
        response = client.post("/api/auth/token/", {"username": "alice", "password": "bad-guess"}, format="json")
        assert response.status_code == 400
    refused = client.post("/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "username"
    messages = [r.getMessage() for r in caplog.records if r.name == "pipewright.auth"]
    assert any("'alice'" in m and "10.0.0.3" in m and "/api/auth/token/" in m for m in messages)
    assert all("bad-guess" not in m for m in messages)


def test_the_token_endpoint_is_rate_limited_per_address(alice: Any, settings: Any) -> None:
    settings.AUTH_THROTTLE_RATE = "2/min"
    client = APIClient(REMOTE_ADDR="10.0.0.4")
    for _ in range(2):
        assert client.post("/api/auth/token/", {"username": "zed", "password": "x"}, format="json").status_code == 400
    throttled = client.post("/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json")
    assert throttled.status_code == 429 and "throttled" in throttled.json()["detail"]
    # a client-chosen X-Forwarded-For does not buy a fresh allowance (NUM_PROXIES is 0)
    spoofed = client.post(
        "/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert spoofed.status_code == 429
    other = APIClient(REMOTE_ADDR="10.0.0.5")
    assert (
        other.post("/api/auth/token/", {"username": "alice", "password": "pw-alice"}, format="json").status_code == 200
    )


def test_the_api_docs_load_every_script_and_style_from_this_server(alice: Any) -> None:
    client = Client()
    client.force_login(alice)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script or style"
    refs = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    assert len(refs) >= 4, refs  # the css, the icon, two bundles, the start script
    for ref in refs:
        ref = ref.replace("&amp;", "&")
        assert ref.startswith("/") and not ref.startswith("//"), f"{ref} is not on this server"
        fetched = client.get(ref)
        assert fetched.status_code == 200, ref
        body = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
        assert body, ref
    start = client.get("/api/docs/?script=")
    assert start["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in start.content.decode()

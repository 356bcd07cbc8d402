"""Every page and answer of the application carries the Content-Security-Policy (scripts only from
this origin, never inline or eval'd, nothing from another host, never framed) and the other
security headers; a deployment extends the policy with a setting."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

# What the policy must say, whatever a deployment adds.
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_app_policy(response: Any, what: str) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"{what}: no Content-Security-Policy"
    policy = directives(header)
    for name, source in REQUIRED.items():
        assert policy.get(name) == [source], f"{what}: {name} is {policy.get(name)}, not {source}"
    assert "'unsafe-eval'" not in header, what
    # styles and images: this origin (and inline styles / data: images), never another host
    for name in ("style-src", "img-src", "font-src", "connect-src", "frame-src"):
        assert all(not re.match(r"https?://", s) for s in policy[name]), f"{what}: {name} allows {policy[name]}"
    assert response["X-Content-Type-Options"] == "nosniff", what
    assert response["X-Frame-Options"] == "DENY", what
    assert response["Referrer-Policy"] == "same-origin", what
    return policy


@pytest.fixture
def browser(alice: Any, acme: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client


PAGES = [
    "/",
    "/pipelines/1",
    "/catalog",
    "/runs/7",
    "/login/",
    "/admin/",
    "/admin/login/",
    "/api/docs/",
    "/api/docs/?script=",
    "/api/schema/",
    "/api/me/",
    "/api/teams/",
    "/healthz",
    "/api/no-such-thing/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_answer_carries_the_policy(browser: Client, path: str) -> None:
    response = browser.get(path)
    assert response.status_code < 500, (path, response.status_code)
    policy = assert_app_policy(response, path)
    # the run feed's WebSocket is this host's, and only this host's
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"], policy["connect-src"]


def test_a_signed_out_visitor_gets_the_policy_on_the_login_redirect_and_page(db: Any) -> None:
    client = Client()
    redirect = client.get("/runs/1")
    assert redirect.status_code == 302 and redirect["Location"].startswith("/login/")
    assert_app_policy(redirect, "redirect")
    page = client.get(redirect["Location"])
    assert page.status_code == 200
    assert_app_policy(page, "login")
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.content.decode()), "inline script on the login page"


def test_the_api_docs_load_their_script_from_a_file_not_inline(browser: Client) -> None:
    page = browser.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(re.search(r'\bsrc="[^"]+"', s) for s in scripts), scripts
    init = browser.get("/api/docs/?script=")
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in init.content


def test_a_deployment_extends_the_policy(browser: Client, settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "img-src": [*settings.CONTENT_SECURITY_POLICY["img-src"], "https://img.example.com"],
        "report-uri": ["/csp-report"],
    }
    policy = directives(browser.get("/api/me/")["Content-Security-Policy"])
    assert policy["img-src"][-1] == "https://img.example.com"
    assert policy["report-uri"] == ["/csp-report"]
    assert policy["script-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/login/", "/api/docs/", "/admin/login/"])
def test_pages_load_no_script_or_style_from_another_host(browser: Client, path: str) -> None:
    page = browser.get(path, follow=True)
    assert page.status_code in (200, 503), (path, page.status_code)  # 503: the front end is not built
    html = page.content.decode()
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]*)\"", html)
    styles = re.findall(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]*)\"", html)
    styles += re.findall(r"<link\b[^>]*\bhref=\"([^\"]*)\"[^>]*\brel=\"stylesheet\"", html)
    if path == "/api/docs/":
        assert len(scripts) == 3 and styles, (scripts, styles)  # Swagger UI, from this server
    for url in scripts + styles:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url}"

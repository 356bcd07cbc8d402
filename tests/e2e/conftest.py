from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live import CHROMIUM, CHROMIUM_ARGS, live_daphne

# The application runs under a strict Content-Security-Policy (no eval): give `wait_for_function` a
# function ("() => ..."), never a bare expression, which Playwright would eval in the page when it polls.
# Playwright's sync API keeps an event loop in this thread; the ORM calls of the tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live_url(transactional_db: Any) -> Iterator[str]:
    with live_daphne() as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login/" not in u)

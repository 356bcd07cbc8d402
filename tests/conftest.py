"""Shared fixtures: three users (alice owns team 'acme', bob is her teammate, charlie is an
outsider with his own team 'other'), API clients for each, and the CI rule that nothing skips."""

from __future__ import annotations

import os
from typing import Any

import pytest
from rest_framework.test import APIClient

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

pytest_plugins = ["tests.runner.fixtures", "tests.runner.fake_compute", "tests.s3"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Mark browser tests `e2e` (first: `-m "not e2e"` deselects in a later hook of this name, so
    a mark added after it would select them anyway); `_E2ELast` then runs them last."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


class _E2ELast:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which async tests (and asyncio.run) cannot share. Sorted after
    every other hook of the name, pytest-django's too, which moves tests without a database after
    the ones with one (so after the browser tests, had they been sorted first)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        items.sort(key=lambda item: "/e2e/" in str(item.fspath))


def pytest_configure(config: Any) -> None:
    config.pluginmanager.register(_E2ELast(), "pipewright-e2e-last")
    # The connection pool is the web process's (pipewright/asgi.py sets it up when imported). This
    # process imports that module too (tests of the ASGI application) but is no web process: its
    # tests' threads (workers, supervisors, live servers) would share one pool of ten connections
    # for the rest of the session. Daphne started by the tests (tests/live.py, tests/stack) pools
    # as it does under `make run`; tests/api/test_asgi_handler.py sets the pool up explicitly.
    from django.conf import settings

    settings.DB_POOL_MAX_SIZE = 0


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if CI and skipped:
        terminalreporter.write_line(f"CI=true: {len(skipped)} test(s) skipped; nothing may skip in CI", red=True)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if CI and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = 1


_PASSWORD_HASHES: dict[str, str] = {}  # PBKDF2 costs ~1 s a user: hash each test password once per session


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Drop the test database cleanly: first end the sessions that threads of this process (the
    WebSocket consumer's database threads) and the live servers' children still hold on it."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def make_user(username: str) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    if username not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[username] = make_password("pw-" + username)
    user = get_user_model().objects.create_user(username, f"{username}@example.com", None)
    user.password = _PASSWORD_HASHES[username]
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def alice(db: Any) -> Any:
    return make_user("alice")


@pytest.fixture
def bob(db: Any) -> Any:
    return make_user("bob")


@pytest.fixture
def charlie(db: Any) -> Any:
    return make_user("charlie")


@pytest.fixture
def acme(alice: Any, bob: Any) -> Any:
    """Team 'acme': alice owner, bob member."""
    from teams.models import Membership, Role, Team

    team = Team.objects.create(name="acme")
    Membership.objects.create(team=team, user=alice, role=Role.OWNER)
    Membership.objects.create(team=team, user=bob, role=Role.MEMBER)
    return team


@pytest.fixture
def other(charlie: Any) -> Any:
    """Team 'other': charlie owner."""
    from teams.models import Membership, Role, Team

    team = Team.objects.create(name="other")
    Membership.objects.create(team=team, user=charlie, role=Role.OWNER)
    return team


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_alice(alice: Any, acme: Any) -> APIClient:
    return client_for(alice)


@pytest.fixture
def as_bob(bob: Any, acme: Any) -> APIClient:
    return client_for(bob)


@pytest.fixture
def as_charlie(charlie: Any, other: Any) -> APIClient:
    return client_for(charlie)

"""Version lifecycle: deprecate / disable / enable and the default version."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.catalog import resolve_version
from modules.lookup import DbCatalog
from modules.models import Module, ModuleVersion
from tests.api.modules_helpers import builtin_team, client_with_role, make_module

BASE = "/api/modules/acme/split-data"


@pytest.fixture
def module(acme: Any) -> Module:
    return make_module(acme, "split-data", ("1.0.0", "1.1.0", "2.0.0"), default="1.1.0")


def status_of(version: str) -> str:
    return ModuleVersion.objects.get(version=version).status


def test_it_deprecates_with_a_message_and_a_successor(as_alice: Any, module: Module) -> None:
    response = as_alice.post(
        f"{BASE}/versions/1.0.0/deprecate", {"message": "Use 2.0.0: faster.", "successor": "2.0.0"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["deprecation_message"], body["successor"]) == (
        "deprecated",
        "Use 2.0.0: faster.",
        "2.0.0",
    )
    info, error = resolve_version(DbCatalog(module.team.memberships.first().user).module("acme/split-data"), "1.0.0")
    assert error is None and info is not None and info.status == "deprecated" and info.successor == "2.0.0"


def test_it_refuses_an_unknown_successor(as_alice: Any, module: Module) -> None:
    response = as_alice.post(f"{BASE}/versions/1.0.0/deprecate", {"message": "x", "successor": "9.9.9"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "successor"
    assert status_of("1.0.0") == "active"


def test_it_refuses_to_disable_the_default_until_another_is_chosen(as_alice: Any, module: Module) -> None:
    response = as_alice.post(f"{BASE}/versions/1.1.0/disable")
    assert response.status_code == 400
    assert "default" in response.json()["detail"]
    assert status_of("1.1.0") == "active"
    assert as_alice.post(f"{BASE}/default", {"version": "2.0.0"}, format="json").status_code == 200
    assert as_alice.post(f"{BASE}/versions/1.1.0/disable/").status_code == 200  # trailing slash works too
    assert status_of("1.1.0") == "disabled"


def test_it_never_resolves_a_disabled_version(as_alice: Any, alice: Any, module: Module) -> None:
    assert as_alice.post(f"{BASE}/versions/2.0.0/disable").json()["status"] == "disabled"
    mod = DbCatalog(alice).module("acme/split-data")
    assert mod is not None
    assert resolve_version(mod, "2.0.0") == (None, "acme/split-data@2.0.0 is disabled")
    assert resolve_version(mod, None)[0].version == "1.1.0"  # type: ignore[union-attr]


def test_it_enables_a_disabled_or_deprecated_version(as_alice: Any, module: Module) -> None:
    as_alice.post(f"{BASE}/versions/1.0.0/deprecate", {"message": "old", "successor": "2.0.0"}, format="json")
    as_alice.post(f"{BASE}/versions/1.0.0/disable")
    response = as_alice.post(f"{BASE}/versions/1.0.0/enable")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["deprecation_message"], response.json()["successor"]) == (
        "active",
        "",
        None,
    )


def test_it_sets_the_default_but_never_to_a_disabled_version(as_alice: Any, module: Module) -> None:
    response = as_alice.post(f"{BASE}/default", {"version": "2.0.0"}, format="json")
    assert response.status_code == 200
    assert response.json()["default_version"] == "2.0.0"
    assert response.json()["spec"]["version"] == "2.0.0"
    as_alice.post(f"{BASE}/versions/1.0.0/disable")
    response = as_alice.post(f"{BASE}/default", {"version": "1.0.0"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "version", "message": "is disabled"}]
    response = as_alice.post(f"{BASE}/default", {"version": "7.0.0"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "version"
    response = as_alice.post(f"{BASE}/default", {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "version"
    module.refresh_from_db()
    assert module.default_version is not None and module.default_version.version == "2.0.0"


ACTIONS = {
    "publish-free deprecate": ("versions/1.0.0/deprecate", {"message": "old"}),
    "disable": ("versions/1.0.0/disable", {}),
    "enable": ("versions/1.0.0/enable", {}),
    "default": ("default", {"version": "2.0.0"}),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(("role", "expected"), [("owner", 200), ("maintainer", 200), ("member", 403), ("viewer", 403)])
def test_it_needs_a_maintainer_for_lifecycle_changes(
    acme: Any, alice: Any, bob: Any, module: Module, action: str, role: str, expected: int
) -> None:
    path, body = ACTIONS[action]
    before = list(ModuleVersion.objects.order_by("pk").values_list("status", flat=True))
    response = client_with_role(acme, alice, bob, role).post(f"{BASE}/{path}", body, format="json")
    assert response.status_code == expected, response.json()
    if expected == 403:
        assert role in response.json()["detail"]
        assert list(ModuleVersion.objects.order_by("pk").values_list("status", flat=True)) == before
        module.refresh_from_db()
        assert module.default_version is not None and module.default_version.version == "1.1.0"


@pytest.mark.parametrize(
    "path", ["versions/1.0.0/deprecate", "versions/1.0.0/disable", "versions/1.0.0/enable", "default"]
)
def test_it_hides_other_teams_modules(as_charlie: Any, module: Module, path: str) -> None:
    assert as_charlie.post(f"{BASE}/{path}", {"version": "1.0.0"}, format="json").status_code == 404
    assert status_of("1.0.0") == "active"


def test_it_keeps_builtin_lifecycle_read_only(as_alice: Any) -> None:
    make_module(builtin_team(), "import-data", ("1.0.0", "1.1.0"), default="1.1.0")
    base = "/api/modules/builtin/import-data"
    assert as_alice.post(f"{base}/versions/1.0.0/disable").status_code == 403
    assert as_alice.post(f"{base}/default", {"version": "1.0.0"}, format="json").status_code == 403
    assert ModuleVersion.objects.get(version="1.0.0").status == "active"


def test_it_404s_an_unknown_version(as_alice: Any, module: Module) -> None:
    assert as_alice.post(f"{BASE}/versions/3.0.0/disable").status_code == 404


def test_it_refuses_to_deprecate_a_disabled_version(as_alice: Any, module: Module) -> None:
    as_alice.post(f"{BASE}/versions/1.0.0/disable")
    response = as_alice.post(f"{BASE}/versions/1.0.0/deprecate", {"message": "old"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "version", "message": "is disabled"}]
    assert status_of("1.0.0") == "disabled"

"""GET /api/modules/: the palette's list, scoped to my teams plus builtin, without N+1 queries."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from modules import services
from tests.api.modules_helpers import builtin_team, make_module


def test_it_lists_my_teams_and_builtin_modules_but_not_other_teams(as_alice: Any, acme: Any, other: Any) -> None:
    make_module(acme, "split-data")
    make_module(other, "secret-sauce")
    make_module(builtin_team(), "import-data")
    refs = [m["ref"] for m in as_alice.get("/api/modules/").json()["results"]]
    assert sorted(refs) == ["acme/split-data", "builtin/import-data"]


def test_it_shows_builtin_modules_to_outsiders(as_charlie: Any, acme: Any) -> None:
    make_module(acme, "split-data")
    make_module(builtin_team(), "import-data")
    refs = [m["ref"] for m in as_charlie.get("/api/modules/").json()["results"]]
    assert refs == ["builtin/import-data"]


def test_it_returns_the_module_list_item_shape(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0", "1.2.0", "1.10.0"), default="1.2.0")
    (item,) = as_alice.get("/api/modules/").json()["results"]
    assert set(item) == {
        "ref",
        "team",
        "name",
        "display_name",
        "category",
        "description",
        "default_version",
        "visibility",  # private | public (shared modules)
        "versions",
        "preferred_version",
        "spec",
    }
    assert (item["ref"], item["team"], item["name"]) == ("acme/split-data", "acme", "split-data")
    assert item["default_version"] == "1.2.0"
    assert [v["version"] for v in item["versions"]] == ["1.10.0", "1.2.0", "1.0.0"]  # semver order, newest first
    v = item["versions"][1]
    assert set(v) == {
        "version",
        "status",
        "is_default",
        "digest",
        "deprecation_message",
        "successor",
        "changelog",
        "created_at",
    }
    assert v["is_default"] is True and v["status"] == "active" and len(v["digest"]) == 64
    assert item["preferred_version"] == "1.2.0"  # the one rule: the default unless disabled
    assert item["spec"]["version"] == "1.2.0"  # the default version's spec
    assert item["spec"]["inputs"] == [{"name": "data", "type": "DataFrame"}]


def test_it_features_the_highest_active_version_when_there_is_no_default(as_alice: Any, acme: Any) -> None:
    module = make_module(acme, "split-data", ("1.0.0", "1.2.0", "2.0.0"))
    services.do_disable(module.versions.get(version="2.0.0"))
    (item,) = as_alice.get("/api/modules/").json()["results"]
    assert item["default_version"] is None
    assert item["spec"]["version"] == "1.2.0"


def test_it_filters_by_query_category_and_team(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data")
    make_module(acme, "train-model")
    make_module(builtin_team(), "import-data")
    assert [m["name"] for m in as_alice.get("/api/modules/?q=TRAIN").json()["results"]] == ["train-model"]
    assert len(as_alice.get("/api/modules/?category=data transformation").json()["results"]) == 3
    assert as_alice.get("/api/modules/?category=Nope").json()["results"] == []
    assert [m["ref"] for m in as_alice.get("/api/modules/?team=builtin").json()["results"]] == ["builtin/import-data"]
    assert as_alice.get("/api/modules/?team=other").json()["results"] == []


def test_it_lists_without_n_plus_one_queries(as_alice: Any, acme: Any) -> None:
    make_module(acme, "m-0", ("1.0.0", "1.1.0"), default="1.0.0")
    as_alice.get("/api/modules/")  # warm: the user's roles are cached per user object
    with CaptureQueriesContext(connection) as few:
        assert as_alice.get("/api/modules/").status_code == 200
    for i in range(1, 12):
        make_module(acme, f"m-{i}", ("1.0.0", "1.1.0", "2.0.0"), default="1.1.0")
    make_module(builtin_team(), "import-data")
    with CaptureQueriesContext(connection) as many:
        response = as_alice.get("/api/modules/")
    assert len(response.json()["results"]) == 13
    assert len(many) == len(few) <= 3, [q["sql"] for q in many.captured_queries]


def test_it_requires_authentication(client: Any, acme: Any) -> None:
    assert client.get("/api/modules/").status_code in (401, 403)


def test_it_prefers_the_newest_active_version_when_the_default_is_disabled(as_alice: Any, acme: Any) -> None:
    from modules.models import ModuleVersion

    make_module(acme, "split-data", ("1.0.0", "1.2.0", "1.10.0"), default="1.10.0")
    ModuleVersion.objects.filter(module__name="split-data", version="1.10.0").update(status="disabled")
    (item,) = as_alice.get("/api/modules/").json()["results"]
    assert item["preferred_version"] == item["spec"]["version"] == "1.2.0"  # as the compiler resolves it

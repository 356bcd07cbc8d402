"""GET a version's detail and its spec.yaml export."""

from __future__ import annotations

from typing import Any

from modules import spec as specs
from tests.api.modules_helpers import builtin_team, make_module


def test_it_shows_a_version_with_spec_status_digest_and_files(as_bob: Any, acme: Any) -> None:
    module = make_module(acme, "split-data", ("1.0.0", "1.2.0"), default="1.0.0")
    response = as_bob.get("/api/modules/acme/split-data/versions/1.2.0/")
    assert response.status_code == 200
    body = response.json()
    assert body["ref"] == "acme/split-data" and body["version"] == "1.2.0"
    assert body["status"] == "active" and body["is_default"] is False
    assert body["files"] == ["main.py"]
    assert body["digest"] == module.versions.get(version="1.2.0").digest
    assert body["spec"]["outputs"][1] == {"name": "test", "type": "DataFrame"}


def test_it_lists_versions_and_shows_one_module(as_bob: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0", "1.2.0"))
    assert [v["version"] for v in as_bob.get("/api/modules/acme/split-data/versions/").json()["results"]] == [
        "1.2.0",
        "1.0.0",
    ]
    assert as_bob.get("/api/modules/acme/split-data/").json()["ref"] == "acme/split-data"


def test_it_exports_the_spec_as_canonical_yaml(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    response = as_alice.get("/api/modules/acme/split-data/versions/1.0.0/spec.yaml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/yaml")
    text = response.content.decode()
    assert text.startswith("name: split-data\nversion: 1.0.0\n")
    assert specs.dump_yaml(specs.load_yaml(text)) == text


def test_it_round_trips_an_exported_spec_through_publish(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    text = as_alice.get("/api/modules/acme/split-data/versions/1.0.0/spec.yaml").content.decode()
    bumped = text.replace("version: 1.0.0", "version: 1.0.1")
    response = as_alice.post("/api/modules/acme/split-data/versions/", {"spec": bumped}, format="json")
    assert response.status_code == 201, response.json()
    again = as_alice.get("/api/modules/acme/split-data/versions/1.0.1/spec.yaml").content.decode()
    assert again == bumped


def test_it_hides_other_teams_versions(as_charlie: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    assert as_charlie.get("/api/modules/acme/split-data/versions/1.0.0/").status_code == 404
    assert as_charlie.get("/api/modules/acme/split-data/versions/1.0.0/spec.yaml").status_code == 404
    assert as_charlie.get("/api/modules/acme/split-data/").status_code == 404


def test_it_shows_builtin_versions_to_everyone(as_charlie: Any) -> None:
    make_module(builtin_team(), "import-data", ("1.0.0",))
    assert as_charlie.get("/api/modules/builtin/import-data/versions/1.0.0/").status_code == 200


def test_it_404s_unknown_versions_and_modules(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    assert as_alice.get("/api/modules/acme/split-data/versions/9.0.0/").status_code == 404
    assert as_alice.get("/api/modules/acme/nope/versions/1.0.0/").status_code == 404

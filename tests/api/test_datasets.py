"""Datasets: uploads become immutable versions in the artifact store; scoped by team."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from artifacts import store
from designer.models import DatasetVersion
from teams.models import Membership, Role
from tests.api.pipelines_helpers import create, graph, make_catalog, upload_csv, with_source
from tests.conftest import client_for, make_user


@pytest.fixture(autouse=True)
def artifact_root(settings: Any, tmp_path: Path) -> Path:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    return settings.ARTIFACT_ROOT


def test_it_uploads_versions_and_detects_columns(as_bob: Any) -> None:
    first = upload_csv(as_bob)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["ref"] == "acme/iris" and body["team"] == "acme"
    [v1] = body["versions"]
    assert v1["version"] == 1 and v1["columns"] == ["sepal", "petal", "species"]
    assert v1["filename"] == "iris.csv" and v1["size"] == len(b"sepal,petal,species\n1,2,setosa\n")
    assert store.exists(v1["artifact"])
    stored = store.path_for(v1["artifact"]) / "iris.csv"
    assert stored.read_bytes().startswith(b"sepal,petal")
    second = upload_csv(as_bob, content=b"\xef\xbb\xbfa;b\n1;2\n").json()
    assert [v["version"] for v in second["versions"]] == [1, 2] and second["latest_version"] == 2
    assert second["versions"][1]["columns"] == ["a", "b"]


def test_it_lists_my_teams_datasets_only(as_alice: Any, as_charlie: Any) -> None:
    upload_csv(as_alice, "iris")
    upload_csv(as_charlie, "secret", team="other")
    assert [d["ref"] for d in as_alice.get("/api/datasets/").json()["results"]] == ["acme/iris"]
    assert [d["ref"] for d in as_charlie.get("/api/datasets/").json()["results"]] == ["other/secret"]


def test_it_rejects_uploads_to_other_teams(as_alice: Any, as_charlie: Any) -> None:
    assert upload_csv(as_charlie, team="acme").status_code == 404
    assert not DatasetVersion.objects.exists()


def test_it_lets_viewers_read_but_not_upload(as_alice: Any, acme: Any) -> None:
    upload_csv(as_alice)
    vera = make_user("vera")
    Membership.objects.create(team=acme, user=vera, role=Role.VIEWER)
    viewer = client_for(vera)
    assert len(viewer.get("/api/datasets/").json()["results"]) == 1
    assert upload_csv(viewer).status_code == 403
    assert DatasetVersion.objects.count() == 1


def test_it_rejects_bad_uploads(as_alice: Any, settings: Any) -> None:
    missing = as_alice.post("/api/datasets/", {"team": "acme", "name": "x"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"
    bad_name = upload_csv(as_alice, name="Bad Name!")
    assert bad_name.status_code == 400 and bad_name.json()["errors"][0]["field"] == "name"
    settings.DATASET_MAX_BYTES = 10
    too_big = upload_csv(as_alice, content=b"x" * 100)
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "file"
    assert not DatasetVersion.objects.exists()


def test_pipelines_bind_datasets_at_compile_time(as_alice: Any, as_charlie: Any, acme: Any) -> None:
    make_catalog(acme)
    uploaded = upload_csv(as_alice).json()["versions"][0]
    response = create(as_alice, with_source(graph()))
    assert response.status_code == 201 and response.json()["errors"] == []
    plan = as_alice.get(f"/api/pipelines/{response.json()['id']}/versions/1/").json()["plan"]
    [binding] = plan["steps"][0]["inputs"]
    assert binding["dataset"] == "acme/iris" and binding["dataset_version"] == 1
    assert binding["artifact"] == uploaded["artifact"]
    assert {n["id"]: n["version"] for n in response.json()["graph"]["nodes"]}["d1"] == 1
    # charlie cannot read acme's dataset
    theirs = as_charlie.post(
        "/api/pipelines/", {"team": "other", "name": "x", "graph": with_source(graph("other"))}, format="json"
    )
    assert {e["code"] for e in theirs.json()["errors"]} >= {"unknown_dataset"}


def test_db_datasets_is_scoped_and_preloads_in_one_query(
    as_alice: Any, as_charlie: Any, alice: Any, charlie: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from designer.lookup import DbDatasets

    upload_csv(as_alice, "iris")
    upload_csv(as_alice, "iris")
    upload_csv(as_alice, "wine")
    mine = DbDatasets(alice)
    with CaptureQueriesContext(connection) as queries:
        mine.preload(["acme/iris", "acme/wine", "acme/none", "not-a-ref"])
        latest = mine.dataset("acme/iris", None)
        first = mine.dataset("acme/iris", 1)
        assert mine.dataset("acme/wine", 2) is None
        assert mine.dataset("acme/none", None) is None
        assert mine.dataset("not-a-ref", None) is None
    assert len(queries) <= 2  # roles + versions
    assert latest is not None and latest.version == 2 and latest.columns == ("sepal", "petal", "species")
    assert first is not None and first.artifact == latest.artifact  # same bytes, same artifact
    assert DbDatasets(charlie).dataset("acme/iris", None) is None

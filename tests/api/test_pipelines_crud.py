"""Pipelines CRUD: create, list, read with ETag, save with If-Match, delete; ownership and roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from designer.models import Pipeline, PipelineVersion
from teams.models import Membership, Role
from tests.api.pipelines_helpers import create, graph, make_catalog, put
from tests.conftest import client_for, make_user


@pytest.fixture
def catalog(acme: Any) -> None:
    make_catalog(acme)


@pytest.fixture
def as_viewer(acme: Any) -> Any:
    vera = make_user("vera")
    Membership.objects.create(team=acme, user=vera, role=Role.VIEWER)
    return client_for(vera)


def test_it_creates_a_pipeline_and_pins_versions(as_alice: Any, catalog: None) -> None:
    response = create(as_alice, graph())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["team"] == "acme"
    assert body["errors"] == []
    assert body["version"] == 1 and body["runnable"] is True
    assert response["ETag"] == '"1"'
    versions = {n["id"]: n["version"] for n in body["graph"]["nodes"]}
    assert versions == {"split": "1.0.0", "train": "2.0.0"}


def test_it_creates_an_empty_pipeline_without_a_version(as_bob: Any) -> None:
    response = as_bob.post("/api/pipelines/", {"team": "acme", "name": "blank"}, format="json")
    assert response.status_code == 201
    assert response.json()["latest_version"] is None
    assert response.json()["graph"]["nodes"] == []
    assert response.json()["runnable"] is False
    renamed = as_bob.put(
        f"/api/pipelines/{response.json()['id']}/",
        {"name": "still blank"},
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert renamed.status_code == 200 and renamed.json()["version"] is None
    assert renamed.json()["runnable"] is False  # no version to run, whatever the graph says


def test_it_lists_only_my_teams_pipelines(as_alice: Any, as_charlie: Any, catalog: None) -> None:
    create(as_alice, graph(), name="mine")
    as_charlie.post("/api/pipelines/", {"team": "other", "name": "theirs"}, format="json")
    names = [p["name"] for p in as_alice.get("/api/pipelines/").json()["results"]]
    assert names == ["mine"]
    row = as_alice.get("/api/pipelines/").json()["results"][0]
    assert row["team"] == "acme" and row["revision"] == 1 and row["latest_version"] == 1 and row["updated_at"]
    assert [p["name"] for p in as_charlie.get("/api/pipelines/").json()["results"]] == ["theirs"]


def test_it_lists_with_a_constant_number_of_queries(as_alice: Any, catalog: None) -> None:
    create(as_alice, graph(), name="one")
    with CaptureQueriesContext(connection) as few:
        assert len(as_alice.get("/api/pipelines/").json()["results"]) == 1
    for i in range(5):
        create(as_alice, graph(), name=f"more-{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(as_alice.get("/api/pipelines/").json()["results"]) == 6
    assert len(many) == len(few)
    assert len(many) <= 4


def test_it_reads_a_pipeline_with_etag_and_compile_result(as_alice: Any, catalog: None) -> None:
    pk = create(as_alice, graph(test_size=7)).json()["id"]
    response = as_alice.get(f"/api/pipelines/{pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["etag"] == '"1"'
    assert set(body) >= {"id", "team", "name", "description", "graph", "revision", "errors", "warnings"}
    assert body["latest_version"] == 1
    assert [(e["code"], e["node"], e["field"]) for e in body["errors"]] == [
        ("invalid_parameter", "split", "nodes[0].params.test_size")
    ]


def test_it_saves_with_if_match_and_bumps_revision(as_bob: Any, catalog: None) -> None:
    created = create(as_bob, graph())
    pk = created.json()["id"]
    response = put(as_bob, pk, {"graph": graph(test_size=0.5), "name": "renamed"}, created["ETag"])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["revision"] == 2 and response["ETag"] == '"2"'
    assert body["version"] == 2 and body["version_created"] is True
    assert body["name"] == "renamed"
    # Same graph again: new revision, no new version.
    again = put(as_bob, pk, {"graph": body["graph"], "description": "d"}, response["ETag"])
    assert again.status_code == 200
    assert again.json()["revision"] == 3
    assert again.json()["version"] == 2 and again.json()["version_created"] is False
    assert PipelineVersion.objects.filter(pipeline_id=pk).count() == 2


def test_it_needs_if_match_to_save(as_alice: Any, catalog: None) -> None:
    pk = create(as_alice, graph()).json()["id"]
    response = put(as_alice, pk, {"graph": graph(test_size=0.5)}, None)
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]


def test_it_rejects_a_stale_etag_and_saves_nothing(as_alice: Any, as_bob: Any, catalog: None) -> None:
    created = create(as_alice, graph())
    pk, etag = created.json()["id"], created["ETag"]
    assert put(as_bob, pk, {"graph": graph(test_size=0.3)}, etag).status_code == 200
    stale = put(as_alice, pk, {"graph": graph(test_size=0.9), "name": "lost"}, etag)
    assert stale.status_code == 412
    assert stale.json()["detail"]
    pipeline = Pipeline.objects.get(pk=pk)
    assert pipeline.revision == 2 and pipeline.name == "flow"
    assert pipeline.graph["nodes"][0]["params"]["test_size"] == 0.3
    assert PipelineVersion.objects.filter(pipeline_id=pk).count() == 2
    assert put(as_alice, pk, {"graph": graph()}, '"nonsense"').status_code == 412


def test_it_saves_a_graph_with_errors_as_a_draft(as_alice: Any, catalog: None) -> None:
    created = create(as_alice, graph())
    doc = graph()
    doc["edges"] = []
    response = put(as_alice, created.json()["id"], {"graph": doc}, created["ETag"])
    assert response.status_code == 200
    body = response.json()
    assert body["runnable"] is False and body["version"] == 2
    assert [(e["code"], e["node"], e["port"]) for e in body["errors"]] == [("missing_input", "train", "train")]
    version = PipelineVersion.objects.get(pipeline_id=body["id"], number=2)
    assert version.plan is None and version.errors


@pytest.mark.parametrize(
    "body",
    [[1, 2], "text", {"graph": [1]}, {"graph": "x"}, {"graph": None}, {"name": ""}, {"name": ["x"]}],
)
def test_it_rejects_malformed_bodies_with_400(as_alice: Any, catalog: None, body: Any) -> None:
    created = create(as_alice, graph())
    response = put(as_alice, created.json()["id"], body, created["ETag"])
    assert response.status_code == 400, response.content
    assert response.json()["detail"] and isinstance(response.json()["errors"], list)
    assert Pipeline.objects.get(pk=created.json()["id"]).revision == 1


@pytest.mark.parametrize(
    "body",
    [[1], {"team": "acme"}, {"team": "acme", "name": "x", "graph": 5}, {"team": ["acme"], "name": "x"}],
)
def test_it_rejects_malformed_creates_with_400(as_alice: Any, body: Any) -> None:
    response = as_alice.post("/api/pipelines/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Pipeline.objects.exists()


def test_it_rejects_a_graph_with_too_many_nodes(as_alice: Any) -> None:
    doc = {"schema": 1, "nodes": [{"id": f"n{i}", "module": "acme/x"} for i in range(5001)], "edges": []}
    response = as_alice.post("/api/pipelines/", {"team": "acme", "name": "big", "graph": doc}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "graph"


def test_it_rejects_a_huge_body_with_413(as_alice: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    doc = {"schema": 1, "nodes": [], "edges": [], "junk": "x" * 5000}
    response = as_alice.post("/api/pipelines/", {"team": "acme", "name": "big", "graph": doc}, format="json")
    assert response.status_code == 413
    assert response.json()["detail"]


def test_it_hides_other_teams_pipelines(as_alice: Any, as_charlie: Any, catalog: None) -> None:
    created = create(as_alice, graph())
    pk = created.json()["id"]
    assert as_charlie.get(f"/api/pipelines/{pk}/").status_code == 404
    assert put(as_charlie, pk, {"graph": graph()}, created["ETag"]).status_code == 404
    assert as_charlie.delete(f"/api/pipelines/{pk}/").status_code == 404
    assert create(as_charlie, graph(), team="acme").status_code == 404
    assert Pipeline.objects.get(pk=pk).revision == 1


def test_it_lets_viewers_read_but_not_write(as_alice: Any, as_viewer: Any, catalog: None) -> None:
    created = create(as_alice, graph())
    pk = created.json()["id"]
    assert as_viewer.get(f"/api/pipelines/{pk}/").status_code == 200
    assert put(as_viewer, pk, {"graph": graph(test_size=0.5)}, created["ETag"]).status_code == 403
    assert as_viewer.delete(f"/api/pipelines/{pk}/").status_code == 403
    assert create(as_viewer, graph()).status_code == 403
    assert Pipeline.objects.get(pk=pk).revision == 1


def test_it_deletes_a_pipeline(as_bob: Any, catalog: None) -> None:
    pk = create(as_bob, graph()).json()["id"]
    assert as_bob.delete(f"/api/pipelines/{pk}/").status_code == 204
    assert as_bob.get(f"/api/pipelines/{pk}/").status_code == 404
    assert not PipelineVersion.objects.filter(pipeline_id=pk).exists()


def test_it_does_not_see_other_teams_modules(as_alice: Any, as_charlie: Any, catalog: None) -> None:
    response = as_charlie.post("/api/pipelines/", {"team": "other", "name": "x", "graph": graph()}, format="json")
    assert response.status_code == 201
    assert {e["code"] for e in response.json()["errors"]} == {"unknown_module"}


def test_it_rejects_absurdly_nested_json_with_400(as_alice: Any) -> None:
    body = '{"team": "acme", "name": "x", "graph": ' + "[" * 50000 + "]" * 50000 + "}"
    response = as_alice.post("/api/pipelines/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_with_one_etag_let_exactly_one_win(as_alice: Any, as_bob: Any, catalog: None) -> None:
    import threading

    from django.db import connections

    created = create(as_alice, graph())
    pk, etag = created.json()["id"], created["ETag"]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def save(client: Any, size: float) -> None:
        try:
            barrier.wait()
            statuses.append(put(client, pk, {"graph": graph(test_size=size)}, etag).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(c, s)) for c, s in ((as_alice, 0.4), (as_bob, 0.6))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 412]
    pipeline = Pipeline.objects.get(pk=pk)
    assert pipeline.revision == 2
    assert PipelineVersion.objects.filter(pipeline_id=pk).count() == 2

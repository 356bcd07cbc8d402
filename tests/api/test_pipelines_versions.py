"""Pipeline versions: immutable history, diff, validate, duplicate, and the runner's runnable_version."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from designer import services
from designer.models import ImmutableError, Pipeline, PipelineVersion
from pipewright.errors import LocatedError
from teams.models import Membership, Role
from tests.api.pipelines_helpers import create, graph, make_catalog, put
from tests.conftest import client_for, make_user


@pytest.fixture
def catalog(acme: Any) -> None:
    make_catalog(acme)


def saved_twice(client: Any) -> int:
    created = create(client, graph())
    pk = created.json()["id"]
    doc = graph(test_size=0.5, train_version="1.0.0")
    doc["nodes"][0]["position"] = {"x": 10, "y": 10}
    doc["nodes"].append({"id": "extra", "module": "acme/train", "version": None, "params": {"max_depth": 5}})
    doc["edges"].append({"source": "split", "source_port": "test", "target": "extra", "target_port": "train"})
    doc["parameters"] = [{"name": "depth", "type": "integer", "default": 4}]
    response = put(client, pk, {"graph": doc}, created["ETag"])
    assert response.status_code == 200, response.json()
    return int(pk)


def test_it_lists_and_reads_versions(as_alice: Any, catalog: None) -> None:
    pk = saved_twice(as_alice)
    rows = as_alice.get(f"/api/pipelines/{pk}/versions/").json()["results"]
    assert [r["number"] for r in rows] == [2, 1]
    assert rows[0]["runnable"] is True and rows[0]["created_by"] == "alice"
    v1 = as_alice.get(f"/api/pipelines/{pk}/versions/1/").json()
    assert v1["number"] == 1 and v1["errors"] == []
    assert [s["node"] for s in v1["plan"]["steps"]] == ["split", "train"]
    assert v1["graph"]["nodes"][1]["version"] == "2.0.0"
    assert as_alice.get(f"/api/pipelines/{pk}/versions/9/").status_code == 404


def test_it_keeps_versions_immutable(as_alice: Any, catalog: None) -> None:
    pk = saved_twice(as_alice)
    version = PipelineVersion.objects.get(pipeline_id=pk, number=1)
    before = copy.deepcopy(version.graph)
    version.graph = {"schema": 1, "nodes": [], "edges": []}
    with pytest.raises(ImmutableError):
        version.save()
    assert PipelineVersion.objects.get(pipeline_id=pk, number=1).graph == before


def test_it_diffs_two_versions(as_alice: Any, catalog: None) -> None:
    pk = saved_twice(as_alice)
    response = as_alice.get(f"/api/pipelines/{pk}/versions/1/diff/2")
    assert response.status_code == 200
    body = response.json()
    assert body["from_version"] == 1 and body["to_version"] == 2
    assert body["nodes"]["added"] == ["extra"] and body["nodes"]["removed"] == []
    changed = {c["id"]: c["fields"] for c in body["nodes"]["changed"]}
    assert changed == {"split": ["params.test_size", "position"], "train": ["version"]}
    assert body["edges"]["added"] == [
        {"source": "split", "source_port": "test", "target": "extra", "target_port": "train"}
    ]
    assert body["edges"]["removed"] == []
    assert body["parameters"] == {"added": ["depth"], "removed": [], "changed": []}
    assert body["module_versions"] == [{"node": "train", "module": "acme/train", "from": "2.0.0", "to": "1.0.0"}]
    backwards = as_alice.get(f"/api/pipelines/{pk}/versions/2/diff/1/").json()
    assert backwards["nodes"]["removed"] == ["extra"]


def test_it_validates_without_saving(as_bob: Any, catalog: None) -> None:
    created = create(as_bob, graph())
    pk = created.json()["id"]
    doc = graph()
    doc["nodes"][1]["params"] = {"nope": 1}
    response = as_bob.post(f"/api/pipelines/{pk}/validate", {"graph": doc}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [(e["code"], e["node"], e["field"]) for e in body["errors"]] == [
        ("unknown_parameter", "train", "nodes[1].params.nope")
    ]
    assert body["plan"] is None
    ok = as_bob.post(f"/api/pipelines/{pk}/validate/", {"graph": graph()}, format="json").json()
    assert ok["errors"] == [] and len(ok["plan"]["steps"]) == 2
    assert ok["graph"]["nodes"][0]["version"] == "1.0.0"
    assert Pipeline.objects.get(pk=pk).revision == 1
    assert PipelineVersion.objects.filter(pipeline_id=pk).count() == 1
    bad = as_bob.post(f"/api/pipelines/{pk}/validate", {"graph": [1]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "graph"


def test_it_warns_about_a_newer_default(as_alice: Any, catalog: None) -> None:
    response = create(as_alice, graph(train_version="1.0.0"))
    assert [(w["code"], w["node"]) for w in response.json()["warnings"]] == [("newer_version", "train")]
    assert "2.0.0" in response.json()["warnings"][0]["message"]


def test_it_duplicates_a_pipeline(as_bob: Any, catalog: None) -> None:
    pk = saved_twice(as_bob)
    response = as_bob.post(f"/api/pipelines/{pk}/duplicate", {"name": "copy"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] != pk and body["name"] == "copy" and body["version"] == 1 and body["revision"] == 1
    assert body["graph"] == Pipeline.objects.get(pk=pk).graph
    assert as_bob.post(f"/api/pipelines/{pk}/duplicate", {}, format="json").status_code == 400


def test_it_hides_other_teams_versions(as_alice: Any, as_charlie: Any, catalog: None) -> None:
    pk = saved_twice(as_alice)
    assert as_charlie.get(f"/api/pipelines/{pk}/versions/").status_code == 404
    assert as_charlie.get(f"/api/pipelines/{pk}/versions/1/").status_code == 404
    assert as_charlie.get(f"/api/pipelines/{pk}/versions/1/diff/2").status_code == 404
    assert as_charlie.post(f"/api/pipelines/{pk}/validate", {"graph": graph()}, format="json").status_code == 404
    assert as_charlie.post(f"/api/pipelines/{pk}/duplicate", {"name": "x"}, format="json").status_code == 404
    assert Pipeline.objects.count() == 1


def test_it_does_not_let_viewers_duplicate(as_alice: Any, catalog: None, acme: Any) -> None:
    pk = saved_twice(as_alice)
    vera = make_user("vera")
    Membership.objects.create(team=acme, user=vera, role=Role.VIEWER)
    viewer = client_for(vera)
    assert viewer.get(f"/api/pipelines/{pk}/versions/").status_code == 200
    assert viewer.post(f"/api/pipelines/{pk}/duplicate", {"name": "x"}, format="json").status_code == 403


def test_runnable_version_gives_the_latest_or_a_located_400(as_alice: Any, catalog: None) -> None:
    pk = saved_twice(as_alice)
    pipeline = Pipeline.objects.get(pk=pk)
    assert services.runnable_version(pipeline, None).number == 2
    assert services.runnable_version(pipeline, 1).number == 1
    with pytest.raises(LocatedError) as missing:
        services.runnable_version(pipeline, 7)
    assert missing.value.status_code == 400
    broken = graph()
    broken["edges"] = []
    etag = as_alice.get(f"/api/pipelines/{pk}/").headers["ETag"]
    assert put(as_alice, pk, {"graph": broken}, etag).json()["version"] == 3
    with pytest.raises(LocatedError) as failing:
        services.runnable_version(pipeline, None)
    assert failing.value.errors[0]["node"] == "train"
    assert "missing" in failing.value.errors[0]["code"]
    blank = as_alice.post("/api/pipelines/", {"team": "acme", "name": "blank"}, format="json").json()
    with pytest.raises(LocatedError):
        services.runnable_version(Pipeline.objects.get(pk=blank["id"]), None)

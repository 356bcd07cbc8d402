"""Model registry and lineage through the public API, on real PostgreSQL with runs driven to the end
in-process (steps on the fake backend): register from a run, versions, tags, archive, compare;
lineage up and down; the diff of two models; the register-model module's hook; team scoping."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rest_framework.test import APIClient

from pipewright.errors import NotFound
from registry import services
from tests.api.pipelines_helpers import SPLIT, TRAIN, graph, publish, upload_csv, with_source
from tests.runner.fake_compute import Act, FakeBackend

EVAL = {
    "name": "evaluate",
    "version": "1.0.0",
    "inputs": [{"name": "model", "type": "Model"}],
    "outputs": [{"name": "metrics", "type": "Metrics"}],
    "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
}
REGISTER = {
    "name": "register-model",
    "version": "1.0.0",
    "inputs": [{"name": "model", "type": "Model"}],
    "outputs": [],
    "parameters": {"name": {"type": "string", "default": "model"}},
    "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    "deterministic": False,
}


def pipeline_graph(test_size: float = 0.25, register: str | None = None) -> dict[str, Any]:
    doc = with_source(graph(test_size=test_size))
    doc["nodes"].append({"id": "eval", "module": "acme/evaluate", "version": None, "params": {}, "position": {}})
    doc["edges"].append({"source": "train", "source_port": "model", "target": "eval", "target_port": "model"})
    if register:
        doc["nodes"].append(
            {"id": "reg", "module": "acme/register-model", "version": None, "params": {"name": register}}
        )
        doc["edges"].append({"source": "train", "source_port": "model", "target": "reg", "target_port": "model"})
    for node in doc["nodes"]:
        node.setdefault("position", {"x": 0, "y": 0})
        node["position"] = node["position"] or {"x": 0, "y": 0}
    return doc


@pytest.fixture
def world(eager: Any, fake_compute: FakeBackend, acme: Any, as_alice: APIClient) -> dict[str, Any]:
    for spec in (SPLIT, TRAIN, EVAL, REGISTER):
        publish(acme, spec)
    assert upload_csv(as_alice, "iris").status_code == 201
    fake_compute.script("train", Act(metrics={"loss": 0.5}))
    fake_compute.script("eval", Act(metrics={"accuracy": 0.9, "loss": 0.4}))
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "p", "graph": pipeline_graph()}, format="json")
    assert r.status_code == 201 and not r.json()["errors"], r.content
    return {"pipeline": r.json()["id"], "fake": fake_compute}


def run(client: APIClient, pipeline: int, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    if doc is not None:
        etag = client.get(f"/api/pipelines/{pipeline}/")["ETag"]
        r = client.put(f"/api/pipelines/{pipeline}/", {"graph": doc}, format="json", HTTP_IF_MATCH=etag)
        assert r.status_code == 200 and not r.json()["errors"], r.content
    r = client.post(f"/api/pipelines/{pipeline}/runs/", {"parameters": {}}, format="json")
    assert r.status_code == 201, r.content
    body = client.get(f"/api/runs/{r.json()['id']}/").json()
    assert body["status"] == "succeeded", body
    return body


def register(client: APIClient, run_id: int, name: str = "iris-clf", node: str = "train", port: str = "model") -> Any:
    return client.post("/api/models/register", {"name": name, "run": run_id, "node": node, "port": port}, format="json")


def test_it_registers_a_model_from_a_run_with_its_lineage_snapshot(world: Any, as_alice: APIClient) -> None:
    first = run(as_alice, world["pipeline"])
    r = register(as_alice, first["id"])
    assert r.status_code == 201, r.content
    v = r.json()
    train = next(s for s in first["steps"] if s["node"] == "train")
    assert v["version"] == 1 and v["ref"] == "acme/iris-clf@1" and v["run"] == first["id"]
    assert v["sha256"] == train["outputs"]["model"]["sha256"] and v["pipeline_version"] == 1
    # the step's own metrics, then the downstream evaluate step's (a repeated name gets its node)
    assert v["metrics"] == {"loss": 0.5, "accuracy": 0.9, "eval.loss": 0.4}
    assert v["metric_sources"] == {"loss": "train", "accuracy": "eval", "eval.loss": "eval"}
    assert [(m["node"], m["module"], m["version"]) for m in v["module_versions"]] == [
        ("split", "acme/split", "1.0.0"),
        ("train", "acme/train", "1.0.0"),
    ]
    assert v["parameters"]["split"]["test_size"] == 0.25
    assert [(d["node"], d["dataset"], d["version"]) for d in v["datasets"]] == [("split", "acme/iris", 1)]
    model = as_alice.get(f"/api/models/{v['model']}/").json()
    assert model["ref"] == "acme/iris-clf" and model["latest_version"] == 1 and model["version_count"] == 1
    # a second run with another parameter: version 2, through the model's own versions endpoint
    second = run(as_alice, world["pipeline"], pipeline_graph(test_size=0.4))
    r = as_alice.post(
        f"/api/models/{v['model']}/versions/", {"run": second["id"], "node": "train", "port": "model"}, format="json"
    )
    assert r.status_code == 201 and r.json()["version"] == 2, r.content
    listed = as_alice.get(f"/api/models/{v['model']}/versions/").json()["results"]
    assert [x["version"] for x in listed] == [2, 1]
    compared = as_alice.get(f"/api/models/{v['model']}/compare?versions=1,2").json()
    assert [x["version"] for x in compared["versions"]] == [1, 2]
    assert {row["metric"]: row["values"] for row in compared["metrics"]}["accuracy"] == [0.9, 0.9]


def test_tags_move_between_versions_and_roles_are_checked(world: Any, as_alice: Any, as_bob: Any) -> None:
    one = register(as_alice, run(as_alice, world["pipeline"])["id"]).json()
    two = register(as_bob, run(as_bob, world["pipeline"])["id"]).json()  # a member registers
    assert two["version"] == 2 and two["model"] == one["model"]
    url = f"/api/models/{one['model']}/versions"
    assert as_alice.patch(f"{url}/1/", {"tags": ["production", "v1"]}, format="json").json()["tags"] == [
        "production",
        "v1",
    ]
    assert as_alice.patch(f"{url}/2/", {"tags": ["production"]}, format="json").status_code == 200
    assert as_alice.get(f"{url}/1/").json()["tags"] == ["v1"]  # production moved to version 2
    assert as_alice.get(f"/api/models/{one['model']}/").json()["tags"] == {"production": 2, "v1": 1}
    assert [x["version"] for x in as_alice.get(f"{url}/?tag=production").json()["results"]] == [2]
    # what other apps (deployments) resolve: by tag, by number, a 404 naming what is missing
    assert services.resolve_version("acme", "iris-clf", "production").version == 2
    assert services.resolve_version("acme", "iris-clf", "1").sha256 == one["sha256"]
    with pytest.raises(NotFound, match="no version 'staging'"):
        services.resolve_version("acme", "iris-clf", "staging")
    r = as_bob.patch(f"{url}/1/", {"tags": ["production"]}, format="json")
    assert r.status_code == 403 and "maintainer" in r.json()["detail"]
    bad = as_alice.patch(f"{url}/1/", {"tags": ["Not OK"]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "tags"
    # archive a version and the model
    assert as_alice.patch(f"{url}/1/", {"archived": True}, format="json").json()["archived"] is True
    assert [x["version"] for x in as_alice.get(f"{url}/").json()["results"]] == [2]
    assert as_alice.patch(f"/api/models/{one['model']}/", {"archived": True}, format="json").status_code == 200
    assert as_alice.get("/api/models/").json()["results"] == []
    found = as_alice.get("/api/models/?archived=all&q=iris").json()["results"]
    assert [m["ref"] for m in found] == ["acme/iris-clf"]
    again = register(as_alice, two["run"])
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"


def test_it_refuses_bad_registrations_naming_the_field(world: Any, as_alice: Any) -> None:
    done = run(as_alice, world["pipeline"])
    for node, port, name, field in (
        ("train", "nope", "m", "port"),
        ("split", "train", "m", "port"),  # a DataFrame, not a Model
        ("ghost", "model", "m", "node"),
        ("train", "model", "bad name!", "name"),
    ):
        r = register(as_alice, done["id"], name=name, node=node, port=port)
        assert r.status_code == 400, (node, port, r.content)
        assert r.json()["errors"][0]["field"] == field
    assert as_alice.get("/api/models/").json()["results"] == []  # nothing half-saved
    assert register(as_alice, 987654).status_code == 404


def test_another_team_sees_none_of_it(world: Any, as_alice: Any, as_charlie: Any) -> None:
    done = run(as_alice, world["pipeline"])
    v = register(as_alice, done["id"]).json()
    assert as_charlie.get("/api/models/").json()["results"] == []
    for url in (
        f"/api/models/{v['model']}/",
        f"/api/models/{v['model']}/versions/",
        f"/api/models/{v['model']}/versions/1/",
        f"/api/models/{v['model']}/compare?versions=1",
        f"/api/lineage/models/{v['model']}/versions/1",
        f"/api/lineage/artifacts/{v['sha256']}",
        "/api/lineage/datasets/acme/iris/versions/1",
        f"/api/lineage/diff?a={v['sha256']}&b={v['sha256']}",
    ):
        assert as_charlie.get(url).status_code == 404, url
    assert register(as_charlie, done["id"]).status_code == 404
    assert as_charlie.patch(f"/api/models/{v['model']}/versions/1/", {"tags": ["x"]}, format="json").status_code == 404
    # charlie uploads the very same bytes: the artifact is shared in the store, its lineage is not
    assert upload_csv(as_charlie, "iris", "other").status_code == 201
    dataset_sha = v["datasets"][0]["sha256"]
    mine = as_charlie.get(f"/api/lineage/artifacts/{dataset_sha}").json()
    assert {n["kind"] for n in mine["nodes"]} == {"artifact", "dataset"}
    assert [n["label"] for n in mine["nodes"] if n["kind"] == "dataset"] == ["other/iris v1"]


def test_lineage_walks_up_to_the_dataset_and_down_to_the_model(world: Any, as_alice: Any) -> None:
    done = run(as_alice, world["pipeline"])
    v = register(as_alice, done["id"]).json()
    up = as_alice.get(f"/api/lineage/models/{v['model']}/versions/1?direction=up").json()
    kinds = {n["id"]: n for n in up["nodes"]}
    steps = sorted(n["detail"]["node"] for n in up["nodes"] if n["kind"] == "step")
    assert steps == ["split", "train"] and not up["truncated"]
    dataset = next(n for n in up["nodes"] if n["kind"] == "dataset")
    assert dataset["label"] == "acme/iris v1"
    train = next(n for n in up["nodes"] if n["kind"] == "step" and n["detail"]["node"] == "train")
    assert train["detail"]["module"] == "acme/train" and train["detail"]["digest"]
    edges = {(e["source"], e["target"]) for e in up["edges"]}
    assert (train["id"], f"artifact:{v['sha256']}") in edges and (f"artifact:{v['sha256']}", up["root"]) in edges
    assert all(e["source"] in kinds and e["target"] in kinds for e in up["edges"])
    # downstream from the dataset version: split, train, eval, and the registered model
    down = as_alice.get("/api/lineage/datasets/acme/iris/versions/1?direction=down").json()
    assert sorted(n["detail"]["node"] for n in down["nodes"] if n["kind"] == "step") == ["eval", "split", "train"]
    assert [n["label"] for n in down["nodes"] if n["kind"] == "model"] == ["acme/iris-clf v1"]
    # the same from the artifact; a rerun that reuses the cache shows as a reuse
    again = run(as_alice, world["pipeline"])
    assert next(s for s in again["steps"] if s["node"] == "train")["status"] == "cached"
    art = as_alice.get(f"/api/lineage/artifacts/{v['sha256']}?direction=down").json()
    assert any(e["label"] == "reused" for e in art["edges"])
    shallow = as_alice.get("/api/lineage/datasets/acme/iris/versions/1?direction=down&depth=1").json()
    assert shallow["truncated"] and "depth" in shallow["truncated_reason"]
    bad = as_alice.get(f"/api/lineage/artifacts/{v['sha256']}?direction=sideways")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "direction"
    assert as_alice.get(f"/api/lineage/artifacts/{'0' * 64}").status_code == 404


def test_the_diff_names_the_first_differing_ingredient(world: Any, as_alice: Any) -> None:
    one = register(as_alice, run(as_alice, world["pipeline"])["id"]).json()
    assert register(as_alice, run(as_alice, world["pipeline"], pipeline_graph(test_size=0.4))["id"]).status_code == 201
    m = one["model"]
    d = as_alice.get(f"/api/lineage/diff?a=model:{m}/1&b=model:{m}/2").json()
    assert not d["identical"]
    assert d["first"]["kind"] == "parameter" and d["first"]["node_a"] == "split"
    assert (d["first"]["field"], d["first"]["a"], d["first"]["b"]) == ("test_size", 0.25, 0.4)
    same = as_alice.get(f"/api/lineage/diff?a={one['sha256']}&b=artifact:{one['sha256']}").json()
    assert same["identical"] and same["differences"] == [] and same["first"] is None
    r = as_alice.get(f"/api/lineage/diff?a=model:{m}/1&b=nonsense")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "b"


def test_a_register_model_step_registers_its_input(world: Any, as_alice: Any) -> None:
    doc = copy.deepcopy(pipeline_graph(register="from-pipeline"))
    done = run(as_alice, world["pipeline"], doc)
    models = as_alice.get("/api/models/?q=from-pipeline").json()["results"]
    assert [m["ref"] for m in models] == ["acme/from-pipeline"]
    (v,) = as_alice.get(f"/api/models/{models[0]['id']}/versions/").json()["results"]
    reg = next(s for s in done["steps"] if s["node"] == "reg")
    train = next(s for s in done["steps"] if s["node"] == "train")
    assert v["registered_by_step"] == reg["id"] and v["node"] == "train" and v["port"] == "model"
    assert v["sha256"] == train["outputs"]["model"]["sha256"] and v["metrics"]["accuracy"] == 0.9
    run(as_alice, world["pipeline"])  # runs again (never cached): version 2
    assert as_alice.get(f"/api/models/{models[0]['id']}/").json()["latest_version"] == 2


def test_a_deployment_binds_a_registered_version_by_number_or_tag(world: Any, as_alice: Any, acme: Any) -> None:
    """serving.refs.resolve_model: `model:<team>/<name>@<N|tag>` names a registered version."""
    from pipewright.errors import LocatedError
    from serving.refs import resolve_model
    from teams.models import Team

    one = register(as_alice, run(as_alice, world["pipeline"])["id"]).json()
    two = register(as_alice, run(as_alice, world["pipeline"], pipeline_graph(test_size=0.4))["id"]).json()
    as_alice.patch(f"/api/models/{one['model']}/versions/1/", {"tags": ["production"]}, format="json")
    assert resolve_model(acme, "model:acme/iris-clf@2").sha256 == two["sha256"]
    tagged = resolve_model(acme, "model:acme/iris-clf@production")
    assert (tagged.sha256, tagged.port) == (one["sha256"], "model")
    for ref, said in [
        ("model:acme/iris-clf@7", "no version '7'"),
        ("model:acme/nope@1", "nope"),
        ("model:other/iris-clf@1", "another team's model"),
    ]:
        with pytest.raises(LocatedError) as caught:
            resolve_model(acme, ref, node="score")
        assert said in str(caught.value) and "Node 'score'" in str(caught.value)
    other = Team.objects.create(name="other")
    with pytest.raises(LocatedError):  # the other team asking for acme's model by its own name
        resolve_model(other, "model:other/iris-clf@1")

"""POST /api/pipelines/{id}/upgrade-preview: the upgrade assistant over the real catalog."""

from __future__ import annotations

import copy
from typing import Any

from designer.models import Pipeline
from modules import services
from modules import spec as specs
from modules.models import Module
from tests.api.pipelines_helpers import SPLIT, publish

TRAIN_V1 = {
    "name": "train",
    "version": "1.0.0",
    "inputs": [{"name": "train", "type": "DataFrame"}],
    "outputs": [{"name": "model", "type": "Model"}, {"name": "scores", "type": "File"}],
    "parameters": {"max_depth": {"type": "integer", "default": 3}, "criterion": {"type": "string", "default": "gini"}},
    "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
}
TRAIN_V2 = {
    **TRAIN_V1,
    "version": "2.0.0",
    "inputs": [{"name": "data", "type": "DataFrame", "renamed_from": "train"}],
    "outputs": [{"name": "model", "type": "Model"}],
    "parameters": {
        "depth": {"type": "integer", "default": 3, "maximum": 10, "renamed_from": ["max_depth"]},
        "seed": {"type": "integer", "default": 0},
    },
}


def setup_catalog(acme: Any) -> None:
    publish(acme, SPLIT)
    module = services.do_create_module(acme, "train")
    for spec in (TRAIN_V1, TRAIN_V2):
        services.do_publish_version(module, specs.validate_spec(copy.deepcopy(spec)), {"main.py": "1"})
    services.do_set_default(Module.objects.get(pk=module.pk), "2.0.0")


def draft() -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "split", "module": "acme/split", "version": "1.0.0", "params": {}, "position": {"x": 0, "y": 0}},
            {
                "id": "train",
                "module": "acme/train",
                "version": "1.0.0",
                "params": {"max_depth": 7, "criterion": "entropy"},
                "position": {"x": 200, "y": 0},
            },
        ],
        "edges": [{"source": "split", "source_port": "train", "target": "train", "target_port": "train"}],
        "parameters": [],
    }


def test_preview_of_the_saved_draft(as_alice: Any, acme: Any) -> None:
    setup_catalog(acme)
    made = as_alice.post("/api/pipelines/", {"team": "acme", "name": "p", "graph": draft()}, format="json")
    assert made.status_code == 201, made.json()
    pid = made.json()["id"]
    before = Pipeline.objects.get(pk=pid).graph
    response = as_alice.post(f"/api/pipelines/{pid}/upgrade-preview", {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    (node,) = body["nodes"]
    assert (node["node"], node["from_version"], node["to_version"]) == ("train", "1.0.0", "2.0.0")
    assert node["inputs"]["renamed"] == [{"from": "train", "to": "data"}]
    assert node["outputs"]["removed"] == ["scores"]
    assert node["parameters"] == {
        "added": ["seed"],
        "removed": ["criterion"],
        "renamed": [{"from": "max_depth", "to": "depth"}],
        "retyped": [],
    }
    assert node["carried_params"] == ["depth"]
    assert node["dropped_params"] == [{"name": "criterion", "reason": "no longer a parameter"}]
    train = next(n for n in body["graph"]["nodes"] if n["id"] == "train")
    assert train["version"] == "2.0.0" and train["params"] == {"depth": 7}
    assert body["graph"]["edges"] == [
        {"source": "split", "source_port": "train", "target": "train", "target_port": "data"}
    ]
    assert body["diff"]["module_versions"] == [
        {"node": "train", "module": "acme/train", "from": "1.0.0", "to": "2.0.0"}
    ]
    assert Pipeline.objects.get(pk=pid).graph == before  # nothing saved
    # the proposal compiles and saves as it is
    saved = as_alice.put(
        f"/api/pipelines/{pid}/",
        {"graph": body["graph"]},
        format="json",
        HTTP_IF_MATCH=made["ETag"],
    )
    assert saved.status_code == 200, saved.json()
    assert not saved.json()["errors"]


def test_preview_of_an_unsaved_graph_and_chosen_nodes(as_bob: Any, acme: Any) -> None:
    setup_catalog(acme)
    made = as_bob.post("/api/pipelines/", {"team": "acme", "name": "p"}, format="json")
    pid = made.json()["id"]
    body = as_bob.post(f"/api/pipelines/{pid}/upgrade-preview", {"graph": draft()}, format="json").json()
    assert [n["node"] for n in body["nodes"]] == ["train"]
    none = as_bob.post(f"/api/pipelines/{pid}/upgrade-preview/", {"graph": draft(), "nodes": ["split"]}, format="json")
    assert none.status_code == 200 and none.json()["nodes"] == []
    assert none.json()["graph"] == draft()


def test_bad_bodies_name_their_field_and_other_teams_get_404(as_alice: Any, as_charlie: Any, acme: Any) -> None:
    made = as_alice.post("/api/pipelines/", {"team": "acme", "name": "p"}, format="json")
    pid = made.json()["id"]
    bad = as_alice.post(f"/api/pipelines/{pid}/upgrade-preview", {"graph": [1]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "graph"
    bad = as_alice.post(f"/api/pipelines/{pid}/upgrade-preview", {"nodes": "train"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "nodes"
    assert as_charlie.post(f"/api/pipelines/{pid}/upgrade-preview", {}, format="json").status_code == 404

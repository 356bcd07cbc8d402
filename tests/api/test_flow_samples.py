"""The sample pipelines in samples/ import and compile cleanly against the built-in library (the
sub-pipeline sample once its `{"$sample": file}` placeholders hold the imported pipeline's id)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _import(client: Any, doc: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/pipelines/import", {"team": "acme", "document": doc}, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


def _resolve(doc: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    for node in doc["graph"]["nodes"]:
        ref = node.get("pipeline")
        if isinstance(ref, dict) and "$sample" in ref:
            node["pipeline"] = ids[ref["$sample"]]
    return doc


def test_every_sample_imports_and_compiles(as_alice: Any, acme: Any) -> None:
    call_command("load_library", stdout=StringIO())
    files = sorted(p.name for p in SAMPLES.glob("*.json"))
    assert files == ["conditions-and-exit.json", "train-evaluate.sub.json", "two-models.json"]
    cond = _import(as_alice, json.loads((SAMPLES / "conditions-and-exit.json").read_text()))
    assert cond["errors"] == [] and cond["runnable"] is True
    sub = _import(as_alice, json.loads((SAMPLES / "train-evaluate.sub.json").read_text()))
    assert [e["code"] for e in sub["errors"]] == ["pipeline_input"]  # runs only when nested
    doc = _resolve(json.loads((SAMPLES / "two-models.json").read_text()), {"train-evaluate.sub.json": sub["id"]})
    outer = _import(as_alice, doc)
    assert outer["errors"] == [] and outer["runnable"] is True, outer["errors"]
    version = as_alice.get(f"/api/pipelines/{outer['id']}/versions/1/").json()
    steps = [s["node"] for s in version["plan"]["steps"]]
    assert {"logistic.train", "forest.train", "logistic.evaluate", "forest.evaluate"} <= set(steps)
    forest = next(s for s in version["plan"]["steps"] if s["node"] == "forest.train")
    assert forest["params"]["algorithm"] == "random_forest_classifier"

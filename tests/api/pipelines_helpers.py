"""Helpers shared by the pipeline and dataset API tests: a tiny real catalog in the database."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework.test import APIClient

from modules import services
from modules import spec as specs
from modules.models import Module
from teams.models import Team

SPLIT = {
    "name": "split",
    "version": "1.0.0",
    "inputs": [{"name": "data", "type": "DataFrame", "optional": True}],
    "outputs": [{"name": "train", "type": "DataFrame"}, {"name": "test", "type": "DataFrame"}],
    "parameters": {
        "test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1},
        "seed": {"type": "integer", "default": 42},
    },
    "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
}
TRAIN = {
    "name": "train",
    "version": "1.0.0",
    "inputs": [{"name": "train", "type": "DataFrame"}],
    "outputs": [{"name": "model", "type": "Model"}],
    "parameters": {"max_depth": {"type": "integer", "default": 3, "minimum": 1}},
    "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
}


def publish(team: Team, spec: dict[str, Any], versions: tuple[str, ...] = ("1.0.0",), default: str | None = None):
    module = Module.objects.filter(team=team, name=spec["name"]).first() or services.do_create_module(
        team, spec["name"]
    )
    for v in versions:
        body = copy.deepcopy(spec)
        body["version"] = v
        services.do_publish_version(
            module, specs.validate_spec(body), {"main.py": "print(1)\n"}, is_default=v == default
        )
    return module


def make_catalog(team: Team) -> None:
    """`<team>/split` (1.0.0) and `<team>/train` (1.0.0, 2.0.0 default)."""
    publish(team, SPLIT)
    publish(team, TRAIN, ("1.0.0", "2.0.0"), default="2.0.0")


def graph(team: str = "acme", *, test_size: Any = 0.25, train_version: str | None = None) -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {
                "id": "split",
                "module": f"{team}/split",
                "version": None,
                "params": {"test_size": test_size},
                "position": {"x": 0, "y": 0},
            },
            {
                "id": "train",
                "module": f"{team}/train",
                "version": train_version,
                "params": {},
                "position": {"x": 200, "y": 0},
            },
        ],
        "edges": [{"source": "split", "source_port": "train", "target": "train", "target_port": "train"}],
        "parameters": [],
    }


def with_source(doc: dict[str, Any], dataset: str = "acme/iris") -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["nodes"].append({"id": "d1", "dataset": dataset, "version": None, "position": {"x": -200, "y": 0}})
    doc["edges"].append({"source": "d1", "source_port": "data", "target": "split", "target_port": "data"})
    return doc


def create(client: APIClient, doc: dict[str, Any] | None = None, name: str = "flow", team: str = "acme") -> Any:
    body: dict[str, Any] = {"team": team, "name": name}
    if doc is not None:
        body["graph"] = doc
    return client.post("/api/pipelines/", body, format="json")


def put(client: APIClient, pk: int, body: Any, etag: str | None) -> Any:
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.put(f"/api/pipelines/{pk}/", body, format="json", **headers)


def upload_csv(client: APIClient, name: str = "iris", team: str = "acme", content: bytes | None = None) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = content if content is not None else b"sepal,petal,species\n1,2,setosa\n"
    return client.post(
        "/api/datasets/",
        {"team": team, "name": name, "file": SimpleUploadedFile(f"{name}.csv", data, content_type="text/csv")},
        format="multipart",
    )

"""The registry's lists cost the same number of queries for N rows as for 2N (no N+1), and another
team's models never show up in them."""

from __future__ import annotations

from typing import Any

from registry.models import ModelVersion, RegisteredModel
from tests.api.test_list_queries import artifact_root, same_cost  # noqa: F401  (the fixture too)


def _model(team: Any, name: str, user: Any) -> RegisteredModel:
    return RegisteredModel.objects.create(team=team, name=name, created_by=user)


def _version(model: RegisteredModel, n: int, user: Any) -> ModelVersion:
    return ModelVersion.objects.create(
        model=model,
        version=n,
        node="train",
        port="model",
        sha256=f"{n:064x}",
        metrics={"accuracy": n / 10},
        tags=[f"t{n}"],
        upstream=[
            {
                "node": "train",
                "module": "acme/train",
                "version": "1.0.0",
                "digest": "d",
                "image_id": "",
                "params": {"n": n},
                "datasets": [{"port": "data", "dataset": "acme/iris", "version": 1, "sha256": "s"}],
                "inputs": {},
                "outputs": {},
            }
        ],
        created_by=user,
    )


def test_models(as_alice: Any, alice: Any, acme: Any, other: Any, charlie: Any) -> None:
    theirs = _model(other, "theirs", charlie)
    _version(theirs, 1, charlie)

    def add(i: int) -> None:
        model = _model(acme, f"m{i}", alice)
        for n in range(1, i % 3 + 2):
            _version(model, n, alice)

    same_cost(as_alice, alice, "/api/models/", add)
    assert "theirs" not in {m["name"] for m in as_alice.get("/api/models/").json()["results"]}


def test_model_versions(as_alice: Any, alice: Any, acme: Any) -> None:
    model = _model(acme, "m", alice)
    same_cost(as_alice, alice, f"/api/models/{model.pk}/versions/", lambda i: _version(model, i + 1, alice))

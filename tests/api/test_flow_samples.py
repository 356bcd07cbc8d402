"""The samples of the flow constructs (conditions and an exit step; a sub-pipeline placed twice)
open from the samples API and compile cleanly; the sub-pipeline they place is opened into the team
once and reused by later openings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from designer.models import Pipeline, PipelineVersion
from teams.models import Membership, Role, Team

SUB_NAME = "Sample: train and evaluate (a sub-pipeline)"


@pytest.fixture
def library(db: Any) -> None:
    call_command("load_library", verbosity=0)


def _open(client: Any, slug: str, team: str = "acme") -> dict[str, Any]:
    r = client.post(f"/api/samples/{slug}/open", {"team": team}, format="json")
    assert r.status_code == 201, r.content
    return dict(r.json())


def test_the_conditions_sample_keeps_its_condition_and_exit_step(as_alice: Any, library: None) -> None:
    body = _open(as_alice, "conditions-and-exit")
    assert body["errors"] == [] and body["runnable"] is True, body["errors"]
    nodes = {n["id"]: n for n in body["graph"]["nodes"]}
    assert nodes["report"]["condition"] == "evaluate.accuracy >= 0.9" and nodes["notify"]["exit"] is True
    assert nodes["data"]["dataset"] == "acme/sample-iris"
    check = as_alice.post(f"/api/pipelines/{body['id']}/validate", {"graph": body["graph"]}, format="json")
    assert check.status_code == 200 and check.json()["errors"] == [] and check.json()["warnings"] == []


def test_the_sub_pipeline_sample_opens_its_inner_pipeline_once(as_alice: Any, as_bob: Any, library: None) -> None:
    outer = _open(as_alice, "two-models")
    assert outer["errors"] == [] and outer["warnings"] == [] and outer["runnable"] is True, outer
    inner = Pipeline.objects.get(team__name="acme", name=SUB_NAME)
    subs = [n for n in outer["graph"]["nodes"] if "pipeline" in n]
    assert [(n["id"], n["pipeline"], n["version"]) for n in subs] == [
        ("logistic", inner.pk, 1),
        ("forest", inner.pk, 1),
    ]
    assert inner.versions.get().message == "Opened from the sample train-evaluate"
    plan = as_alice.get(f"/api/pipelines/{outer['id']}/versions/1/").json()["plan"]
    steps = {s["node"]: s for s in plan["steps"]}
    assert {"logistic.train", "forest.train", "logistic.evaluate", "forest.evaluate"} <= set(steps)
    assert steps["forest.train"]["params"]["algorithm"] == "random_forest_classifier"
    check = as_alice.post(f"/api/pipelines/{outer['id']}/validate", {"graph": outer["graph"]}, format="json")
    assert check.status_code == 200 and check.json()["errors"] == [], check.json()

    # opening it again (another member) reuses the inner pipeline, even after it was edited
    etag = as_alice.get(f"/api/pipelines/{inner.pk}/")["ETag"]
    extra = {"name": "extra", "type": "number", "default": 1}
    graph = dict(inner.graph, parameters=[*inner.graph["parameters"], extra])
    edited = as_alice.put(f"/api/pipelines/{inner.pk}/", {"graph": graph}, format="json", HTTP_IF_MATCH=etag)
    assert edited.status_code == 200 and edited.json()["version"] == 2, edited.content
    again = _open(as_bob, "two-models")
    assert again["id"] != outer["id"] and again["errors"] == [], again["errors"]
    assert Pipeline.objects.filter(team__name="acme", name=SUB_NAME).count() == 1
    assert {n["version"] for n in again["graph"]["nodes"] if "pipeline" in n} == {1}  # the sample's own version
    assert PipelineVersion.objects.filter(pipeline=inner).count() == 2


def test_each_team_gets_its_own_inner_pipeline(as_alice: Any, alice: Any, library: None) -> None:
    other = Team.objects.create(name="beta")
    Membership.objects.create(team=other, user=alice, role=Role.MEMBER)
    a, b = _open(as_alice, "two-models"), _open(as_alice, "two-models", "beta")
    inner_a = {n["pipeline"] for n in a["graph"]["nodes"] if "pipeline" in n}
    inner_b = {n["pipeline"] for n in b["graph"]["nodes"] if "pipeline" in n}
    assert inner_a != inner_b and b["errors"] == []
    assert Pipeline.objects.get(pk=inner_b.pop()).team == other

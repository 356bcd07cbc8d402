"""Comparing runs (`GET /api/runs/compare?ids=`) and the numeric metrics the run list carries."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.plan import PipelineParameter
from designer.models import PipelineVersion
from tests.runner.fixtures import make_version, publish_module, step

SCORE = """
import json, os
out = os.environ['PIPEWRIGHT_OUT']
open(out + '/data/t.csv', 'w').write('a\\n1\\n')
n = int(os.environ.get('N', '0'))
json.dump({'accuracy': 0.5, 'ok': True, 'label': 'x', 'nested': {'a': 1}}, open(out + '/metrics.json', 'w'))
"""


@pytest.fixture
def version(acme: Any, local: Any) -> Any:
    score = publish_module(acme, "score", SCORE)
    v = make_version(
        acme,
        [step("evaluate", score, params={"n": {"$param": "n"}})],
        parameters=(PipelineParameter("n", "integer", 1),),
    )
    # a graph to diff: the version's own, and a second version with one more node
    PipelineVersion.objects.filter(pk=v.pk).update(
        graph={"schema": 1, "nodes": [{"id": "evaluate", "module": "acme/score", "params": {"n": 1}}], "edges": []}
    )
    return v


def _run(client: Any, version: Any, n: int) -> int:
    r = client.post(
        f"/api/pipelines/{version.pipeline_id}/runs/", {"parameters": {"n": n}, "cache": False}, format="json"
    )
    assert r.status_code == 201, r.content
    return int(r.json()["id"])


def test_the_run_list_carries_numeric_metrics_flat(eager: Any, as_alice: Any, version: Any) -> None:
    run_id = _run(as_alice, version, 1)
    (row,) = as_alice.get(f"/api/runs/?pipeline={version.pipeline_id}").json()["results"]
    assert row["id"] == run_id
    assert row["metrics"] == {"evaluate.accuracy": 0.5}  # booleans, text and nested values left out


def test_it_compares_runs_with_their_steps_and_the_graph_diff(eager: Any, as_alice: Any, version: Any) -> None:
    first = _run(as_alice, version, 1)
    second = _run(as_alice, version, 7)
    other = PipelineVersion.objects.create(
        pipeline=version.pipeline,
        number=2,
        graph={
            "schema": 1,
            "nodes": [
                {"id": "evaluate", "module": "acme/score", "params": {"n": 2}},
                {"id": "extra", "module": "acme/score"},
            ],
            "edges": [],
        },
        plan=version.plan,
    )
    third = _run_version(as_alice, other)
    r = as_alice.get(f"/api/runs/compare?ids={first},{second},{third}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [x["id"] for x in body["runs"]] == [first, second, third]
    assert [x["parameters"] for x in body["runs"]] == [{"n": 1}, {"n": 7}, {"n": 1}]
    assert body["runs"][0]["steps"][0]["metrics"]["accuracy"] == 0.5
    same, changed = body["diffs"]
    assert (same["from_run"], same["to_run"]) == (first, second)
    assert same["nodes"] == {"added": [], "removed": [], "changed": []}
    assert (changed["from_version"], changed["to_version"]) == (1, 2)
    assert changed["nodes"]["added"] == ["extra"]
    assert changed["nodes"]["changed"] == [{"id": "evaluate", "fields": ["params.n"]}]


def _run_version(client: Any, version: Any) -> int:
    r = client.post(
        f"/api/pipelines/{version.pipeline_id}/runs/", {"version": version.number, "cache": False}, format="json"
    )
    assert r.status_code == 201, r.content
    return int(r.json()["id"])


def test_it_refuses_bad_ids_naming_the_field(eager: Any, as_alice: Any, version: Any) -> None:
    first = _run(as_alice, version, 1)
    for query in ("", "?ids=", f"?ids={first}", f"?ids={first},{first}", f"?ids={first},x", "?ids=1,2,3,4,5"):
        r = as_alice.get(f"/api/runs/compare{query}")
        assert r.status_code == 400, (query, r.content)
        assert r.json()["errors"][0]["field"] == "ids"


def test_a_run_of_another_team_is_a_404(eager: Any, as_alice: Any, as_charlie: Any, version: Any) -> None:
    first = _run(as_alice, version, 1)
    second = _run(as_alice, version, 2)
    r = as_charlie.get(f"/api/runs/compare?ids={first},{second}")
    assert r.status_code == 404
    missing = as_alice.get(f"/api/runs/compare?ids={first},{second + 1000}")
    assert missing.status_code == 404 and str(second + 1000) in missing.json()["detail"]
    assert as_alice.get(f"/api/runs/compare?ids={first},{second}").status_code == 200

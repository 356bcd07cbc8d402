"""Iterating on a run (issue 13.2): a rerun of another version of the parent's pipeline (resume a
failed run after fixing the failed step), and the lineage of a run made from an older run's
version (`cloned_from`)."""

from __future__ import annotations

from typing import Any

import pytest

from runner.models import Run

pytestmark = pytest.mark.django_db(transaction=True)

SOURCE = """
import json, os
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
with open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "data.csv"), "w") as fh:
    fh.write("x\\n" + "".join(f"{i}\\n" for i in range(int(params["n"]))))
"""

CHECK = """
import json, os, sys
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
if not params["ok"]:
    print("error: the check is not ok", file=sys.stderr)
    sys.exit(1)
open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "data.csv"), "w").write("x\\n1\\n")
"""


def publish(team: Any, name: str, script: str, parameters: dict[str, Any], inputs: int) -> None:
    from modules import services as catalog
    from modules.spec import validate_spec

    module = catalog.do_create_module(team, name)
    spec = validate_spec(
        {
            "name": name,
            "version": "1.0.0",
            "inputs": [{"name": f"in{i}", "type": "DataFrame"} for i in range(inputs)],
            "outputs": [{"name": "data", "type": "DataFrame"}],
            "parameters": parameters,
            "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
            "deterministic": True,
        }
    )
    catalog.do_publish_version(module, spec, {"main.py": script})


def graph(n: int = 3, ok: bool = False, label: str = "") -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "src", "module": "acme/source", "version": None, "params": {"n": n}},
            {"id": "check", "module": "acme/check", "version": None, "params": {"ok": ok}, "label": label},
            {"id": "after", "module": "acme/check", "version": None, "params": {"ok": True}},
        ],
        "edges": [
            {"source": "src", "source_port": "data", "target": "check", "target_port": "in0"},
            {"source": "check", "source_port": "data", "target": "after", "target_port": "in0"},
        ],
        "parameters": [],
    }


@pytest.fixture
def pipeline(eager: Any, local: Any, as_alice: Any, acme: Any) -> dict[str, Any]:
    publish(acme, "source", SOURCE, {"n": {"type": "integer", "default": 3}}, 0)
    publish(acme, "check", CHECK, {"ok": {"type": "boolean", "default": False}}, 1)
    r = as_alice.post("/api/pipelines/", {"team": "acme", "name": "Resume", "graph": graph()}, format="json")
    assert r.status_code == 201 and not r.json()["errors"], r.json()
    return dict(r.json())


def save(client: Any, pipeline_id: int, body: dict[str, Any]) -> int:
    current = client.get(f"/api/pipelines/{pipeline_id}/")
    r = client.put(f"/api/pipelines/{pipeline_id}/", body, format="json", HTTP_IF_MATCH=current["ETag"])
    assert r.status_code == 200 and not r.json()["errors"], r.json()
    return int(r.json()["version"])


def steps(run: dict[str, Any]) -> dict[str, str]:
    return {s["node"]: s["status"] for s in run["steps"]}


def test_resume_runs_the_fixed_version_and_reuses_what_did_not_change(as_alice: Any, pipeline: dict[str, Any]) -> None:
    pid = pipeline["id"]
    failed = as_alice.post(f"/api/pipelines/{pid}/runs/", {}, format="json").json()
    failed = as_alice.get(f"/api/runs/{failed['id']}/").json()
    assert failed["status"] == "failed" and failed["version"] == 1
    assert steps(failed) == {"src": "succeeded", "check": "failed", "after": "skipped"}
    # the module's own "error:" line is the failure's reason, on the step and on the run
    assert next(s for s in failed["steps"] if s["node"] == "check")["error"] == (
        "the check is not ok; exited with code 1"
    )
    assert failed["error"] == "step(s) failed: check — the check is not ok; exited with code 1"

    # without a version, "failed" repeats the pinned version: it fails again
    again = as_alice.post(f"/api/runs/{failed['id']}/rerun", {"mode": "failed"}, format="json").json()
    again = as_alice.get(f"/api/runs/{again['id']}/").json()
    assert again["version"] == 1 and again["status"] == "failed"

    # fix the failed step (a new label alone changes nothing it computes), save, resume
    fixed = save(as_alice, pid, {"name": "Resume", "graph": graph(ok=True, label="Check")})
    assert fixed == 2
    r = as_alice.post(f"/api/runs/{failed['id']}/rerun", {"mode": "failed", "version": fixed}, format="json")
    assert r.status_code == 201, r.content
    resumed = as_alice.get(f"/api/runs/{r.json()['id']}/").json()
    assert resumed["status"] == "succeeded"
    assert (resumed["version"], resumed["parent"], resumed["rerun_mode"]) == (2, failed["id"], "failed")
    assert steps(resumed) == {"src": "cached", "check": "succeeded", "after": "succeeded"}
    src = next(s for s in resumed["steps"] if s["node"] == "src")
    assert src["reused_from"]["run"] == failed["id"]

    # an edit upstream of the failure: that step and everything below it run again
    changed = save(as_alice, pid, {"name": "Resume", "graph": graph(n=5, ok=True)})
    r = as_alice.post(
        f"/api/runs/{failed['id']}/rerun", {"mode": "failed", "version": changed, "cache": False}, format="json"
    )
    assert r.status_code == 201, r.content
    rerun = as_alice.get(f"/api/runs/{r.json()['id']}/").json()
    assert rerun["version"] == 3 and steps(rerun) == {"src": "succeeded", "check": "succeeded", "after": "succeeded"}


def test_rerun_version_and_node_are_checked(as_alice: Any, as_charlie: Any, pipeline: dict[str, Any]) -> None:
    pid = pipeline["id"]
    run = as_alice.post(f"/api/pipelines/{pid}/runs/", {}, format="json").json()
    count = Run.objects.count()
    r = as_alice.post(f"/api/runs/{run['id']}/rerun", {"mode": "failed", "version": 7}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "version"
    r = as_alice.post(f"/api/runs/{run['id']}/rerun", {"mode": "failed", "version": "2"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "version"
    # a version that does not compile cannot run
    broken = graph()
    broken["edges"] = []
    current = as_alice.get(f"/api/pipelines/{pid}/")
    saved = as_alice.put(
        f"/api/pipelines/{pid}/", {"name": "Resume", "graph": broken}, format="json", HTTP_IF_MATCH=current["ETag"]
    )
    assert saved.status_code == 200 and saved.json()["errors"]
    r = as_alice.post(f"/api/runs/{run['id']}/rerun", {"mode": "failed", "version": 2}, format="json")
    assert r.status_code == 400 and r.json()["errors"], r.json()
    # mode "from" names a node of the version it runs
    fixed = graph(ok=True)
    fixed["nodes"] = fixed["nodes"][:2]
    fixed["edges"] = fixed["edges"][:1]
    current = as_alice.get(f"/api/pipelines/{pid}/")
    as_alice.put(
        f"/api/pipelines/{pid}/", {"name": "Resume", "graph": fixed}, format="json", HTTP_IF_MATCH=current["ETag"]
    )
    r = as_alice.post(f"/api/runs/{run['id']}/rerun", {"mode": "from", "node": "after", "version": 3}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "node" and "Version 3" in r.json()["detail"]
    assert Run.objects.count() == count
    # another team's run stays invisible
    r = as_charlie.post(f"/api/runs/{run['id']}/rerun", {"mode": "failed", "version": 3}, format="json")
    assert r.status_code == 404
    r = as_alice.post(f"/api/runs/{run['id']}/rerun", {"mode": "from", "node": "check", "version": 3}, format="json")
    assert r.status_code == 201 and r.json()["version"] == 3


def test_a_run_records_the_run_it_was_cloned_from(
    as_alice: Any, as_charlie: Any, pipeline: dict[str, Any], acme: Any, other: Any
) -> None:
    pid = pipeline["id"]
    first = as_alice.post(f"/api/pipelines/{pid}/runs/", {}, format="json").json()
    assert first["cloned_from"] is None
    r = as_alice.post(f"/api/pipelines/{pid}/runs/", {"cloned_from": first["id"]}, format="json")
    assert r.status_code == 201 and r.json()["cloned_from"] == first["id"]
    assert as_alice.get(f"/api/runs/{r.json()['id']}/").json()["cloned_from"] == first["id"]
    listed = as_alice.get(f"/api/runs/?pipeline={pid}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["id"]: row["cloned_from"] for row in rows}[r.json()["id"]] == first["id"]

    count = Run.objects.count()
    r = as_alice.post(f"/api/pipelines/{pid}/runs/", {"cloned_from": 999999}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cloned_from"
    r = as_alice.post(f"/api/pipelines/{pid}/runs/", {"cloned_from": "x"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cloned_from"
    # a run of another pipeline is not this one's ancestor
    other_pipeline = as_alice.post(
        "/api/pipelines/", {"team": "acme", "name": "Other", "graph": graph(ok=True)}, format="json"
    ).json()
    r = as_alice.post(f"/api/pipelines/{other_pipeline['id']}/runs/", {"cloned_from": first["id"]}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cloned_from"
    assert Run.objects.count() == count

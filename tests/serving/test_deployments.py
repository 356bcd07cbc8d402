"""Inference pipelines and real-time deployments end to end, on real containers.

A training run (Celery eager, Docker) -> derive the inference pipeline -> edit it on the API ->
deploy -> the supervisor (in a thread of this process, as `make run` runs it in its own) starts
replica containers -> score through a live Daphne over HTTP: good rows, bad rows (400 naming row
and column), token scope, a canary split, promote and roll back, scale, and a replica killed
mid-load with every request answered (at most one retry each).
"""

from __future__ import annotations

import collections
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest
from django.core.management import call_command

from serving.models import Replica
from serving.supervisor import in_thread
from teams.tokens import create_token
from tests.live import live_daphne
from tests.serving.helpers import SETOSA, VIRGINICA, http, train_iris, wait_ready

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def serving_root(settings: Any, docker_compute: Any) -> Any:
    # short: a unix socket's path has at most 107 bytes, and pytest's tmp_path is long
    settings.SERVING_ROOT = Path(tempfile.mkdtemp(prefix="pws-", dir="/tmp"))
    settings.SERVING_RECONCILE_SECONDS = 0.3
    yield settings.SERVING_ROOT
    shutil.rmtree(settings.SERVING_ROOT, ignore_errors=True)


def test_derive_edit_deploy_score_canary_rollback_scale_and_kill(
    eager: Any, serving_root: Any, as_alice: Any, alice: Any, charlie: Any, other: Any
) -> None:
    call_command("load_library", verbosity=0)
    with live_daphne(SERVING_ROOT=str(serving_root)) as url:
        _flow(url, serving_root, as_alice, alice, charlie)


def _flow(url: str, serving_root: Any, as_alice: Any, alice: Any, charlie: Any) -> None:
    pipeline, run = train_iris(as_alice)

    # derive: Web Service Input typed by the training data (label removed), fitted steps, bound model
    derived = as_alice.post(f"/api/pipelines/{pipeline}/inference", {"run": run}, format="json")
    assert derived.status_code == 201, derived.content
    graph = derived.json()["graph"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert list(nodes) == ["input", "clean", "norm", "score", "output"]
    assert nodes["input"]["params"]["schema"] == (
        "sepal length (cm):number, sepal width (cm):number, petal length (cm):number, petal width (cm):number"
    )
    assert nodes["clean"]["params"]["fitted"] == f"run:{run}/clean/transform"
    assert nodes["norm"]["params"]["fitted"] == f"run:{run}/norm/transform"
    assert nodes["score"]["params"]["model"] == f"run:{run}/train/model"
    inference = derived.json()["id"]
    assert derived.json()["latest_version"] == 1

    # charlie cannot derive from acme's pipeline, nor bind acme's model in his own team
    assert (
        as_charlie(charlie).post(f"/api/pipelines/{pipeline}/inference", {"run": run}, format="json").status_code == 404
    )

    # edit like any pipeline: drop Clean Missing Data (iris has no gaps) -> version 2
    current = as_alice.get(f"/api/pipelines/{inference}/")
    edited = dict(graph)
    edited["nodes"] = [n for n in graph["nodes"] if n["id"] != "clean"]
    edited["edges"] = [e for e in graph["edges"] if "clean" not in (e["source"], e["target"])]
    edited["edges"].append({"source": "input", "source_port": "data", "target": "norm", "target_port": "data"})
    saved = as_alice.put(
        f"/api/pipelines/{inference}/", {"graph": edited}, format="json", HTTP_IF_MATCH=current["ETag"]
    )
    assert saved.status_code == 200 and not saved.json()["errors"], saved.json()

    # a model reference of another team is refused, naming the node and field
    _, charlie_key = create_token(charlie, "c")
    made = as_charlie(charlie).post(
        "/api/pipelines/",
        {"team": "other", "name": "steal", "graph": {**graph, "nodes": [
            n if n["id"] != "score" else {**n, "params": {"model": f"run:{run}/train/model"}} for n in graph["nodes"]
        ]}},
        format="json",
    )  # fmt: skip
    stolen = as_charlie(charlie).post(
        "/api/deployments/", {"team": "other", "slug": "stolen", "pipeline": made.json()["id"]}, format="json"
    )
    assert stolen.status_code == 400, stolen.content
    assert stolen.json()["errors"][0]["node"] == "clean" and stolen.json()["errors"][0]["field"] == "fitted"

    # deploy version 1 of the inference pipeline
    deployed = as_alice.post(
        "/api/deployments/", {"team": "acme", "slug": "iris", "pipeline": inference, "version": 1}, format="json"
    )
    assert deployed.status_code == 201, deployed.content
    assert deployed.json()["default_version"] == 1
    assert (
        as_alice.post(
            "/api/deployments/", {"team": "acme", "slug": "iris", "pipeline": inference}, format="json"
        ).status_code
        == 409
    )

    _, alice_key = create_token(alice, "alice")
    thread, stop = in_thread()
    try:
        _walk(url, inference, alice_key, charlie_key)
    finally:
        stop.set()
        thread.join(timeout=10)
        from serving import replicas

        for name in replicas.containers():
            replicas.stop(name)


def as_charlie(charlie: Any) -> Any:
    from tests.conftest import client_for

    return client_for(charlie)


def _walk(url: str, inference: int, alice_key: str, charlie_key: str) -> None:
    api = f"{url}/api/deployments/iris"
    wait_ready(1, 1, "iris")
    code, token = http("POST", f"{api}/tokens/", {"name": "app"}, alice_key)
    assert code == 201, token
    key = token["token"]
    assert key.startswith("pwd_")

    # score: one row, then two
    code, answer = http("POST", f"{api}/score", {"rows": [SETOSA]}, key)
    assert code == 200, answer
    assert answer["version"] == 1 and answer["rows"][0]["Scored Labels"] == 0
    assert set(answer["rows"][0]) == {"Scored Labels", "Scored Probabilities_0", "Scored Probabilities_1",
                                       "Scored Probabilities_2"}  # fmt: skip
    code, answer = http("POST", f"{api}/score", {"rows": [SETOSA, VIRGINICA]}, key)
    assert code == 200 and [r["Scored Labels"] for r in answer["rows"]] == [0, 2], answer

    # bad rows: 400 naming the row and the column
    missing = {k: v for k, v in VIRGINICA.items() if k != "petal width (cm)"}
    code, answer = http("POST", f"{api}/score", {"rows": [SETOSA, missing]}, key)
    assert code == 400 and answer["errors"][0] == {"row": 1, "field": "petal width (cm)", "message": "missing"}
    code, answer = http("POST", f"{api}/score", {"rows": [{**SETOSA, "sepal width (cm)": "wide"}]}, key)
    assert code == 400 and answer["errors"][0]["row"] == 0 and answer["errors"][0]["field"] == "sepal width (cm)"
    assert "Row 0, column 'sepal width (cm)'" in answer["detail"]
    code, answer = http("POST", f"{api}/score", {"rows": [{**SETOSA, "target": 0}]}, key)
    assert code == 400 and answer["errors"][0]["field"] == "target"
    code, answer = http("POST", f"{api}/score", {"rows": []}, key)
    assert code == 400 and answer["errors"][0]["field"] == "rows"

    # token scope: no token, a revoked-looking one, an outsider's personal token are all 401
    assert http("POST", f"{api}/score", {"rows": [SETOSA]})[0] == 401
    assert http("POST", f"{api}/score", {"rows": [SETOSA]}, "pwd_" + "0" * 40)[0] == 401
    assert http("POST", f"{api}/score", {"rows": [SETOSA]}, charlie_key)[0] == 401
    # the deployment token manages nothing, and scores no other deployment
    assert http("GET", api + "/", None, key)[0] == 401
    assert http("POST", f"{url}/api/deployments/nope/score", {"rows": [SETOSA]}, key)[0] == 401
    # a teammate's personal token scores too
    assert http("POST", f"{api}/score", {"rows": [SETOSA]}, alice_key)[0] == 200

    # version 2 from the edited pipeline, then a 30 % canary split
    code, v2 = http("POST", f"{api}/versions/", {"pipeline": inference, "version": 2}, alice_key)
    assert code == 201 and v2["number"] == 2, v2
    code, state = http("PATCH", api + "/", {"canary_version": 2, "canary_percent": 30}, alice_key)
    assert code == 200 and state["canary_percent"] == 30, state
    wait_ready(2, 1, "iris")
    seen: collections.Counter[int] = collections.Counter()
    for _ in range(200):
        code, answer = http("POST", f"{api}/score", {"rows": [VIRGINICA]}, key)
        assert code == 200 and answer["rows"][0]["Scored Labels"] == 2, answer
        seen[answer["version"]] += 1
    assert 30 <= seen[2] <= 95 and seen[1] + seen[2] == 200, seen  # 60 expected; > 4 standard deviations apart

    # promote v2, then roll back: instant (v1's replica was kept warm)
    code, state = http("PATCH", api + "/", {"default_version": 2}, alice_key)
    assert code == 200 and state["default_version"] == 2 and state["canary_version"] is None
    assert {http("POST", f"{api}/score", {"rows": [SETOSA]}, key)[1]["version"] for _ in range(10)} == {2}
    code, state = http("POST", f"{api}/rollback", None, alice_key)
    assert code == 200 and state["default_version"] == 1 and state["previous_version"] == 2, state
    assert {http("POST", f"{api}/score", {"rows": [SETOSA]}, key)[1]["version"] for _ in range(10)} == {1}

    # scale v1 to two replicas
    code, scaled = http("PATCH", f"{api}/versions/1/", {"replicas": 2}, alice_key)
    assert code == 200 and scaled["replicas"] == 2
    before = wait_ready(1, 2, "iris")

    # kill a replica mid-load: every request answers 200, at most one retry each
    victim = before[0].container_name

    def one(i: int) -> tuple[int, Any]:
        if i == 40:
            docker.from_env().containers.get(victim).kill()
        return http("POST", f"{api}/score", {"rows": [SETOSA]}, key)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(one, range(160)))
    assert [c for c, _ in answers].count(200) == 160, collections.Counter(c for c, _ in answers)
    assert all(a["rows"][0]["Scored Labels"] == 0 for _, a in answers)
    # the supervisor restarts the killed replica as a new generation
    deadline = time.monotonic() + 40
    slot = {"version__deployment__slug": "iris", "version__number": 1, "index": before[0].index}
    while not Replica.objects.filter(**slot, restarts__gte=1, state=Replica.READY).exists():
        assert time.monotonic() < deadline, list(Replica.objects.filter(**slot).values())
        time.sleep(0.2)
    assert Replica.objects.get(**slot).container_name != victim
    assert len(wait_ready(1, 2, "iris")) == 2

    # scale down, metrics on the page, token revoke
    code, scaled = http("PATCH", f"{api}/versions/1/", {"replicas": 1}, alice_key)
    assert code == 200
    time.sleep(1)  # the web process writes its counters every half second
    code, page = http("GET", api + "/", None, alice_key)
    v1 = next(v for v in page["versions"] if v["number"] == 1)
    assert v1["metrics"]["requests"] >= 160 and v1["metrics"]["errors"] >= 4, v1["metrics"]
    assert v1["metrics"]["p50_ms"] is not None and v1["metrics"]["p99_ms"] >= v1["metrics"]["p50_ms"]
    code, tokens = http("GET", f"{api}/tokens/", None, alice_key)
    assert code == 200 and [t["name"] for t in tokens["results"]] == ["app"]
    assert http("DELETE", f"{api}/tokens/{tokens['results'][0]['id']}/", None, alice_key)[0] == 204
    assert http("POST", f"{api}/score", {"rows": [SETOSA]}, key)[0] == 401

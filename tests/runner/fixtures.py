"""Runner fixtures: tiny inline modules published through the catalog, hand-built Plans,
pipelines around them, and an eager Celery mode that drives a run to the end in-process."""

from __future__ import annotations

import time
from typing import Any

import pytest

from compiler.plan import InputBinding, PipelineParameter, Plan, Runtime, Step

IMAGE = "pipewright/python-ml:1"

# Modules read PIPEWRIGHT_IN / PIPEWRIGHT_OUT (set by both compute backends).
EMIT = """
import json, os
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
out = os.environ["PIPEWRIGHT_OUT"]
print("emitting", params.get("n"))
with open(os.path.join(out, "data", "data.csv"), "w") as fh:
    fh.write("x,y\\n")
    for i in range(int(params.get("n", 3))):
        fh.write(f"{i},{i * i}\\n")
json.dump({"rows": int(params.get("n", 3))}, open(os.path.join(out, "metrics.json"), "w"))
"""

ADD = """
import json, os, glob
inp = os.environ["PIPEWRIGHT_IN"]
out = os.environ["PIPEWRIGHT_OUT"]
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
rows = []
for port in sorted(p for p in os.listdir(inp) if p != "params.json"):
    for f in glob.glob(os.path.join(inp, port, "*.csv")):
        rows += open(f).read().splitlines()[1:]
print("read", len(rows), "rows")
with open(os.path.join(out, "data", "data.csv"), "w") as fh:
    fh.write("x,y\\n" + "".join(r + "\\n" for r in rows) + f"{params.get('k', 0)},0\\n")
"""

FAIL = """
import sys
print("about to fail")
sys.exit(3)
"""

SLEEP = """
import json, os, time
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
print("sleeping", params.get("seconds"), flush=True)
time.sleep(float(params.get("seconds", 1)))
open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "done.txt"), "w").write("done")
"""

FLAKY = """
import os, sys
marker = os.path.join(os.environ["FLAKY_DIR"], "tried")
if not os.path.exists(marker):
    open(marker, "w").write("1")
    print("first attempt fails")
    sys.exit(1)
open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "ok.txt"), "w").write("ok")
"""


def publish_module(
    team: Any, name: str, script: str, *, inputs: int = 0, deterministic: bool = True, version: str = "1.0.0"
) -> Any:
    from modules import services as catalog
    from modules.models import Module
    from modules.spec import validate_spec

    module = Module.objects.filter(team=team, name=name).first() or catalog.do_create_module(team, name)
    spec = validate_spec(
        {
            "name": name,
            "version": version,
            "inputs": [{"name": f"in{i}", "type": "DataFrame"} for i in range(inputs)],
            "outputs": [{"name": "data", "type": "DataFrame"}],
            "runtime": {"image": IMAGE, "command": ["python3", "/module/main.py"]},
            "deterministic": deterministic,
        }
    )
    return catalog.do_publish_version(module, spec, {"main.py": script})


def step(
    node: str,
    mv: Any,
    *,
    upstream: tuple[str, ...] = (),
    params: dict[str, Any] | None = None,
    timeout: int = 60,
    retries: int = 0,
    env: tuple[tuple[str, str], ...] = (),
    memory: int = 256 * 1024**2,
) -> Step:
    return Step(
        node=node,
        module=f"{mv.module.team.name}/{mv.module.name}",
        version=mv.version,
        module_version_id=mv.pk,
        digest=mv.digest,
        deterministic=mv.spec["deterministic"],
        params=params or {},
        inputs=tuple(
            InputBinding(port=f"in{i}", type="DataFrame", source_node=u, source_port="data")
            for i, u in enumerate(upstream)
        ),
        outputs=(("data", "DataFrame"),),
        runtime=Runtime(
            image=IMAGE,
            command=("python3", "/module/main.py"),
            env=env,
            cpu=1.0,
            memory_bytes=memory,
            timeout=timeout,
            retries=retries,
        ),
    )


def make_version(team: Any, steps: list[Step], parameters: tuple[PipelineParameter, ...] = (), name: str = "p") -> Any:
    from designer.models import Pipeline, PipelineVersion

    pipeline = Pipeline.objects.create(team=team, name=f"{name}-{time.monotonic_ns()}")
    plan = Plan(steps=tuple(steps), parameters=parameters)
    return PipelineVersion.objects.create(
        pipeline=pipeline, number=1, graph={"nodes": [], "edges": []}, plan=plan.to_json()
    )


@pytest.fixture
def runner_dirs(settings: Any, tmp_path: Any) -> Any:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    settings.WORK_ROOT = tmp_path / "work"
    settings.PIPEWRIGHT_LOG_DIR = tmp_path / "logs"
    tmp_path.chmod(0o755)
    return tmp_path


@pytest.fixture
def local(settings: Any, runner_dirs: Any) -> Any:
    settings.PIPEWRIGHT_COMPUTE = "local"
    settings.PIPEWRIGHT_ALLOW_LOCAL_COMPUTE = True  # the operator's explicit choice
    return settings


@pytest.fixture
def docker_compute(settings: Any, runner_dirs: Any) -> Any:
    settings.PIPEWRIGHT_COMPUTE = "docker"
    return settings


@pytest.fixture
def eager(transactional_db: Any) -> Any:
    """Celery tasks run inline when enqueued (after commit), so a run completes in-process."""
    from pipewright.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def modules_acme(acme: Any) -> dict[str, Any]:
    return {
        "emit": publish_module(acme, "emit", EMIT),
        "add": publish_module(acme, "add", ADD, inputs=2),
        "add1": publish_module(acme, "add1", ADD, inputs=1),
        "fail": publish_module(acme, "fail", FAIL),
        "sleep": publish_module(acme, "sleep", SLEEP, deterministic=False),
    }

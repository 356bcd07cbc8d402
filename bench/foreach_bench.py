#!/usr/bin/env python
"""For-each benchmarks (figures, not assertions), on the DATABASE_URL given.

(a) expanding a 1,000-item list: the for-each node's first advance (1,000 item rows in one INSERT,
    the first `concurrency` items queued), against the advance of a plain 1-step run (the floor);
(b) expanding a 1,000-row table: the advance that starts the node, then the for-each task's split of
    the table into 1,000 stored artifacts (outside the run's lock) and the items' INSERT;
(c) GET /api/runs/{id}/foreach/{node}/ of 1,000 items against GET /api/runs/{id}/ of that run
    (which leaves items out) and of a run with 50 plain steps;
(d) gathering 1,000 items' outputs (a table each) into the node's outputs (the for-each task's work).
Nothing is sent to a broker: the bench stubs the enqueue (no worker runs the queued items).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PIPEWRIGHT_DEV", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")
os.environ.setdefault("CELERY_KEY_PREFIX", f"pwbench{os.getpid()}:")
os.environ.setdefault("CHANNELS_PREFIX", f"pwbench{os.getpid()}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

N = 1000
IMAGE = "pipewright/python-ml:1"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn: Any, repeat: int = 1) -> float:
    """Median wall time of `fn()` over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from artifacts.backend import current
    from compiler.plan import ForEach, InputBinding, Plan, Runtime, Step
    from designer.models import Pipeline, PipelineVersion
    from modules import services as catalog
    from modules.models import Module
    from modules.spec import validate_spec
    from runner import advance, foreach, queue, runs
    from runner.models import StepRun
    from teams.models import Membership, Role, Team

    call_command("migrate", verbosity=0)
    queue.enqueue_step = lambda *a, **k: None  # type: ignore[assignment]
    queue.enqueue_advance = lambda *a, **k: None  # type: ignore[assignment]
    queue.enqueue_foreach = lambda *a, **k: None  # type: ignore[assignment]
    user, _ = get_user_model().objects.get_or_create(username="bench-foreach")
    team, _ = Team.objects.get_or_create(name="bench-foreach")
    Membership.objects.get_or_create(team=team, user=user, defaults={"role": Role.OWNER})
    stamp = str(time.time_ns())
    module = Module.objects.filter(team=team, name="body").first() or catalog.do_create_module(team, "body")
    spec = validate_spec(
        {
            "name": "body",
            "version": f"1.0.{stamp}",
            "inputs": [{"name": "data", "type": "DataFrame", "optional": True}],
            "outputs": [{"name": "data", "type": "DataFrame"}],
            "parameters": {"n": {"type": "integer", "default": 0}},
            "runtime": {"image": IMAGE, "command": ["python3", "/module/main.py"]},
        }
    )
    mv = catalog.do_publish_version(module, spec, {"main.py": f"# {stamp}\n"})

    def step(node: str, spec: ForEach | None = None, inputs: tuple[InputBinding, ...] = ()) -> Step:
        body = (("data", "DataFrame"),)
        return Step(
            node=node,
            module=f"{team.name}/body",
            version=mv.version,
            module_version_id=mv.pk,
            digest=mv.digest,
            deterministic=True,
            params={"n": 0},
            inputs=inputs,
            outputs=(*body, ("items", "DataFrame")) if spec else body,
            runtime=Runtime(image=IMAGE, command=("python3", "/module/main.py")),
            foreach=spec,
            item_outputs=body if spec else (),
        )

    def version(steps: list[Step]) -> Any:
        p = Pipeline.objects.create(team=team, name=f"bench-foreach-{time.time_ns()}")
        return PipelineVersion.objects.create(pipeline=p, number=1, graph={}, plan=Plan(steps=tuple(steps)).to_json())

    def fresh_run(steps: list[Step]) -> Any:
        return runs.create_run(version(steps), {}, False, user)

    # (a) a 1,000-item list vs a plain step
    floor = timed(lambda: advance.advance_run(fresh_run([step("s")]).pk), repeat=5)
    runs_made = []

    def expand_list() -> None:
        run = fresh_run([step("fe", ForEach(over="list", param="n", values=list(range(N)), concurrency=4))])
        advance.advance_run(run.pk)
        runs_made.append(run)

    expand = timed(expand_list, repeat=3)
    listed = runs_made[-1]
    assert StepRun.objects.filter(run=listed, item__isnull=False).count() == N
    print(
        f"(a) expand {N} list items: {ms(expand)} "
        f"(a plain 1-step run's first advance: {ms(floor)}; x{expand / floor:.1f})"
    )

    # (b) a 1,000-row table
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "t"
        folder.mkdir()
        (folder / "data.csv").write_text("a,b\n" + "".join(f"{i},{i * i}\n" for i in range(N)))
        sha, _ = current().put_folder(folder)
    binding = (InputBinding("data", "DataFrame", dataset="bench/t", dataset_version=1, artifact=sha),)
    rows_run = fresh_run([step("fe", ForEach(over="rows", port="data", concurrency=4), binding)])
    locked = timed(lambda: advance.advance_run(rows_run.pk))  # the node starts; the split is asked for
    split = timed(lambda: advance.foreach_work(rows_run.pk, "fe", "split"))  # what the control worker does
    assert StepRun.objects.filter(run=rows_run, item__isnull=False).count() == N
    print(
        f"(b) expand a {N}-row table: the advance that starts the node {ms(locked)}; the split into {N} stored"
        f" artifacts and the items' INSERT, by the for-each task outside the run's lock until the INSERT: {ms(split)}"
    )

    # (c) the foreach endpoint vs the run's own GET, and vs a 50-step run's GET
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    plain50 = fresh_run([step(f"s{i}") for i in range(50)])

    def get(url: str) -> None:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)

    reps = 30
    t_foreach = timed(lambda: get(f"/api/runs/{listed.pk}/foreach/fe/"), repeat=reps)
    t_run = timed(lambda: get(f"/api/runs/{listed.pk}/"), repeat=reps)
    t_run50 = timed(lambda: get(f"/api/runs/{plain50.pk}/"), repeat=reps)
    t_page = timed(lambda: get(f"/api/runs/{listed.pk}/foreach/fe/items/?page_size=200"), repeat=reps)
    size = len(client.get(f"/api/runs/{listed.pk}/foreach/fe/").content)
    print(
        f"(c) GET foreach/fe/ ({N} items, {size / 1024:.1f} KiB): {ms(t_foreach)} median of {reps}; "
        f"GET run/ of that run (items left out): {ms(t_run)}; GET run/ of a 50-step run: {ms(t_run50)}; "
        f"GET foreach/fe/items/?page_size=200: {ms(t_page)}"
    )

    # (d) gathering 1,000 items' tables
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "p"
        part.mkdir()
        (part / "data.csv").write_text("x,y\n1,2\n")
        item_sha, _ = current().put_folder(part)
    items = list(StepRun.objects.filter(run=listed, item__isnull=False).order_by("item"))
    for r in items:
        r.status, r.outputs, r.metrics = "succeeded", {"data": item_sha}, {"score": r.item}
    fe_step = Plan.from_json(listed.plan).step("fe")
    gather = timed(lambda: foreach.gather(fe_step, items))
    print(f"(d) gather {N} items' tables and the items table: {ms(gather)}")
    print("figures only; measured on a shared 2-core machine, so noisy")


if __name__ == "__main__":
    main()

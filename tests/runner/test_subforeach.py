"""For each over a sub-pipeline in the runner (runner.foreach): one row per item and inner step
(`fe[i].<inner>`), inner steps ready along the body's edges, at most `concurrency` items in
progress, the sub-pipeline's outputs gathered in item order, each inner step cached on its own;
an inner failure fails the item and the node, naming both. Logic on the fake backend; the walk
end to end on real containers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from artifacts.backend import current
from compiler.plan import ForEach, InputBinding, PipelineParameter, Plan, Runtime, Step
from runner import runs, states
from runner.advance import advance_run
from runner.compute.base import StepJob
from runner.foreach import step_of
from runner.models import Run, RunEvent, StepRun
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import ADD, EMIT, make_version, publish_module, step
from tests.runner.test_services import add, emit

FAIL_ON_2 = """
import json, os, sys, glob
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
inp, out = os.environ["PIPEWRIGHT_IN"], os.environ["PIPEWRIGHT_OUT"]
rows = []
for f in glob.glob(os.path.join(inp, "in0", "*.csv")):
    rows += open(f).read().splitlines()[1:]
if len(rows) == 2:
    print("two rows: refusing")
    sys.exit(3)
with open(os.path.join(out, "data", "data.csv"), "w") as fh:
    fh.write("x,y\\n" + "".join(r + "\\n" for r in rows) + f"{params.get('k', 0)},0\\n")
print("added", params.get("k"))
"""


def sub_foreach(first: Any, second: Any, spec: ForEach, *, k: Any = 100, inputs: tuple[InputBinding, ...] = ()) -> Step:
    """For each over a two-step sub-pipeline: `emit` (its `n` set by each item) -> `add` (k),
    whose `data` is the sub-pipeline's output `data`."""
    emit_step = step("emit", first, params={"n": {"$param": "$item.n"}})
    if inputs:  # rows or files: the item's port feeds `emit`'s first input
        emit_step = step("emit", first, params={"n": 1})
    return Step(
        node="fe",
        module="",
        version="1",
        module_version_id=0,
        digest="",
        deterministic=True,
        params={"n": 1} if inputs else {},
        inputs=inputs,
        outputs=(("data", "DataFrame"), ("items", "DataFrame")),
        runtime=Runtime(image="", command=()),
        label="Sweep",
        foreach=spec,
        item_outputs=(("data", "DataFrame"),),
        body=(emit_step, step("add", second, upstream=("emit",), params={"k": k})),
        body_inputs=(("add", "in1", "table"),) if inputs else (),
        body_outputs=(("data", "add", "data"),),
    )


def table(sha: str) -> list[dict[str, str]]:
    with current().open(sha, "data.csv") as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


def rows_of(run: Run) -> dict[str, StepRun]:
    return {r.node: r for r in StepRun.objects.filter(run=run, foreach="fe", item__isnull=False)}


def _watching(seen: list[int], write: Callable[[StepJob, Callable[[str], None]], None]) -> Any:
    """Writes what `write` writes, after noting how many items have a row queued or running."""

    def act(job: StepJob, say: Callable[[str], None]) -> None:
        active = StepRun.objects.filter(foreach="fe", item__isnull=False, status__in=(states.QUEUED, states.RUNNING))
        seen.append(len(set(active.values_list("item", flat=True))))
        write(job, say)

    return act


def test_each_item_runs_the_inner_steps_in_order_at_most_concurrency_items_at_once(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=[1, 2, 3, 4], concurrency=2)
    version = make_version(
        acme,
        [
            sub_foreach(modules_acme["emit"], modules_acme["add1"], spec),
            step("after", modules_acme["add1"], upstream=("fe",)),
        ],
    )
    seen: list[int] = []
    for i in range(4):
        fake_compute.script(f"fe[{i}].emit", Act(write=_watching(seen, emit)))
        fake_compute.script(f"fe[{i}].add", Act(write=_watching(seen, add)))
    fake_compute.script("after", Act(write=add))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    rows = rows_of(run)
    assert sorted(rows) == sorted(f"fe[{i}].{s}" for i in range(4) for s in ("emit", "add"))
    assert all(r.status == "succeeded" for r in rows.values())
    assert [rows[f"fe[{i}].emit"].params["n"] for i in range(4)] == [1, 2, 3, 4]
    assert rows["fe[2].add"].input_hashes["in0"] == rows["fe[2].emit"].outputs["data"]  # its own item's
    assert max(seen) <= 2 and 2 in seen, seen
    for i in range(4):  # an item's second step ran after its first
        assert rows[f"fe[{i}].add"].started_at >= rows[f"fe[{i}].emit"].finished_at
    fe = StepRun.objects.get(run=run, node="fe")
    assert fe.metrics["items"] == 4 and fe.metrics["items_succeeded"] == 4
    gathered = table(fe.outputs["data"])
    # item i: emit wrote n = i + 1 rows, add appended `100,0`
    assert [(r["item"], r["x"]) for r in gathered] == [
        (str(i), x) for i in range(4) for x in [*(str(j) for j in range(i + 1)), "100"]
    ]
    assert [(r["item"], r["n"], r["status"], r["rows"]) for r in table(fe.outputs["items"])] == [
        (str(i), str(i + 1), "succeeded", str(i + 1)) for i in range(4)
    ]
    assert StepRun.objects.get(run=run, node="after").status == "succeeded"
    # live item events carry the item's rolled-up status and the inner step's own
    events = [e for e in RunEvent.objects.filter(run=run).order_by("seq").values_list("data", flat=True)]
    item0 = [(e["step"], e["step_status"], e["status"]) for e in events if e["type"] == "item" and e["item"] == 0]
    assert ("emit", "succeeded", "running") in item0, item0
    assert item0[-1] == ("add", "succeeded", "succeeded"), item0


def test_every_row_has_its_plan_step(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    src = step("src", modules_acme["emit"], params={"n": 3})
    table_in = (InputBinding(port="table", type="DataFrame", source_node="src", source_port="data"),)
    spec = ForEach(over="rows", port="table", concurrency=4)
    fe = sub_foreach(modules_acme["emit"], modules_acme["add"], spec, inputs=table_in)
    # add reads emit's table on in0 and the item's one-row table on in1
    version = make_version(acme, [src, fe])
    fake_compute.script("src", Act(write=emit))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    plan = Plan.from_json(run.plan)
    rows = rows_of(run)
    assert len(rows) == 6
    for row in rows.values():
        assert step_of(plan, row).node == row.node
    add_step = step_of(plan, rows["fe[1].add"])
    item_table = rows["fe[1].add"].item_value["artifact"]
    assert {b.port: (b.source_node, b.artifact) for b in add_step.inputs} == {
        "in0": ("fe[1].emit", None),
        "in1": (None, item_table),
    }
    assert rows["fe[1].add"].input_hashes == {"in0": rows["fe[1].emit"].outputs["data"], "in1": item_table}


def test_an_inner_failure_fails_the_item_and_the_node_naming_both_and_skips_what_waits(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=[1, 2, 3, 4], concurrency=1)
    version = make_version(acme, [sub_foreach(modules_acme["emit"], modules_acme["add1"], spec)])
    fake_compute.script("fe[1].emit", Act(exit_code=3, lines=["boom"]))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "failed"
    fe = StepRun.objects.get(run=run, node="fe")
    assert fe.error.startswith("item 1 (n=2) failed: step 'fe[1].emit' failed"), fe.error
    rows = rows_of(run)
    assert (rows["fe[1].add"].status, rows["fe[1].add"].error) == ("skipped", "upstream step 'fe[1].emit' failed")
    assert [(rows[f"fe[{i}].emit"].status, rows[f"fe[{i}].add"].status) for i in (2, 3)] == [("skipped", "skipped")] * 2
    assert rows["fe[3].emit"].error == "for-each 'fe' stopped: item 1 failed"
    assert fake_compute.nodes() == ["fe[0].emit", "fe[0].add", "fe[1].emit"]


def test_canceling_a_run_cancels_every_inner_row(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=list(range(1, 51)), concurrency=2)
    version = make_version(acme, [sub_foreach(modules_acme["emit"], modules_acme["add1"], spec)])
    run = runs.create_run(version, {}, True, alice)
    advance_run(run.pk)  # expands: items 0 and 1 queued, no worker runs them
    assert StepRun.objects.filter(run=run, foreach="fe", status="queued").count() == 2
    runs.cancel_run(run)
    run.refresh_from_db()
    assert run.status == "canceled"
    assert set(StepRun.objects.filter(run=run).values_list("status", flat=True)) == {"canceled"}
    assert StepRun.objects.filter(run=run, item__isnull=False).count() == 100


def test_expanding_a_thousand_items_takes_a_bounded_number_of_queries(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=list(range(1000)), concurrency=4)
    version = make_version(acme, [sub_foreach(modules_acme["emit"], modules_acme["add1"], spec)])
    run = runs.create_run(version, {}, True, alice)  # its advance is enqueued on commit: never, here
    with CaptureQueriesContext(connection) as queries:
        advance_run(run.pk)
    assert StepRun.objects.filter(run=run, item__isnull=False).count() == 2000
    queued = StepRun.objects.filter(run=run, item__isnull=False, status="queued")
    assert sorted(queued.values_list("node", flat=True)) == [f"fe[{i}].emit" for i in range(4)]
    assert len(queries) <= 50, [q["sql"][:120] for q in queries.captured_queries]


@pytest.mark.docker
def test_on_real_containers_items_gather_in_order_cache_each_inner_step_and_a_failure_names_item_and_step(
    eager: Any, docker_compute: Any, alice: Any, acme: Any
) -> None:
    emit_mv, add_mv = publish_module(acme, "emit", EMIT), publish_module(acme, "add1", ADD, inputs=1)
    spec = ForEach(over="list", param="n", values={"$param": "ns"}, concurrency=2)
    version = make_version(
        acme, [sub_foreach(emit_mv, add_mv, spec)], parameters=(PipelineParameter("ns", "array", [2, 1, 3]),)
    )
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    fe = StepRun.objects.get(run=run, node="fe")
    assert [(r["item"], r["x"], r["y"]) for r in table(fe.outputs["data"])] == [
        ("0", "0", "0"),
        ("0", "1", "1"),
        ("0", "100", "0"),
        ("1", "0", "0"),
        ("1", "100", "0"),
        ("2", "0", "0"),
        ("2", "1", "1"),
        ("2", "2", "4"),
        ("2", "100", "0"),
    ]
    assert [r["n"] for r in table(fe.outputs["items"])] == ["2", "1", "3"]
    # one item changed: only its inner steps run again
    again = runs.rerun(run, "all", node=None, parameters={"ns": [2, 4, 3]}, use_cache=None, user=alice)
    again.refresh_from_db()
    assert again.status == "succeeded", again.error
    rows = rows_of(again)
    assert {n: r.status for n, r in rows.items()} == {
        "fe[0].emit": "cached",
        "fe[0].add": "cached",
        "fe[1].emit": "succeeded",
        "fe[1].add": "succeeded",
        "fe[2].emit": "cached",
        "fe[2].add": "cached",
    }
    assert [r["x"] for r in table(StepRun.objects.get(run=again, node="fe").outputs["data"]) if r["item"] == "1"] == [
        "0",
        "1",
        "2",
        "3",
        "100",
    ]
    # an inner step that fails on one item: the node fails naming item and step
    failing = publish_module(acme, "failon2", FAIL_ON_2, inputs=1)
    version = make_version(
        acme, [sub_foreach(emit_mv, failing, ForEach(over="list", param="n", values=[1, 2, 3], concurrency=1))]
    )
    broken = runs.create_run(version, {}, True, alice)
    broken.refresh_from_db()
    assert broken.status == "failed"
    error = StepRun.objects.get(run=broken, node="fe").error
    assert error.startswith("item 1 (n=2) failed: step 'fe[1].add' failed"), error
    assert {n: r.status for n, r in rows_of(broken).items()} == {
        "fe[0].emit": "cached",
        "fe[0].add": "succeeded",
        "fe[1].emit": "cached",
        "fe[1].add": "failed",
        "fe[2].emit": "skipped",
        "fe[2].add": "skipped",
    }

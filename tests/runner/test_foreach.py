"""For each in the runner (runner.foreach): items expanded when the node is ready, at most
`concurrency` of them queued or running at once, gathered in item order, each cached on its own;
a failed item fails the node, naming it. Logic on the fake backend; one walk on real containers."""

from __future__ import annotations

import csv
import dataclasses
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compiler.plan import ForEach, PipelineParameter, Step
from runner import runs, states
from runner.advance import advance_run, foreach_work
from runner.compute.base import StepJob
from runner.models import Run, StepRun
from tests.runner.fake_compute import Act, FakeBackend
from tests.runner.fixtures import make_version, publish_module, step
from tests.runner.test_services import add, emit


def as_foreach(s: Step, spec: ForEach) -> Step:
    return dataclasses.replace(
        s, foreach=spec, item_outputs=s.outputs, outputs=(*(("data", "DataFrame"),), ("items", "DataFrame"))
    )


def table(sha: str) -> list[dict[str, str]]:
    from artifacts.backend import current

    with current().open(sha, "data.csv") as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


def items_of(run: Run, node: str = "fe") -> list[StepRun]:
    return list(StepRun.objects.filter(run=run, foreach=node, item__isnull=False).order_by("item"))


def _watching(seen: list[int]) -> Callable[[StepJob, Callable[[str], None]], None]:
    """Writes what EMIT writes, after noting how many items are queued or running right now."""

    def write(job: StepJob, say: Callable[[str], None]) -> None:
        active = StepRun.objects.filter(
            foreach="fe", item__isnull=False, status__in=(states.QUEUED, states.RUNNING)
        ).count()
        seen.append(active)
        emit(job, say)

    return write


def test_a_grid_runs_each_combination_at_most_concurrency_at_once_and_gathers_in_order(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="grid", grid={"n": [1, 2, 3, 4, 5]}, concurrency=2)
    version = make_version(acme, [as_foreach(step("fe", modules_acme["emit"]), spec)])
    seen: list[int] = []
    for i in range(5):
        fake_compute.script(f"fe[{i}]", Act(write=_watching(seen)))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    items = items_of(run)
    assert [(r.item, r.node, r.status, r.params["n"]) for r in items] == [
        (i, f"fe[{i}]", "succeeded", i + 1) for i in range(5)
    ]
    assert max(seen) <= 2 and 2 in seen, seen  # the limit held, and was used
    fe = StepRun.objects.get(run=run, node="fe")
    assert fe.status == "succeeded" and fe.metrics["items"] == 5
    gathered = table(fe.outputs["data"])
    assert [r["item"] for r in gathered] == [str(i) for i in range(5) for _ in range(i + 1)]
    assert list(gathered[0]) == ["item", "x", "y"]
    summary = table(fe.outputs["items"])
    assert [(r["item"], r["n"], r["status"], r["rows"]) for r in summary] == [
        (str(i), str(i + 1), "succeeded", str(i + 1)) for i in range(5)
    ]
    # the run's JSON does not inline items
    from runner.serializers import run_data

    assert [s["node"] for s in run_data(Run.objects.get(pk=run.pk))["steps"]] == ["fe"]


def test_rows_of_an_upstream_table_each_become_an_item_with_a_one_row_table(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="rows", port="in0", concurrency=3)
    version = make_version(
        acme,
        [
            step("src", modules_acme["emit"], params={"n": 4}),
            as_foreach(step("fe", modules_acme["add1"], upstream=("src",), params={"k": 9}), spec),
        ],
    )
    fake_compute.script("src", Act(write=emit))
    for i in range(4):
        fake_compute.script(f"fe[{i}]", Act(write=add))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    items = items_of(run)
    assert [r.item_value["row"] for r in items] == [0, 1, 2, 3]
    fe = StepRun.objects.get(run=run, node="fe")
    # each item read its one row and added `9,0`: gathered in item order
    assert [(r["item"], r["x"], r["y"]) for r in table(fe.outputs["data"])] == [
        (str(i), x, y) for i in range(4) for x, y in ((str(i), str(i * i)), ("9", "0"))
    ]


def test_a_failed_item_fails_the_node_naming_it_and_the_rest_are_skipped(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=[1, 2, 3, 4, 5, 6], concurrency=1)
    version = make_version(
        acme,
        [as_foreach(step("fe", modules_acme["emit"]), spec), step("after", modules_acme["add1"], upstream=("fe",))],
    )
    fake_compute.script("fe[1]", Act(exit_code=3, lines=["boom"]))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "failed"
    fe = StepRun.objects.get(run=run, node="fe")
    assert fe.status == "failed" and fe.error.startswith("item 1 (n=2) failed"), fe.error
    assert "fe — item 1 (n=2) failed" in run.error
    assert [r.status for r in items_of(run)] == ["succeeded", "failed", *["skipped"] * 4]
    assert StepRun.objects.get(run=run, node="after").status == "skipped"
    assert fake_compute.nodes() == ["fe[0]", "fe[1]"]


def test_each_item_is_cached_on_its_own_a_changed_item_alone_runs_again(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values={"$param": "ns"}, concurrency=2)
    version = make_version(
        acme,
        [as_foreach(step("fe", modules_acme["emit"]), spec)],
        parameters=(PipelineParameter("ns", "array", [1, 2, 3]),),
    )
    first = runs.create_run(version, {}, True, alice)
    first.refresh_from_db()
    assert first.status == "succeeded", first.error
    assert sorted(fake_compute.nodes()) == ["fe[0]", "fe[1]", "fe[2]"]
    fake_compute.calls.clear()
    second = runs.rerun(first, "all", node=None, parameters={"ns": [1, 7, 3]}, use_cache=None, user=alice)
    second.refresh_from_db()
    assert second.status == "succeeded", second.error
    assert fake_compute.nodes() == ["fe[1]"]  # items 0 and 2 came from the cache
    assert [r.status for r in items_of(second)] == ["cached", "succeeded", "cached"]
    keys = [r.cache_key for r in items_of(second)]
    assert len(set(keys)) == 3 and keys[0] == items_of(first)[0].cache_key
    fe = StepRun.objects.get(run=second, node="fe")
    assert [r["n"] for r in table(fe.outputs["items"])] == ["1", "7", "3"]


def test_rows_are_split_and_outputs_gathered_while_the_runs_row_is_free(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any
) -> None:
    """A thousand rows take seconds to split: their task holds no lock on the run meanwhile, so
    the run's other steps record their outcomes; the same for gathering."""
    import threading

    from django.db import connection, transaction

    from runner import foreach as runtime

    seen: dict[str, bool] = {}

    def lock_is_free(run_id: int) -> bool:
        free: list[bool] = []

        def probe() -> None:  # another connection, as another worker recording a step would be
            try:
                with transaction.atomic():
                    Run.objects.select_for_update(nowait=True).filter(pk=run_id).values_list("pk").first()
                free.append(True)
            except Exception:
                free.append(False)
            finally:
                connection.close()

        t = threading.Thread(target=probe)
        t.start()
        t.join()
        return free == [True]

    split, gather = runtime.items_of, runtime.gather

    def items_of(run: Any, *args: Any) -> Any:
        seen["split"] = lock_is_free(run.pk)
        return split(run, *args)

    def gathered(step: Any, items: Any) -> Any:
        seen["gather"] = lock_is_free(items[0].run_id)
        return gather(step, items)

    monkeypatch.setattr(runtime, "items_of", items_of)
    monkeypatch.setattr(runtime, "gather", gathered)
    spec = ForEach(over="rows", port="in0", concurrency=3)
    version = make_version(
        acme,
        [
            step("src", modules_acme["emit"], params={"n": 3}),
            as_foreach(step("fe", modules_acme["add1"], upstream=("src",), params={"k": 9}), spec),
        ],
    )
    fake_compute.script("src", Act(write=emit))
    for i in range(3):
        fake_compute.script(f"fe[{i}]", Act(write=add))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert seen == {"split": True, "gather": True}
    fe = StepRun.objects.get(run=run, node="fe")
    assert {"split_sent_at", "expanded_at", "gather_sent_at", "finished_at"} <= set(fe.timings)


def test_rows_of_an_input_without_a_table_fail_the_node_saying_why(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="rows", port="in0")
    version = make_version(
        acme,
        [
            step("src", modules_acme["emit"]),
            as_foreach(step("fe", modules_acme["add1"], upstream=("src",)), spec),
        ],
    )
    fake_compute.script("src", Act(files={"data": {"notes.txt": "no table here"}}))
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "failed"
    error = StepRun.objects.get(run=run, node="fe").error
    assert error == "for each: the items could not be worked out: the input table has no data.csv (nor one *.csv)"


def test_expanding_a_thousand_items_takes_a_bounded_number_of_queries(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=list(range(1000)), concurrency=4)
    version = make_version(acme, [as_foreach(step("fe", modules_acme["emit"]), spec)])
    run = runs.create_run(version, {}, True, alice)  # its advance is enqueued on commit: never, here
    with CaptureQueriesContext(connection) as queries:
        advance_run(run.pk)
    assert StepRun.objects.filter(run=run, item__isnull=False).count() == 1000
    assert StepRun.objects.filter(run=run, item__isnull=False, status="queued").count() == 4
    assert len(queries) <= 40, [q["sql"][:120] for q in queries.captured_queries]


ITEM = """
import json, os
params = json.load(open(os.environ["PIPEWRIGHT_PARAMS"]))
n = int(params["n"])
print("item", n)
with open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "data", "data.csv"), "w") as fh:
    fh.write("n,square\\n" + f"{n},{n * n}\\n")
json.dump({"square": n * n}, open(os.path.join(os.environ["PIPEWRIGHT_OUT"], "metrics.json"), "w"))
"""


@pytest.mark.docker
def test_on_real_containers_items_run_two_at_a_time_gather_in_order_and_cache_each(
    eager: Any, docker_compute: Any, alice: Any, acme: Any
) -> None:
    body = publish_module(acme, "square", ITEM)
    spec = ForEach(over="list", param="n", values={"$param": "ns"}, concurrency=2)
    version = make_version(
        acme, [as_foreach(step("fe", body), spec)], parameters=(PipelineParameter("ns", "array", [3, 1, 4, 2]),)
    )
    run = runs.create_run(version, {}, True, alice)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    fe = StepRun.objects.get(run=run, node="fe")
    assert [(r["item"], r["n"], r["square"]) for r in table(fe.outputs["data"])] == [
        ("0", "3", "9"),
        ("1", "1", "1"),
        ("2", "4", "16"),
        ("3", "2", "4"),
    ]
    assert [r["square"] for r in table(fe.outputs["items"])] == ["9", "1", "16", "4"]
    again = runs.rerun(run, "all", node=None, parameters={"ns": [3, 1, 5, 2]}, use_cache=None, user=alice)
    again.refresh_from_db()
    assert again.status == "succeeded", again.error
    assert [r.status for r in items_of(again)] == ["cached", "cached", "succeeded", "cached"]
    assert [r["square"] for r in table(StepRun.objects.get(run=again, node="fe").outputs["items"])] == [
        "9",
        "1",
        "25",
        "4",
    ]


def test_a_rerun_from_the_node_runs_every_item_again(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=[1, 2], concurrency=2)
    version = make_version(acme, [as_foreach(step("fe", modules_acme["emit"]), spec)])
    first = runs.create_run(version, {}, True, alice)
    fake_compute.calls.clear()
    again = runs.rerun(first, "from", node="fe", parameters=None, use_cache=None, user=alice)
    again.refresh_from_db()
    assert again.status == "succeeded", again.error
    assert sorted(fake_compute.nodes()) == ["fe[0]", "fe[1]"]  # forced: not taken from the cache


def test_the_sweep_advances_a_run_whose_items_are_done_though_the_node_is_running(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    from artifacts.backend import current
    from runner import sweeps

    spec = ForEach(over="list", param="n", values=[1, 2, 3], concurrency=3)
    version = make_version(acme, [as_foreach(step("fe", modules_acme["emit"]), spec)])
    run = runs.create_run(version, {}, True, alice)  # no commit here: nothing is enqueued
    advance_run(run.pk)
    folder = Path(tempfile.mkdtemp()) / "t"
    folder.mkdir()
    (folder / "data.csv").write_text("x,y\n1,1\n")
    sha, _ = current().put_folder(folder)
    # the items finished, but the advance that should have followed was lost with its worker
    StepRun.objects.filter(run=run, item__isnull=False).update(status="succeeded", outputs={"data": sha})
    assert StepRun.objects.get(run=run, node="fe").status == "running"
    assert sweeps.reap()["advanced"] == 1
    # the sweep's advance asked for the gathering (a message of its own, sent at commit): the
    # control worker that takes it gathers and finishes the node and the run
    node = StepRun.objects.get(run=run, node="fe")
    assert node.status == "running" and "gather_sent_at" in node.timings
    assert foreach_work(run.pk, "fe", "gather") == "succeeded"
    assert foreach_work(run.pk, "fe", "gather") is None  # a second message finds it done
    run.refresh_from_db()
    assert run.status == "succeeded" and StepRun.objects.get(run=run, node="fe").status == "succeeded"


def test_canceling_a_run_cancels_a_thousand_waiting_items_in_a_bounded_number_of_queries(
    db: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any
) -> None:
    spec = ForEach(over="list", param="n", values=list(range(1000)), concurrency=4)
    version = make_version(acme, [as_foreach(step("fe", modules_acme["emit"]), spec)])
    run = runs.create_run(version, {}, True, alice)
    advance_run(run.pk)
    with CaptureQueriesContext(connection) as queries:
        runs.cancel_run(Run.objects.get(pk=run.pk))
    statuses = set(StepRun.objects.filter(run=run).values_list("status", flat=True))
    assert statuses == {"canceled"}
    assert len(queries) <= 60, len(queries)

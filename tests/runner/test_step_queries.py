"""A chain step's bookkeeping (claim, log, outputs, record, advance) costs a fixed number of
queries and transactions, whatever the chain's length: what a step costs above its container."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from runner import execute, runs, workspace
from runner.models import Artifact, Run, StepRun
from tests.runner.fake_compute import FakeBackend
from tests.runner.fixtures import make_version, step


def _per_step(monkeypatch: Any, acme: Any, alice: Any, m: dict[str, Any], n: int) -> list[list[str]]:
    """The statements each step of an n-step chain sent on the worker's connection."""
    seen: list[list[str]] = []
    original = execute._execute_one

    def counted(step_id: int) -> Any:
        # a worker reads a module version's files once (runner.workspace): each step reads them
        # here, so that the first step of a module counts as the others
        workspace._module_files.cache_clear()
        with CaptureQueriesContext(connection) as queries:
            result = original(step_id)
        seen.append([q["sql"] for q in queries.captured_queries])
        return result

    monkeypatch.setattr(execute, "_execute_one", counted)
    chain = [step("s0", m["emit"])] + [step(f"s{i}", m["add1"], upstream=(f"s{i - 1}",)) for i in range(1, n)]
    run = runs.create_run(make_version(acme, chain, name=f"chain{n}"), {}, False, alice)
    assert Run.objects.get(pk=run.pk).status == "succeeded"
    steps = StepRun.objects.filter(run=run)
    assert steps.count() == n and {s.status for s in steps} == {"succeeded"}
    # every output has its row
    assert Artifact.objects.filter(sha256__in=[s.outputs["data"] for s in steps]).count() == n
    monkeypatch.setattr(execute, "_execute_one", original)
    return seen


# a middle step's commits in order: the claim; the outputs' rows (one statement, its own
# transaction, committed without waiting for the disk); the record; the advance
EXPECTED = ["COMMIT", "outputs' rows, not flushed", "COMMIT", "COMMIT"]


def _transactions(sqls: list[str]) -> list[str]:
    out = []
    for q in sqls:
        if q == "COMMIT":
            out.append(q)
        elif "synchronous_commit" in q:
            assert 'INSERT INTO "runner_artifact"' in q and "set_config('synchronous_commit', 'off', true)" in q, q
            out.append("outputs' rows, not flushed")
    return out


def test_a_chain_steps_queries_do_not_grow_with_the_chain(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any
) -> None:
    short = _per_step(monkeypatch, acme, alice, modules_acme, 3)
    long = _per_step(monkeypatch, acme, alice, modules_acme, 12)
    assert len(short) == 3 and len(long) == 12
    # a middle step (claimed, run, recorded, the next one queued): the same count in both chains
    middle = {len(sqls) for sqls in short[1:-1] + long[1:-1]}
    assert len(middle) == 1, [len(s) for s in short + long]
    [count] = middle
    # claim, outputs' rows, record and advance are a transaction each, and only the outputs' rows
    # skip waiting for the disk (the record's flush covers them), in one statement of their own;
    # the log of a step with one flush or none is not compacted, and a first attempt does not look
    # for an earlier log (29 statements and 5 flushed commits before; 25 with the outputs' rows
    # in a transaction of three statements; 22 before the cache entry and the claim's end went
    # into one; one of the 21 is the fake backend's look-up of the node, one the module's files,
    # read again here)
    assert count <= 21, (count, long[1])
    assert all(_transactions(sqls) == EXPECTED for sqls in long[1:-1])


def test_a_step_that_prints_stores_its_last_lines_with_its_record(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any
) -> None:
    """A short step's log lines go out in its record's transaction: no commit (and no connection
    of the log writer's own) more than a step that prints nothing, and the lines are kept."""
    from runner import steplogs
    from tests.runner.fake_compute import Act

    for i in range(1, 4):
        fake_compute.script(f"s{i}", Act(lines=[f"line {i} a", f"line {i} b"]))
    seen = _per_step(monkeypatch, acme, alice, modules_acme, 5)
    assert all(_transactions(sqls) == EXPECTED for sqls in seen[1:-1])
    for sqls in seen[1:-1]:
        record = next(i for i, q in enumerate(sqls) if 'UPDATE "runner_steprun" SET "status"' in q and "outputs" in q)
        chunk = max(i for i, q in enumerate(sqls) if "runner_steplogchunk" in q)
        begin = max(i for i, q in enumerate(sqls[:record]) if q == "COMMIT")
        assert begin < chunk < record, sqls  # in the record's transaction, before the record
        assert not any("SAVEPOINT" in q for q in sqls), sqls  # a clash is skipped by the insert itself
    run = Run.objects.order_by("-pk").first()
    for i in range(1, 4):
        assert steplogs.text(StepRun.objects.get(run=run, node=f"s{i}")) == f"line {i} a\nline {i} b\n"


def test_a_fan_out_branch_that_readies_nothing_reads_its_runs_statuses_only(
    eager: Any, fake_compute: FakeBackend, alice: Any, acme: Any, modules_acme: Any, monkeypatch: Any
) -> None:
    """A branch of a wide fan-out whose end makes nothing ready (the join still waits for the
    others) advances its run on the steps' statuses: no step's whole row is read, whatever the
    run's width; the last branch's advance readies the join."""
    seen: dict[int, list[str]] = {}
    original = execute._execute_one

    def counted(step_id: int) -> Any:
        with CaptureQueriesContext(connection) as queries:
            result = original(step_id)
        seen[step_id] = [q["sql"] for q in queries.captured_queries]
        return result

    monkeypatch.setattr(execute, "_execute_one", counted)
    m = modules_acme
    leaves = [f"l{i}" for i in range(8)]
    steps = [step("src", m["emit"]), *(step(leaf, m["add1"], upstream=("src",)) for leaf in leaves)]
    steps.append(step("join", m["add1"], upstream=tuple(leaves)))
    run = runs.create_run(make_version(acme, steps, name="fan"), {}, False, alice)
    assert Run.objects.get(pk=run.pk).status == "succeeded"
    monkeypatch.setattr(execute, "_execute_one", original)

    ids = dict(StepRun.objects.filter(run=run).values_list("node", "pk"))
    whole_rows = 'SELECT "runner_steprun"."id", "runner_steprun"."run_id", "runner_steprun"."node"'

    def advance(sqls: list[str]) -> list[str]:
        record = max(i for i, q in enumerate(sqls) if 'UPDATE "runner_steprun" SET "status" = \'succeeded\'' in q)
        return sqls[sqls.index("BEGIN", record) :]

    # eager: the last leaf to run is the one whose end readies the join
    order = sorted((ids[leaf] for leaf in leaves), key=lambda pk: list(seen).index(pk))
    for pk in order[:-1]:
        tail = advance(seen[pk])
        assert len(tail) == 4 and not any(q.startswith(whole_rows) for q in tail), tail
        assert 'SELECT "runner_steprun"."node" AS "node", "runner_steprun"."status" AS "status"' in tail[2], tail
    assert any(q.startswith(whole_rows) for q in advance(seen[order[-1]]))

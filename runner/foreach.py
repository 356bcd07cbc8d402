"""For each at run time: a for-each node's items expanded into steps, and their outputs gathered.

When a for-each node becomes ready (runner.advance), `expand` works out its items (a list or grid
from the run's parameters; the rows of the input table or the files of the input folder, each
stored as an artifact of its own) and creates one pending step per item in one INSERT: node
`<foreach>[<i>]`, `foreach` naming the node, `item` = i, `item_value` = what the item sets
(`{"params": {...}}`, or `{"artifact": sha, "row": i}` / `{"artifact": sha, "file": "a.png"}`).
The node's own row moves to `running`; runner.advance then queues at most `concurrency` items at
a time (a cache hit does not count), and when every item has succeeded (or was cached) `gather`
writes the node's outputs in item order and the node succeeds. An item that fails fails the node,
naming the item; the items not started yet are skipped.

Each item is an ordinary step of the run (its own cache key, log, attempt, retries), built from
the node's plan step by `item_step`; `step_of(plan, row)` is the plan step of any row.

A for-each over a sub-pipeline (compiler.subforeach) has one row per item and inner step,
`<foreach>[<i>].<inner>` (same `foreach`, `item`, `item_value`), each built by `body_step`: the
inner step with the item's parameters set, reading the rows of its own item or the node's inputs.
An item's status is the roll-up of its rows (`rollup`); `item_summaries` makes one row-like
summary per item (its outputs the sub-pipeline's) for `gather`.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from artifacts.backend import current
from artifacts.stores import make_staging
from compiler.foreach import ITEM_COLUMN, ITEM_PARAM, ITEMS_MAX, ITEMS_PORT, param_items
from compiler.plan import InputBinding, Plan, Step, is_binding
from runner import states
from runner.models import Artifact, Run, StepRun

ITEM_WIDTH = 5  # sub-folder names of gathered folders: 00000, 00001, ...


class ExpandError(Exception):
    """The items cannot be worked out (the parameter is not a list, the table is unreadable...)."""


def item_node(node: str, item: int) -> str:
    return f"{node}[{item}]"


def inner_node(node: str, item: int, inner: str) -> str:
    """The row of inner step `inner` of item `item` of a for-each over a sub-pipeline."""
    return f"{node}[{item}].{inner}"


def inner_of(row_node: str) -> str:
    """`train` of `fe[3].train` ("" for a module item's row)."""
    _, sep, inner = row_node.partition("].")
    return inner if sep else ""


def is_foreach_row(row: StepRun) -> bool:
    return bool(row.foreach) and row.item is None


def item_step(step: Step, node: str, value: dict[str, Any]) -> Step:
    """The plan step of one item of for-each `step`: the body with the item's parameters set, or
    its input port reading the item's own artifact."""
    assert step.foreach is not None
    params = {**step.params, **value.get("params", {})}
    inputs = step.inputs
    artifact = value.get("artifact")
    if artifact:
        inputs = tuple(
            replace(b, source_node=None, source_port=None, dataset=None, dataset_version=None, artifact=artifact)
            if b.port == step.foreach.port
            else b
            for b in step.inputs
        )
    return replace(
        step,
        node=node,
        params=params,
        inputs=inputs,
        outputs=step.item_outputs,
        foreach=None,
        item_outputs=(),
        condition=None,
        after=(),
        param_schemas={},
    )


def body_step(step: Step, item: int, inner: str, value: dict[str, Any]) -> Step:
    """The plan step of inner step `inner` of item `item` of for-each `step` over a sub-pipeline:
    the parameters each item sets filled in, inner inputs reading the rows of the same item, and
    the inputs the node's own inputs feed reading those (the item's port its own artifact)."""
    assert step.foreach is not None
    body = step.inner(inner)
    given = value.get("params", {})
    params = {
        k: given[v["$param"][len(ITEM_PARAM) :]]
        if is_binding(v) and str(v["$param"]).startswith(ITEM_PARAM) and v["$param"][len(ITEM_PARAM) :] in given
        else v
        for k, v in body.params.items()
    }
    inputs = [
        replace(b, source_node=inner_node(step.node, item, b.source_node)) if b.source_node is not None else b
        for b in body.inputs
    ]
    outer = {b.port: b for b in step.inputs}
    artifact = value.get("artifact")
    for name, port, source in step.body_inputs:
        if name != inner:
            continue
        if artifact and source == step.foreach.port:
            inputs.append(
                InputBinding(port=port, type=outer[source].type if source in outer else "", artifact=artifact)
            )
        elif source in outer:
            inputs.append(replace(outer[source], port=port))
    return replace(
        body,
        node=inner_node(step.node, item, inner),
        params=params,
        inputs=tuple(inputs),
        after=tuple(inner_node(step.node, item, a) for a in body.after),
        param_schemas={},
    )


def step_of(plan: Plan, row: StepRun) -> Step:
    """The plan step a row executes: its node's, or for an item the body with the item's value
    (for an item's inner step of a for-each over a sub-pipeline, that inner step)."""
    if row.item is None:
        return plan.step(row.node)
    step = plan.step(row.foreach)
    if step.body:
        return body_step(step, row.item, inner_of(row.node), row.item_value or {})
    return item_step(step, row.node, row.item_value or {})


def rollup(statuses: Iterable[str]) -> str:
    """An item's status from its inner steps': failed, canceled or skipped when one is (in that
    order); succeeded (or cached) when all are done well; running once one has started; pending."""
    found = set(statuses)
    for bad in (states.FAILED, states.CANCELED, states.SKIPPED):
        if bad in found:
            return bad
    if found and found <= states.STEP_DONE_OK:
        return states.CACHED if found == {states.CACHED} else states.SUCCEEDED
    if found == {states.PENDING}:
        return states.PENDING
    if found <= {states.PENDING, states.QUEUED}:
        return states.QUEUED
    return states.RUNNING


def by_item(rows: Iterable[StepRun]) -> dict[int, dict[str, StepRun]]:
    """The rows of a for-each over a sub-pipeline: item -> inner step -> row."""
    out: dict[int, dict[str, StepRun]] = {}
    for r in rows:
        if r.item is not None:
            out.setdefault(r.item, {})[inner_of(r.node)] = r
    return dict(sorted(out.items()))


def item_summaries(step: Step, items: dict[int, dict[str, StepRun]]) -> list[StepRun]:
    """One unsaved row per item, as `gather` reads a module item's: its value, rolled-up status,
    the sub-pipeline's outputs, and its inner steps' metrics (a name two inner steps share is
    prefixed with the step's: `evaluate.accuracy`)."""
    out: list[StepRun] = []
    for item, rows in items.items():
        owners: dict[str, list[str]] = {}
        for inner in step.body:
            for name in (rows[inner.node].metrics or {}) if inner.node in rows else ():
                owners.setdefault(name, []).append(inner.node)
        metrics: dict[str, Any] = {}
        for name, inners in owners.items():
            for inner_name in inners:
                metrics[name if len(inners) == 1 else f"{inner_name}.{name}"] = rows[inner_name].metrics[name]
        first = next(iter(rows.values()))
        out.append(
            StepRun(
                node=item_node(step.node, item),
                foreach=step.node,
                item=item,
                item_value=first.item_value,
                status=rollup(r.status for r in rows.values()),
                outputs={
                    name: (rows[inner].outputs or {}).get(port, "") if inner in rows else ""
                    for name, inner, port in step.body_outputs
                },
                metrics=metrics,
            )
        )
    return out


def describe(value: dict[str, Any] | None) -> str:
    """An item's value as people read it: `alpha=0.1, seed=2`, `row 3`, `file a.png`."""
    value = value or {}
    if "params" in value:
        return ", ".join(f"{k}={json.dumps(v)}" for k, v in value["params"].items())
    if "file" in value:
        return f"file {value['file']}"
    if "row" in value:
        return f"row {value['row']}"
    return ""


# -- expansion ----------------------------------------------------------------------------------
def items_of(run: Run, step: Step, input_hashes: dict[str, str]) -> list[dict[str, Any]]:
    """The item values of for-each `step` in this run, in item order."""
    spec = step.foreach
    assert spec is not None
    if spec.over in ("list", "grid"):
        try:
            return [{"params": p} for p in param_items(spec, run.parameters)]
        except ValueError as exc:
            raise ExpandError(str(exc)) from exc
    sha = input_hashes.get(spec.port, "")
    if not sha:
        raise ExpandError(f"input '{spec.port}' has no data")
    if spec.over == "rows":
        return _split_rows(sha)
    return _split_files(sha)


def _table_member(sha: str) -> str:
    names = [f.path for f in current().files(sha)]
    if "data.csv" in names:
        return "data.csv"
    tables = [n for n in names if n.endswith(".csv") and "/" not in n]
    if len(tables) == 1:
        return tables[0]
    raise ExpandError("the input table has no data.csv (nor one *.csv)")


def _store_folders(folders: Iterable[Path]) -> list[str]:
    shas: list[str] = []
    infos: dict[str, int] = {}
    for folder in folders:
        sha, size = current().put_folder(folder, move=True)
        shas.append(sha)
        infos[sha] = size
    Artifact.objects.bulk_create([Artifact(sha256=s, size=n) for s, n in infos.items()], ignore_conflicts=True)
    return shas


def _split_rows(sha: str) -> list[dict[str, Any]]:
    """One artifact per row of the input table: `data.csv`, the header and that row."""
    with current().open(sha, _table_member(sha)) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return []
        staging = make_staging("foreach-rows")
        try:
            folders = []
            for i, record in enumerate(reader):
                if i >= ITEMS_MAX:
                    raise ExpandError(f"the table has more than {ITEMS_MAX} rows")
                folder = staging / f"{i}"
                folder.mkdir()
                with open(folder / "data.csv", "w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(header)
                    writer.writerow(record)
                folders.append(folder)
            shas = _store_folders(folders)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [{"artifact": s, "row": i} for i, s in enumerate(shas)]


def _split_files(sha: str) -> list[dict[str, Any]]:
    """One artifact per file of the input folder (sorted by path), holding that file."""
    files = sorted(f.path for f in current().files(sha))
    if len(files) > ITEMS_MAX:
        raise ExpandError(f"the folder has {len(files)} files; at most {ITEMS_MAX}")
    staging = make_staging("foreach-files")
    try:
        folders = []
        with current().local_folder(sha) as source:
            for i, rel in enumerate(files):
                folder = staging / f"{i}"
                target = folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / rel, target)
                folders.append(folder)
        shas = _store_folders(folders)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [{"artifact": s, "file": rel} for s, rel in zip(shas, files, strict=True)]


def item_rows(run: Run, step: Step, values: list[dict[str, Any]], *, force: bool = False) -> list[StepRun]:
    """The pending rows of the items (not saved); `force` (a rerun from the node) reaches each.
    Over a sub-pipeline: one row per item and inner step, in item order, then body order."""
    label = step.label[:190]
    # (node, label, module, version) of each row of item i
    if step.body:
        body = step.body

        def rows_of(i: int) -> list[tuple[str, str, str, str]]:
            return [
                (
                    inner_node(step.node, i, inner.node),
                    f"{label[:120]} [{i}] \u203a {inner.label or inner.node}"[:200],
                    inner.module,
                    inner.version,
                )
                for inner in body
            ]
    else:

        def rows_of(i: int) -> list[tuple[str, str, str, str]]:
            return [(item_node(step.node, i), f"{label} [{i}]", step.module, step.version)]

    return [
        StepRun(
            run=run,
            node=node,
            label=shown,
            module=module,
            version=version,
            foreach=step.node,
            item=i,
            item_value=value,
            force=force,
        )
        for i, value in enumerate(values)
        for node, shown, module, version in rows_of(i)
    ]


# -- gathering ----------------------------------------------------------------------------------
def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def gather(step: Step, items: list[StepRun]) -> tuple[dict[str, str], dict[str, Any]]:
    """The for-each node's outputs from its items' (in item order) and its metrics."""
    staging = make_staging("foreach-gather")
    try:
        folders: dict[str, Path] = {}
        for port, ptype in step.item_outputs:
            folder = staging / port
            folder.mkdir()
            if ptype == "DataFrame":
                _concat_tables(folder / "data.csv", [(r.item, r.outputs.get(port, "")) for r in items])
            else:
                _nest_folders(folder, [(r.item, r.outputs.get(port, "")) for r in items])
            folders[port] = folder
        folders[ITEMS_PORT] = staging / ITEMS_PORT
        folders[ITEMS_PORT].mkdir()
        _items_table(folders[ITEMS_PORT] / "data.csv", items)
        outputs = {}
        infos: dict[str, int] = {}
        for port, folder in folders.items():
            sha, size = current().put_folder(folder, move=True)
            outputs[port], infos[sha] = sha, size
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    Artifact.objects.bulk_create(
        [Artifact(sha256=s, size=n, media_type="") for s, n in infos.items()], ignore_conflicts=True
    )
    counts: dict[str, int] = {}
    for r in items:
        counts[r.status] = counts.get(r.status, 0) + 1
    return outputs, {"items": len(items), **{f"items_{k}": v for k, v in sorted(counts.items())}}


def _concat_tables(target: Path, parts: list[tuple[int | None, str]]) -> None:
    """One CSV: `item` and the union of the items' columns (first seen first), rows in item order."""
    columns: list[str] = []
    tables: list[tuple[int | None, list[dict[str, str]]]] = []
    for item, sha in parts:
        with current().open(sha, _table_member(sha)) as raw:
            reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
            rows = list(reader)
            for name in reader.fieldnames or []:
                if name not in columns:
                    columns.append(name)
        tables.append((item, rows))
    out_columns = [ITEM_COLUMN, *(c for c in columns if c != ITEM_COLUMN)]
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=out_columns, extrasaction="ignore")
        writer.writeheader()
        for item, rows in tables:
            for row in rows:
                writer.writerow({**row, ITEM_COLUMN: item})


def _nest_folders(target: Path, parts: list[tuple[int | None, str]]) -> None:
    for item, sha in parts:
        with current().local_folder(sha) as source:
            shutil.copytree(source, target / f"{item or 0:0{ITEM_WIDTH}d}")


def _items_table(target: Path, items: list[StepRun]) -> None:
    """One row per item: its index, its value (a column per parameter, or row / file), its status
    and its scalar metrics."""
    value_columns: list[str] = []
    metric_columns: list[str] = []
    for r in items:
        value = r.item_value or {}
        names = list(value.get("params", {})) or [k for k in ("row", "file") if k in value]
        for name in names:
            if name not in value_columns:
                value_columns.append(name)
        for name, metric in (r.metrics or {}).items():
            if _scalar(metric) and name not in metric_columns:
                metric_columns.append(name)
    metric_names = [m if m not in value_columns else f"metric_{m}" for m in metric_columns]
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([ITEM_COLUMN, *value_columns, "status", *metric_names])
        for r in items:
            value = r.item_value or {}
            flat = {**{k: value[k] for k in ("row", "file") if k in value}, **value.get("params", {})}
            metrics = r.metrics or {}
            writer.writerow(
                [
                    r.item,
                    *(_cell(flat.get(c)) for c in value_columns),
                    r.status,
                    *(_cell(metrics.get(m)) if _scalar(metrics.get(m)) else "" for m in metric_columns),
                ]
            )


def status_counts(rows: Iterable[StepRun]) -> dict[str, int]:
    counts = dict.fromkeys(states.STEP_STATUSES, 0)
    for r in rows:
        counts[r.status] += 1
    return counts

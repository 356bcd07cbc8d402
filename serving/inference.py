"""Inference pipelines: derive a scoring graph from a trained run, and compile one into the
serving spec a replica loads.

Derivation walks upstream from the Train Model node along `data` inputs: every Select Columns,
Clean Missing Data and Normalize Data step on the way is carried over with its parameters and a
reference to the fitted state that run recorded (their `transform` output), Split Data is passed
through, and the walk stops at the data source. The scoring graph is an ordinary pipeline:

    Web Service Input (schema: the training data's columns, label removed)
      -> the preprocessing steps (fitted = run:<id>/<node>/transform)
      -> Score Model (model = run:<id>/<train node>/model)
      -> Web Service Output

`compile_spec` turns a saved version of such a graph back into what a replica needs: the request
schema, the transforms with their fitted state inlined, and the model's sha256. Both report
problems as 400s naming the node (and field).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pandas as pd

from artifacts.backend import current
from compiler.plan import Plan, Step
from designer.models import Pipeline, PipelineVersion
from designer.services import do_create_pipeline
from pipewright.errors import LocatedError
from runner import states
from runner.models import Run, StepRun
from serving.refs import resolve_artifact, resolve_model, run_ref
from teams.models import Team

WEB_INPUT, WEB_OUTPUT = "builtin/web-input", "builtin/web-output"
TRAIN, SCORE = "builtin/train-model", "builtin/score-model"
SCORE_VERSION = "1.1.0"  # the first Score Model with a `model` parameter
SELECT, CLEAN, NORMALIZE, SPLIT = (
    "builtin/select-columns",
    "builtin/clean-missing-data",
    "builtin/normalize-data",
    "builtin/split-data",
)
STATEFUL = {CLEAN: "clean-missing", NORMALIZE: "normalize"}
CARRIED = {SELECT, CLEAN, NORMALIZE}
TYPES = ("number", "integer", "string", "boolean")


def _error(node: str, message: str, field: str | None = None) -> LocatedError:
    place: dict[str, Any] = {"node": node, "message": message}
    if field:
        place["field"] = field
    return LocatedError(f"Node '{node}': {message}", [place])


def _feeder(step: Step, port: str = "data") -> str | None:
    for binding in step.inputs:
        if binding.port == port:
            return binding.source_node
    return None


def _schema_of(sha: str) -> list[dict[str, str]]:
    with current().local_folder(sha) as folder:  # any store: the local folder, or S3's input cache
        files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.name != "meta.json")
        csv = next((p for p in files if p.name == "data.csv"), files[0] if files else None)
        if csv is None:
            return []
        df = pd.read_csv(csv, nrows=1000, sep="\t" if csv.suffix == ".tsv" else ",")
    out = []
    for name, dtype in df.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            kind = "boolean"
        elif pd.api.types.is_integer_dtype(dtype):
            kind = "integer"
        elif pd.api.types.is_numeric_dtype(dtype):
            kind = "number"
        else:
            kind = "string"
        out.append({"name": str(name), "type": kind})
    return out


def format_schema(schema: list[dict[str, str]]) -> str:
    return ", ".join(f"{c['name']}:{c['type']}" for c in schema)


def parse_schema(text: str, node: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, _, kind = item.partition(":")
        name, kind = name.strip(), (kind.strip() or "string")
        if not name or kind not in TYPES:
            raise _error(
                node, f"schema entry '{item.strip()}' must be name:type with type in {', '.join(TYPES)}", "schema"
            )
        if any(c["name"] == name for c in out):
            raise _error(node, f"schema names column '{name}' twice", "schema")
        out.append({"name": name, "type": kind})
    if not out:
        raise _error(node, "schema has no columns", "schema")
    return out


def derive(user: Any, pipeline: Pipeline, run: Run, train_node: str | None, name: str) -> Pipeline:
    """A new inference pipeline of `pipeline`'s team from a finished run of it."""
    plan = Plan.from_json(run.plan)
    values = plan.parameter_values(run.parameters)
    trains = [s for s in plan.steps if s.module == TRAIN]
    if train_node:
        trains = [s for s in trains if s.node == train_node]
        if not trains:
            raise LocatedError(
                f"Node '{train_node}' is not a Train Model node of run {run.pk}.",
                [{"field": "node", "message": "not a Train Model node of this run"}],
            )
    if len(trains) != 1:
        raise LocatedError(
            f"Run {run.pk} has {len(trains)} Train Model nodes; say which one with `node`.",
            [{"field": "node", "message": "choose the Train Model node"}],
        )
    train = trains[0]
    steps = {s.node: s for s in StepRun.objects.filter(run=run)}
    done = {states.SUCCEEDED, states.CACHED}
    if train.node not in steps or steps[train.node].status not in done:
        raise LocatedError(
            f"Node '{train.node}' has not finished in run {run.pk}; run the pipeline to the end first.",
            [{"field": "run", "node": train.node, "message": "the training step has not succeeded"}],
        )
    label = str(train.resolve_params(values).get("label_column", ""))
    chain: list[Step] = []  # from the source towards training
    entry = train
    source = _feeder(train)
    while source is not None:
        upstream = plan.step(source)
        if upstream.module not in CARRIED and upstream.module != SPLIT:
            break
        if upstream.module in CARRIED:
            chain.insert(0, upstream)
        entry = upstream
        source = _feeder(upstream)
    entry_run = steps.get(entry.node)
    sha = (entry_run.input_hashes or {}).get("data") if entry_run else None
    if not sha:
        raise _error(entry.node, f"run {run.pk} recorded no input table for this step")
    schema = [c for c in _schema_of(sha) if c["name"] != label]
    nodes: list[dict[str, Any]] = [
        {
            "id": "input",
            "module": WEB_INPUT,
            "version": None,
            "params": {"schema": format_schema(schema)},
            "position": {"x": 0, "y": 0},
        }
    ]
    for i, step in enumerate(chain, start=1):
        params = step.resolve_params(values)
        if step.module in STATEFUL:
            output = (steps[step.node].outputs or {}).get("transform") if step.node in steps else None
            if not output:
                raise _error(
                    step.node,
                    f"{step.module}@{step.version} does not record its fitted state; move the node to the newest "
                    "version of the module, run the pipeline again, and derive from that run",
                )
            params["fitted"] = run_ref(run.pk, step.node, "transform")
        nodes.append(
            {
                "id": step.node,
                "module": step.module,
                "version": step.version,
                "params": params,
                "position": {"x": 0, "y": 130 * i},
            }
        )
    model = run_ref(run.pk, train.node, "model")
    below = 130 * (len(chain) + 1)
    nodes.append(
        {
            "id": "score",
            "module": SCORE,
            "version": SCORE_VERSION,
            "params": {"model": model},
            "position": {"x": 0, "y": below},
        }
    )
    nodes.append(
        {"id": "output", "module": WEB_OUTPUT, "version": None, "params": {}, "position": {"x": 0, "y": below + 130}}
    )
    edges = []
    order = ["input", *[s.node for s in chain], "score"]
    for a, b in itertools.pairwise(order):
        edges.append({"source": a, "source_port": "data", "target": b, "target_port": "data"})
    edges.append({"source": "score", "source_port": "scored", "target": "output", "target_port": "data"})
    graph = {"nodes": nodes, "edges": edges, "parameters": []}
    description = f"Inference pipeline of '{pipeline.name}', run {run.pk}, model {model}."
    created, _, _ = do_create_pipeline(user, pipeline.team, name, description, graph=graph)
    return created


def _read_transform(team: Team, ref: str, node: str) -> dict[str, Any]:
    found = resolve_artifact(team, ref, node=node, field="fitted")
    try:
        with current().open(found.sha256, "transform.json") as fh:
            return dict(json.loads(fh.read()))
    except (OSError, ValueError) as exc:
        raise _error(node, f"{ref} holds no readable transform.json ({exc})", "fitted") from exc


def compile_spec(team: Team, version: PipelineVersion) -> dict[str, Any]:
    """What a replica of this inference pipeline version loads; a 400 naming the node otherwise."""
    if version.plan is None:
        raise LocatedError(
            f"Version {version.number} has compile errors; fix them on the canvas first.",
            [{"field": "version", "message": "the version has compile errors"}, *version.errors],
        )
    plan = Plan.from_json(version.plan)
    values = plan.parameter_values({})
    inputs = [s for s in plan.steps if s.module == WEB_INPUT]
    outputs = [s for s in plan.steps if s.module == WEB_OUTPUT]
    if len(inputs) != 1 or len(outputs) != 1:
        raise LocatedError(
            "An inference pipeline needs exactly one Web Service Input and one Web Service Output node.",
            [{"field": "version", "message": "one Web Service Input and one Web Service Output"}],
        )
    by_feeder: dict[str, list[Step]] = {}
    for s in plan.steps:
        for b in s.inputs:
            if b.source_node:
                by_feeder.setdefault(b.source_node, []).append(s)
    schema = parse_schema(str(inputs[0].resolve_params(values).get("schema", "")), inputs[0].node)
    transforms: list[dict[str, Any]] = []
    current = inputs[0]
    model: dict[str, Any] | None = None
    while True:
        after = by_feeder.get(current.node, [])
        if len(after) != 1:
            raise _error(current.node, "in an inference pipeline each node feeds exactly one next node")
        step = after[0]
        params = step.resolve_params(values)
        if step.module == SCORE:
            if any(b.port == "model" and (b.source_node or b.dataset) for b in step.inputs):
                raise _error(step.node, "bind the model with the 'model' parameter, not the model input", "model")
            ref = resolve_model(team, str(params.get("model", "")), node=step.node)
            model = {"node": step.node, "sha256": ref.sha256, "ref": params.get("model")}
            final = by_feeder.get(step.node, [])
            if len(final) != 1 or final[0].module != WEB_OUTPUT:
                raise _error(step.node, "connect Score Model's scored output to the Web Service Output")
            break
        if step.module == SELECT:
            columns = [c.strip() for c in str(params.get("columns", "")).split(",") if c.strip()]
            transforms.append({"node": step.node, "kind": "select-columns", "columns": columns})
        elif step.module in STATEFUL:
            fitted = str(params.get("fitted") or "")
            if not fitted:
                raise _error(
                    step.node, "has no fitted state; derive the inference pipeline from a training run", "fitted"
                )
            state = _read_transform(team, fitted, step.node)
            transforms.append({"node": step.node, "kind": STATEFUL[step.module], "state": state})
        else:
            raise _error(step.node, f"{step.module} cannot run in a deployment (supported: Select Columns, "
                         "Clean Missing Data, Normalize Data, Score Model)")  # fmt: skip
        current = step
    return {"format": 1, "schema": schema, "steps": transforms, "model": model}

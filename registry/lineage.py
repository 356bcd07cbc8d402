"""Lineage: where an artifact, a model version or a dataset version came from (upstream) and what
used it (downstream), as a graph; and the diff of two artifacts' upstream ingredients.

Everything is scoped to the teams the caller belongs to: artifacts are content-addressed and
shared in the store, but a walk only ever follows steps, runs, datasets and models of the
caller's teams. An artifact none of them produced, read or uploaded is a 404.

Nodes are `artifact:<sha256>`, `step:<step run id>`, `dataset:<dataset version id>` and
`model:<model version id>`; edges run in the direction the bytes flow (dataset -> artifact ->
step -> artifact -> model). Upstream walks follow a step's input bindings inside its own run (the
plan says which step or dataset fed each port); downstream walks follow an artifact's sha256 to
every step of the caller's teams that read it (in any run), every step that reused it from the
cache, and every model version registered from it. Walks are bounded: `depth` step hops
(default 20, at most 50) and `MAX_NODES` nodes; a cut walk says so (`truncated`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from designer.models import DatasetVersion
from pipewright.errors import LocatedError, NotFound
from registry.models import ModelVersion
from runner.models import StepRun
from teams.scoping import visible_team_ids

DEFAULT_DEPTH = 20
MAX_DEPTH = 50
MAX_NODES = 500
SHA = re.compile(r"[0-9a-f]{64}")


# -- queries -------------------------------------------------------------------------------------


def _steps_with(field_name: str, sha: str, teams: Iterable[int]) -> QuerySet[StepRun]:
    """The teams' step runs whose `outputs` or `input_hashes` hold `sha` as a value."""
    assert field_name in ("outputs", "input_hashes")
    sql = f"SELECT id FROM runner_steprun WHERE {field_name}::jsonb @? %s::jsonpath"
    return StepRun.objects.filter(run__team_id__in=list(teams)).filter(pk__in=RawSQL(sql, (f'$.* ? (@ == "{sha}")',)))


def producer(sha: str, teams: Iterable[int]) -> StepRun | None:
    """The step that made `sha`: the first that executed (not reused from the cache), else the first."""
    steps = _steps_with("outputs", sha, teams).select_related("run").order_by("id")
    executed = steps.filter(reused_from__isnull=True, status="succeeded").first()
    return executed or steps.first()


def check_artifact(sha: str, teams: Iterable[int]) -> None:
    """404 unless a step or dataset of these teams produced, read or holds `sha`."""
    teams = list(teams)
    if not SHA.fullmatch(sha or ""):
        raise NotFound("Artifact not found.")
    if DatasetVersion.objects.filter(dataset__team_id__in=teams, artifact=sha).exists():
        return
    if _steps_with("outputs", sha, teams).exists() or _steps_with("input_hashes", sha, teams).exists():
        return
    raise NotFound("Artifact not found.")


def plan_step(step: StepRun) -> dict[str, Any]:
    for s in step.run.plan.get("steps", []):
        if s["node"] == step.node:
            return dict(s)
    return {"node": step.node, "inputs": [], "outputs": [], "digest": ""}


def port_type(step: StepRun, port: str) -> str | None:
    for name, kind in plan_step(step).get("outputs", []):
        if name == port:
            return str(kind)
    return None


def _dataset_version(ref: str | None, number: int | None, sha: str, teams: Iterable[int]) -> DatasetVersion | None:
    """The dataset version a binding read: by its number, else by the bytes the step read."""
    if not ref or "/" not in ref:
        return None
    team, name = ref.split("/", 1)
    qs = DatasetVersion.objects.select_related("dataset__team").filter(
        dataset__team__name=team, dataset__name=name, dataset__team_id__in=list(teams)
    )
    if number is not None:
        return qs.filter(version=number).first()
    return qs.filter(artifact=sha).order_by("version").first()


# -- ingredients: the upstream steps of one step in its run, in plan order -----------------------


def upstream_steps(step: StepRun) -> list[StepRun]:
    """`step` and every step upstream of it in its run, in the plan's (topological) order."""
    run = step.run
    by_node = {s.node: s for s in StepRun.objects.filter(run=run)}
    plan = {s["node"]: s for s in run.plan.get("steps", [])}
    wanted: set[str] = set()
    todo = [step.node]
    while todo:
        node = todo.pop()
        if node in wanted:
            continue
        wanted.add(node)
        for b in plan.get(node, {}).get("inputs", []):
            if b.get("source_node"):
                todo.append(b["source_node"])
    order = [s["node"] for s in run.plan.get("steps", [])]
    steps = [by_node[n] for n in order if n in wanted and n in by_node]
    for s in steps:
        s.run = run
    return steps


def ingredient(step: StepRun) -> dict[str, Any]:
    """What one step was made of: module version, digest, image, parameters, dataset inputs."""
    spec = plan_step(step)
    datasets = [
        {
            "port": b["port"],
            "dataset": b["dataset"],
            "version": b.get("dataset_version"),
            "sha256": step.input_hashes.get(b["port"]) or b.get("artifact") or "",
        }
        for b in spec.get("inputs", [])
        if b.get("dataset")
    ]
    return {
        "node": step.node,
        "step": step.pk,
        "run": step.run_id,
        "module": step.module,
        "version": step.version,
        "digest": spec.get("digest", ""),
        "image_id": step.image_id,
        "params": step.params,
        "datasets": datasets,
        "inputs": dict(step.input_hashes),
        "outputs": dict(step.outputs),
    }


def ingredients(step: StepRun) -> list[dict[str, Any]]:
    return [ingredient(s) for s in upstream_steps(step)]


def downstream_metrics(step: StepRun) -> tuple[dict[str, Any], dict[str, str]]:
    """The metrics a model version records: the model's own step's metrics, then those of every
    step of the same run downstream of it (an evaluate step scoring the model, say), in plan
    order. A name reported twice keeps its first value; the later one is `<node>.<name>`."""
    run = step.run
    plan_steps = run.plan.get("steps", [])
    down = {step.node}
    for s in plan_steps:  # topological order: one pass finds every descendant
        if any(b.get("source_node") in down for b in s.get("inputs", [])):
            down.add(s["node"])
    rows = {s.node: s for s in StepRun.objects.filter(run=run, node__in=down)}
    metrics: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for s in plan_steps:
        row = rows.get(s["node"])
        if row is None or not isinstance(row.metrics, dict):
            continue
        for key, value in row.metrics.items():
            name = key if key not in metrics else f"{row.node}.{key}"
            if name in metrics:
                continue
            metrics[name], sources[name] = value, row.node
    return metrics, sources


# -- the graph -----------------------------------------------------------------------------------


@dataclass
class Graph:
    root: str
    direction: str
    depth: int
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    truncated: bool = False
    reasons: list[str] = field(default_factory=list)

    def full(self) -> bool:
        if len(self.nodes) >= MAX_NODES:
            self.cut(f"stopped at {MAX_NODES} nodes")
            return True
        return False

    def cut(self, reason: str) -> None:
        self.truncated = True
        if reason not in self.reasons:
            self.reasons.append(reason)

    def add(self, node_id: str, kind: str, label: str, depth: int, detail: dict[str, Any]) -> bool:
        """Add a node; False when it was there already (or the graph is full)."""
        if node_id in self.nodes:
            return False
        if self.full():
            return False
        self.nodes[node_id] = {"id": node_id, "kind": kind, "label": label, "depth": depth, "detail": detail}
        return True

    def link(self, source: str, target: str, label: str) -> None:
        if source in self.nodes and target in self.nodes:
            self.edges.setdefault((source, target, label), {"source": source, "target": target, "label": label})

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "direction": self.direction,
            "depth": self.depth,
            "max_nodes": MAX_NODES,
            "truncated": self.truncated,
            "truncated_reason": "; ".join(self.reasons),
            "nodes": list(self.nodes.values()),
            "edges": list(self.edges.values()),
        }


def artifact_id(sha: str) -> str:
    return f"artifact:{sha}"


def step_id(step: StepRun) -> str:
    return f"step:{step.pk}"


def _add_artifact(g: Graph, sha: str, depth: int) -> str:
    g.add(artifact_id(sha), "artifact", sha[:12], depth, {"sha256": sha})
    return artifact_id(sha)


def _add_step(g: Graph, step: StepRun, depth: int) -> bool:
    spec = plan_step(step)
    detail = {
        "run": step.run_id,
        "node": step.node,
        "module": step.module,
        "version": step.version,
        "digest": spec.get("digest", ""),
        "image_id": step.image_id,
        "params": step.params,
        "status": step.status,
        "reused_from": step.reused_from_id,
        "metrics": step.metrics,
    }
    label = f"{spec.get('label') or step.node} · {step.module}@{step.version} (run {step.run_id})"
    return g.add(step_id(step), "step", label, depth, detail)


def _add_dataset(g: Graph, dv: DatasetVersion, depth: int) -> str:
    node = f"dataset:{dv.pk}"
    ref = f"{dv.dataset.team.name}/{dv.dataset.name}"
    detail = {"dataset": ref, "version": dv.version, "sha256": dv.artifact, "filename": dv.filename}
    g.add(node, "dataset", f"{ref} v{dv.version}", depth, detail)
    return node


def _add_model(g: Graph, mv: ModelVersion, depth: int) -> str:
    node = f"model:{mv.pk}"
    ref = f"{mv.model.team.name}/{mv.model.name}"
    detail = {"model": mv.model_id, "name": ref, "version": mv.version, "sha256": mv.sha256, "tags": mv.tags}
    g.add(node, "model", f"{ref} v{mv.version}", depth, detail)
    return node


def walk_up_step(g: Graph, step: StepRun, depth: int, teams: list[int]) -> None:
    """The step, its inputs (artifacts), and what made them: steps of its run, or datasets."""
    if not _add_step(g, step, depth):
        return
    if depth >= g.depth:
        if plan_step(step).get("inputs"):
            g.cut(f"stopped at depth {g.depth}")
        return
    by_node = {s.node: s for s in StepRun.objects.filter(run_id=step.run_id).select_related("run")}
    for b in plan_step(step).get("inputs", []):
        sha = step.input_hashes.get(b["port"]) or b.get("artifact") or ""
        if not sha:
            continue
        art = _add_artifact(g, sha, depth)
        g.link(art, step_id(step), b["port"])
        if b.get("dataset"):
            dv = _dataset_version(b["dataset"], b.get("dataset_version"), sha, teams)
            if dv is not None:
                g.link(_add_dataset(g, dv, depth), art, "content")
        elif b.get("source_node") in by_node:
            source = by_node[b["source_node"]]
            walk_up_step(g, source, depth + 1, teams)
            g.link(step_id(source), art, b.get("source_port") or "")


def walk_down_artifact(g: Graph, sha: str, depth: int, teams: list[int]) -> None:
    art = _add_artifact(g, sha, depth)
    if depth >= g.depth:
        if _steps_with("input_hashes", sha, teams).exists():
            g.cut(f"stopped at depth {g.depth}")
        return
    for mv in ModelVersion.objects.select_related("model__team").filter(sha256=sha, model__team_id__in=teams):
        g.link(art, _add_model(g, mv, depth + 1), "registered")
    reused = _steps_with("outputs", sha, teams).filter(reused_from__isnull=False).select_related("run")
    for step in reused.order_by("id"):
        _add_step(g, step, depth + 1)
        g.link(art, step_id(step), "reused")
    consumers = _steps_with("input_hashes", sha, teams).select_related("run").order_by("id")
    for step in consumers:
        if g.full():
            return
        fresh = _add_step(g, step, depth + 1)
        for port, value in step.input_hashes.items():
            if value == sha:
                g.link(art, step_id(step), port)
        if not fresh:
            continue
        for port, out in step.outputs.items():
            walk_down_artifact(g, out, depth + 1, teams)
            g.link(step_id(step), artifact_id(out), port)


def new_graph(root: str, direction: str, depth: int | None) -> Graph:
    return Graph(root=root, direction=direction, depth=DEFAULT_DEPTH if depth is None else depth)


def artifact_lineage(user: Any, sha: str, direction: str, depth: int | None) -> dict[str, Any]:
    teams = list(visible_team_ids(user))
    check_artifact(sha, teams)
    g = new_graph(artifact_id(sha), direction, depth)
    _add_artifact(g, sha, 0)
    if direction in ("up", "both"):
        _up_from_artifact(g, sha, teams)
    if direction in ("down", "both"):
        walk_down_artifact(g, sha, 0, teams)
    return g.to_json()


def _up_from_artifact(g: Graph, sha: str, teams: list[int]) -> None:
    for dv in DatasetVersion.objects.select_related("dataset__team").filter(dataset__team_id__in=teams, artifact=sha):
        g.link(_add_dataset(g, dv, 1), artifact_id(sha), "content")
    step = producer(sha, teams)
    if step is not None:
        walk_up_step(g, step, 1, teams)
        port = next((p for p, v in step.outputs.items() if v == sha), "")
        g.link(step_id(step), artifact_id(sha), port)


def model_lineage(user: Any, mv: ModelVersion, direction: str, depth: int | None) -> dict[str, Any]:
    teams = list(visible_team_ids(user))
    g = new_graph(f"model:{mv.pk}", direction, depth)
    _add_model(g, mv, 0)
    art = _add_artifact(g, mv.sha256, 1)
    g.link(art, f"model:{mv.pk}", "registered")
    if direction in ("up", "both"):
        step = mv.step
        if step is not None and step.run.team_id in teams:
            walk_up_step(g, step, 2, teams)
            g.link(step_id(step), art, mv.port)
        else:
            _up_from_artifact(g, mv.sha256, teams)
    if direction in ("down", "both"):
        walk_down_artifact(g, mv.sha256, 1, teams)
    return g.to_json()


def dataset_lineage(user: Any, dv: DatasetVersion, direction: str, depth: int | None) -> dict[str, Any]:
    teams = list(visible_team_ids(user))
    g = new_graph(f"dataset:{dv.pk}", direction, depth)
    _add_dataset(g, dv, 0)
    _add_artifact(g, dv.artifact, 0)
    g.link(f"dataset:{dv.pk}", artifact_id(dv.artifact), "content")
    if direction in ("down", "both"):
        walk_down_artifact(g, dv.artifact, 0, teams)
    return g.to_json()


# -- the diff ------------------------------------------------------------------------------------


def parse_ref(user: Any, raw: str, name: str) -> tuple[str, list[dict[str, Any]]]:
    """`<sha256>` or `artifact:<sha256>` or `model:<model id>/<version>` -> (its sha, its ingredients)."""
    teams = list(visible_team_ids(user))
    text = (raw or "").strip()
    if not text:
        raise LocatedError(f"{name} is required.", [{"field": name, "message": "required"}])
    model = re.fullmatch(r"model:(\d{1,18})/(\d{1,9})", text)
    if model:
        mv = (
            ModelVersion.objects.select_related("step__run", "model")
            .filter(model_id=int(model.group(1)), version=int(model.group(2)), model__team_id__in=teams)
            .first()
        )
        if mv is None:
            raise NotFound(f"Model version {text} not found.")
        if mv.step is not None:
            return mv.sha256, ingredients(mv.step)
        return mv.sha256, list(mv.upstream)
    sha = text.removeprefix("artifact:")
    if not SHA.fullmatch(sha):
        raise LocatedError(
            f"{name} must be a sha256, artifact:<sha256> or model:<id>/<version>.",
            [{"field": name, "message": "a sha256, artifact:<sha256> or model:<id>/<version>"}],
        )
    check_artifact(sha, teams)
    step = producer(sha, teams)
    return sha, ingredients(step) if step is not None else []


def _pairs(
    a: list[dict[str, Any]], b: list[dict[str, Any]]
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Steps of both sides aligned: by node id, then the rest by module in order; A's order first."""
    b_by_node = {s["node"]: s for s in b}
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    unmatched_a = []
    for s in a:
        other = b_by_node.get(s["node"])
        if other is not None and other["module"] == s["module"]:
            used.add(id(other))
            pairs.append((s, other))
        else:
            unmatched_a.append(s)
            pairs.append((s, None))
    rest_b = [s for s in b if id(s) not in used]
    for i, (left, right) in enumerate(pairs):
        if right is None and left in unmatched_a:
            match = next((s for s in rest_b if s["module"] == left["module"]), None)
            if match is not None:
                rest_b.remove(match)
                pairs[i] = (left, match)
    pairs += [(None, s) for s in rest_b]
    return pairs


def _step_differences(x: dict[str, Any], y: dict[str, Any]) -> list[dict[str, Any]]:
    where = {"node_a": x["node"], "node_b": y["node"]}
    found: list[dict[str, Any]] = []

    def add(kind: str, name: str, a: Any, b: Any, message: str) -> None:
        found.append({"kind": kind, **where, "field": name, "a": a, "b": b, "message": message})

    xd = {d["port"]: d for d in x.get("datasets", [])}
    yd = {d["port"]: d for d in y.get("datasets", [])}
    for port in sorted(set(xd) | set(yd)):
        da, db = xd.get(port), yd.get(port)
        ka = None if da is None else f"{da['dataset']} v{da['version']}"
        kb = None if db is None else f"{db['dataset']} v{db['version']}"
        if ka != kb or (da and db and da["sha256"] != db["sha256"]):
            add("dataset", port, ka, kb, f"step '{x['node']}' port '{port}' reads {ka} in A, {kb} in B")
    if x["version"] != y["version"]:
        add("module_version", "version", x["version"], y["version"], f"{x['module']} {x['version']} vs {y['version']}")
    elif x["digest"] != y["digest"]:
        add("digest", "digest", x["digest"], y["digest"], f"{x['module']}@{x['version']}: the module digest differs")
    if x["image_id"] and y["image_id"] and x["image_id"] != y["image_id"]:
        add("image_id", "image_id", x["image_id"], y["image_id"], f"step '{x['node']}' ran another image build")
    for key in sorted(set(x["params"]) | set(y["params"])):
        va, vb = x["params"].get(key), y["params"].get(key)
        if va != vb:
            add("parameter", key, va, vb, f"step '{x['node']}' parameter {key}: {va!r} vs {vb!r}")
    if not found:
        for port in sorted(set(x["inputs"]) | set(y["inputs"])):
            if x["inputs"].get(port) != y["inputs"].get(port) and port not in xd:
                add("input", port, x["inputs"].get(port), y["inputs"].get(port), f"step '{x['node']}' input '{port}'")
        if not found and x["outputs"] != y["outputs"]:
            add(
                "output",
                "outputs",
                x["outputs"],
                y["outputs"],
                f"step '{x['node']}' had the same ingredients but wrote other bytes (not deterministic)",
            )
    return found


def diff(user: Any, a: str, b: str) -> dict[str, Any]:
    sha_a, steps_a = parse_ref(user, a, "a")
    sha_b, steps_b = parse_ref(user, b, "b")
    differences: list[dict[str, Any]] = []
    for x, y in _pairs(steps_a, steps_b):
        if x is None or y is None:
            present = x or y
            assert present is not None
            differences.append(
                {
                    "kind": "step",
                    "node_a": x["node"] if x else None,
                    "node_b": y["node"] if y else None,
                    "field": "module",
                    "a": x["module"] if x else None,
                    "b": y["module"] if y else None,
                    "message": f"step '{present['node']}' ({present['module']}) is only upstream of "
                    + ("A" if x else "B"),
                }
            )
            continue
        differences.extend(_step_differences(x, y))
    return {
        "a": {"ref": a, "sha256": sha_a, "steps": steps_a},
        "b": {"ref": b, "sha256": sha_b, "steps": steps_b},
        "identical": sha_a == sha_b,
        "first": differences[0] if differences else None,
        "differences": differences,
    }

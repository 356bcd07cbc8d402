"""The runner's only writer: create runs, advance them, execute steps, cancel, rerun, reap.

Every status change is `_move_step` / `_move_run`: a conditional UPDATE ... WHERE status IN (...)
that acts only when exactly one row changed, so two workers can never both start or finish a step.
The database is the record; Celery messages only wake workers up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import mimetypes
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from designer.compiler.plan import Plan, Step
from designer.errors import Conflict, LocatedError
from runner import artifacts, compute, events, states
from runner.models import Artifact, CacheEntry, Run, StepRun

log = logging.getLogger(__name__)

RERUN_MODES = ("all", "failed", "from")


def heartbeat_seconds() -> float:
    return float(getattr(settings, "PIPEWRIGHT_HEARTBEAT", 2))


def heartbeat_timeout() -> float:
    return float(getattr(settings, "PIPEWRIGHT_HEARTBEAT_TIMEOUT", 30))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# ---------------------------------------------------------------- transitions


def _move_step(step_id: int, to: str, *, extra: Q | None = None, **fields: Any) -> bool:
    qs = StepRun.objects.filter(pk=step_id, status__in=states.sources(states.STEP_TRANSITIONS, to))
    if extra is not None:
        qs = qs.filter(extra)
    return qs.update(status=to, **fields) == 1


def _move_run(run_id: int, to: str, **fields: Any) -> bool:
    qs = Run.objects.filter(pk=run_id, status__in=states.sources(states.RUN_TRANSITIONS, to))
    return qs.update(status=to, **fields) == 1


# ---------------------------------------------------------------- serialization (events, API)


def _artifact_info(shas: list[str]) -> dict[str, dict[str, Any]]:
    return {
        a.sha256: {"sha256": a.sha256, "size": a.size, "media_type": a.media_type}
        for a in Artifact.objects.filter(sha256__in=shas)
    }


def step_json(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    if infos is None:
        infos = _artifact_info(list(step.outputs.values()))
    reused = None
    if step.reused_from_id is not None:
        origin = step.reused_from
        reused = {"run": origin.run_id, "node": origin.node, "step": origin.pk} if origin else None
    return {
        "id": step.pk,
        "node": step.node,
        "module": step.module,
        "version": step.version,
        "status": step.status,
        "cache_key": step.cache_key or None,
        "reused_from": reused,
        "force": step.force,
        "attempt": step.attempt,
        "started_at": step.started_at.isoformat() if step.started_at else None,
        "finished_at": step.finished_at.isoformat() if step.finished_at else None,
        "exit_code": step.exit_code,
        "outputs": {
            port: infos.get(sha, {"sha256": sha, "size": None, "media_type": ""}) for port, sha in step.outputs.items()
        },
        "metrics": step.metrics,
        "error": step.error or None,
    }


def runs_for_json() -> QuerySet[Run]:
    """Runs with what `run_json` reads joined in, and without the big JSON it does not read (plans
    and graphs: a 1,000-node pipeline's are megabytes)."""
    return Run.objects.select_related("team", "pipeline", "pipeline_version", "created_by").defer(
        "plan", "pipeline__graph", "pipeline_version__graph", "pipeline_version__plan"
    )


def run_json(run: Run, *, steps: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.pk,
        "pipeline": run.pipeline_id,
        "pipeline_name": run.pipeline.name,
        "version": run.pipeline_version.number if run.pipeline_version_id else None,
        "pipeline_version": run.pipeline_version_id,
        "team": run.team.name,
        "parent": run.parent_id,
        "rerun_mode": run.rerun_mode or None,
        "parameters": run.parameters,
        "cache": run.use_cache,
        "status": run.status,
        "error": run.error or None,
        "created_by": run.created_by.username if run.created_by_id else None,
        "trigger": run.trigger or None,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "seq": run.event_seq,
    }
    if steps:
        rows = list(run.steps.select_related("reused_from").order_by("id"))
        infos = _artifact_info([sha for s in rows for sha in s.outputs.values()])
        data["steps"] = [step_json(s, infos) for s in rows]
    return data


def _publish_step(step_id: int) -> None:
    _publish_row(StepRun.objects.select_related("reused_from").get(pk=step_id))


def _publish_row(step: StepRun, infos: dict[str, dict[str, Any]] | None = None) -> None:
    """Publish a step from a row the caller holds up to date (saves reading it back)."""
    events.publish(
        step.run_id, {"type": "step", "node": step.node, "status": step.status, "step": step_json(step, infos)}
    )


def _publish_run(run_id: int) -> None:
    run = Run.objects.only("status", "error", "started_at", "finished_at").get(pk=run_id)
    events.publish(
        run_id,
        {
            "type": "run",
            "status": run.status,
            "error": run.error or None,
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
    )


# ---------------------------------------------------------------- create / rerun


_PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def validate_parameters(plan: Plan, given: Any) -> dict[str, Any]:
    """A run's pipeline parameter values (the given ones over the defaults), or a 400 naming each
    value that is unknown, missing, of the wrong type, or outside a bound module parameter's schema."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise LocatedError("parameters must be an object.", [{"field": "parameters", "message": "must be an object"}])
    declared = {p.name: p for p in plan.parameters}
    problems: list[dict[str, str]] = [
        {"field": f"parameters.{n}", "message": "is not a parameter of this pipeline"}
        for n in sorted(set(given) - set(declared))
    ]
    values = plan.parameter_values({k: v for k, v in given.items() if k in declared})
    bound = _bound_schemas(plan)
    for name, param in declared.items():
        value = values[name]
        if value is None:
            if bound.get(name):
                problems.append({"field": f"parameters.{name}", "message": "is required (it has no default)"})
            continue
        allowed = _PARAMETER_TYPES.get(param.type)
        if allowed is not None and type(value) not in allowed:  # exact types: a bool is not a number
            article = "an" if param.type[0] in "aeiou" else "a"
            message = f"must be {article} {param.type}, not {value!r}"
            problems.append({"field": f"parameters.{name}", "message": message})
            continue
        if name in given:
            for where, schema in bound.get(name, []):
                error = best_match(Draft202012Validator(schema).iter_errors(value))
                if error is not None:
                    problems.append({"field": f"parameters.{name}", "message": f"{error.message} (for {where})"})
                    break
    if problems:
        first = problems[0]
        raise LocatedError(f"{first['field']} {first['message']}.", problems)
    return values


def _bound_schemas(plan: Plan) -> dict[str, list[tuple[str, Any]]]:
    """For each pipeline parameter, the JSON Schemas of the module parameters bound to it."""
    from modules.models import ModuleVersion

    bindings = [
        (step, name, value["$param"])
        for step in plan.steps
        for name, value in step.params.items()
        if isinstance(value, dict) and set(value) == {"$param"}
    ]
    if not bindings:
        return {}
    specs = dict(
        ModuleVersion.objects.filter(pk__in={s.module_version_id for s, _, _ in bindings}).values_list("pk", "spec")
    )
    out: dict[str, list[tuple[str, Any]]] = {}
    for step, name, target in bindings:
        schema = (specs.get(step.module_version_id) or {}).get("parameters", {}).get(name)
        out.setdefault(target, []).append((f"node '{step.node}' parameter '{name}'", schema if schema else {}))
    return out


def _descendants(plan: Plan, node: str) -> set[str]:
    found = {node}
    for step in plan.steps:  # topological order
        if any(u in found for u in step.upstream):
            found.add(step.node)
    return found


@transaction.atomic
def create_run(
    pipeline_version: Any,
    parameters: dict[str, Any] | None,
    use_cache: bool,
    user: Any,
    parent: Run | None = None,
    rerun_mode: str = "",
    force_nodes: set[str] | None = None,
    reuse: dict[str, StepRun] | None = None,
    trigger: str = "",
) -> Run:
    """A run of a runnable pipeline version; its first advance is enqueued after commit."""
    if pipeline_version.plan is None:
        raise LocatedError(
            "This pipeline version did not compile and cannot run.", [{"field": "version", "message": "not runnable"}]
        )
    plan = Plan.from_json(pipeline_version.plan)
    values = validate_parameters(plan, parameters)
    pipeline = pipeline_version.pipeline
    run = Run.objects.create(
        pipeline=pipeline,
        pipeline_version=pipeline_version,
        team_id=pipeline.team_id,
        parent=parent,
        rerun_mode=rerun_mode,
        plan=pipeline_version.plan,
        parameters=values,
        use_cache=use_cache,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        trigger=trigger,
    )
    force_nodes = force_nodes or set()
    reuse = reuse or {}
    now = timezone.now()
    rows = []
    for step in plan.steps:
        row = StepRun(run=run, node=step.node, module=step.module, version=step.version, force=step.node in force_nodes)
        origin = reuse.get(step.node)
        if origin is not None:
            row.status = states.CACHED
            row.reused_from_id = origin.reused_from_id or origin.pk
            row.outputs = dict(origin.outputs)
            row.cache_key = origin.cache_key
            row.input_hashes = dict(origin.input_hashes)
            row.params = dict(origin.params)
            row.metrics = dict(origin.metrics)
            row.log_path = origin.log_path
            row.started_at = row.finished_at = now
        rows.append(row)
    StepRun.objects.bulk_create(rows)
    events.publish(run.pk, {"type": "run", "status": run.status, "started_at": None, "finished_at": None})
    enqueue_advance(run.pk)
    return run


def rerun(parent: Run, mode: str, *, node: str | None, parameters: Any, use_cache: bool | None, user: Any) -> Run:
    if mode not in RERUN_MODES:
        raise LocatedError(
            f"mode must be one of {', '.join(RERUN_MODES)}.",
            [{"field": "mode", "message": f"must be one of {', '.join(RERUN_MODES)}"}],
        )
    plan = Plan.from_json(parent.plan)
    params = parent.parameters if parameters is None else parameters
    cache = parent.use_cache if use_cache is None else bool(use_cache)
    if mode == "all":
        return create_run(parent.pipeline_version, params, cache, user, parent=parent, rerun_mode=mode)
    if mode == "from":
        nodes = {s.node for s in plan.steps}
        if not node:
            raise LocatedError(
                "mode 'from' needs the node to rerun from.",
                [{"field": "node", "message": "is required for mode 'from'"}],
            )
        if node not in nodes:
            raise LocatedError(
                f"The run has no step '{node}'.", [{"field": "node", "message": f"no step '{node}' in this run"}]
            )
        return create_run(
            parent.pipeline_version,
            params,
            cache,
            user,
            parent=parent,
            rerun_mode=mode,
            force_nodes=_descendants(plan, node),
        )
    # failed: reuse every step that succeeded in the parent (same parameters), run the rest
    if parameters is not None and plan.parameter_values(parameters) != parent.parameters:
        raise LocatedError(
            "mode 'failed' reruns with the parent's parameters; use mode 'all' to change them.",
            [{"field": "parameters", "message": "cannot change in mode 'failed'"}],
        )
    if parent.status not in states.RUN_TERMINAL:
        raise Conflict(f"Run {parent.pk} is still {parent.status}; wait for it to finish or cancel it first.")
    reuse = {s.node: s for s in parent.steps.filter(status__in=states.STEP_DONE_OK)}
    return create_run(
        parent.pipeline_version, parent.parameters, cache, user, parent=parent, rerun_mode=mode, reuse=reuse
    )


# ---------------------------------------------------------------- enqueue


def enqueue_advance(run_id: int) -> None:
    from runner.tasks import advance_run_task

    transaction.on_commit(lambda: advance_run_task.apply_async((run_id,), queue="pipewright"))


def enqueue_step(step_id: int, queue: str) -> None:
    from runner.tasks import execute_step_task

    transaction.on_commit(lambda: execute_step_task.apply_async((step_id,), queue=queue))


# ---------------------------------------------------------------- cache keys


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(digest: str, params: dict[str, Any], input_hashes: dict[str, str]) -> str:
    text = canonical({"module": digest, "params": params, "inputs": input_hashes})
    return hashlib.sha256(text.encode()).hexdigest()


def _input_hashes(step: Step, by_node: dict[str, StepRun]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for b in step.inputs:
        if b.source_node is not None:
            hashes[b.port] = by_node[b.source_node].outputs.get(b.source_port or "", "")
        elif b.artifact:
            hashes[b.port] = b.artifact
    return hashes


def _target_for(step: Step) -> str:
    for key, value in step.runtime.env:
        if key == "PIPEWRIGHT_COMPUTE" and value in compute.TARGETS:
            return value
    return compute.default_target()


# ---------------------------------------------------------------- advance


def plan_of(run: Run) -> Plan:
    """A run's plan, read and parsed once per worker process: a plan never changes after its run
    is created, and a big one costs more to decode than the rest of a step's bookkeeping."""
    return _cached_plan(run.pk, run.created_at.isoformat())


@functools.lru_cache(maxsize=64)
def _cached_plan(run_id: int, created_at: str) -> Plan:
    # the creation time is part of the key, so a run id reused (a database recreated) is a miss
    return Plan.from_json(Run.objects.values_list("plan", flat=True).get(pk=run_id))


def advance_run(run_id: int) -> str | None:
    """Move every ready step forward (cache hit, queue, skip) and finish the run when all are done."""
    with transaction.atomic():
        run = Run.objects.select_for_update().defer("plan").filter(pk=run_id).first()
        if run is None or run.status in states.RUN_TERMINAL:
            return run.status if run else None
        if run.status in (states.PENDING, states.QUEUED) and _move_run(
            run.pk, states.RUNNING, started_at=timezone.now()
        ):
            _publish_run(run.pk)
        plan = plan_of(run)
        by_node = {s.node: s for s in run.steps.all()}
        # one pass in topological order: a step cached or skipped here is seen by those after it
        for step in plan.steps:
            row = by_node[step.node]
            if row.status != states.PENDING:
                continue
            ups = [by_node[u].status for u in step.upstream]
            if any(s in states.STEP_DONE_BAD for s in ups):
                if _move_step(
                    row.pk, states.SKIPPED, finished_at=timezone.now(), error="an upstream step did not succeed"
                ):
                    row.status = states.SKIPPED
                    _publish_step(row.pk)
                continue
            if all(s in states.STEP_DONE_OK for s in ups):
                _ready(run, step, row, by_node)
        if all(s.status in states.STEP_TERMINAL for s in by_node.values()):
            statuses = {s.status for s in by_node.values()}
            if states.CANCELED in statuses:
                final = states.CANCELED
            elif statuses <= states.STEP_DONE_OK:
                final = states.SUCCEEDED
            else:
                final = states.FAILED
            failed = [s.node for s in by_node.values() if s.status == states.FAILED]
            error = f"step(s) failed: {', '.join(failed)}" if failed else ""
            if _move_run(run.pk, final, finished_at=timezone.now(), error=error):
                _publish_run(run.pk)
            return final
        return states.RUNNING


def _ready(run: Run, step: Step, row: StepRun, by_node: dict[str, StepRun]) -> None:
    """Handle one ready step: a cache hit or enqueue it.
    `by_node` holds the run's rows as read under the run's lock, kept current by the caller."""
    hashes = _input_hashes(step, by_node)
    params = step.resolve_params(run.parameters)
    key = cache_key(step.digest, params, hashes) if step.deterministic else ""
    row.input_hashes, row.params, row.cache_key = hashes, params, key
    if key and run.use_cache and not row.force:
        entry = CacheEntry.objects.filter(cache_key=key).select_related("step_run").first()
        if entry is not None and all(artifacts.exists(sha) for sha in entry.outputs.values()):
            now = timezone.now()
            origin = entry.step_run.reused_from_id or entry.step_run_id
            if _move_step(
                row.pk,
                states.CACHED,
                cache_key=key,
                input_hashes=hashes,
                params=params,
                outputs=entry.outputs,
                metrics=entry.step_run.metrics,
                log_path=entry.step_run.log_path,
                reused_from_id=origin,
                started_at=now,
                finished_at=now,
            ):
                row.status = states.CACHED
                row.outputs = entry.outputs
                _publish_step(row.pk)
            return
    queue = compute.queue_for(_target_for(step))
    if _move_step(row.pk, states.QUEUED, cache_key=key, input_hashes=hashes, params=params, queue=queue):
        row.status, row.queue = states.QUEUED, queue
        _publish_row(row)
        enqueue_step(row.pk, queue)


# ---------------------------------------------------------------- execute


def log_dir() -> Path:
    path = Path(getattr(settings, "PIPEWRIGHT_LOG_DIR", settings.VAR_DIR / "logs"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class _LogSink:
    """Appends step output to its log file and publishes it as batched "log" events, each with the
    byte offset of its first line in the file, so a client that holds the log up to there appends
    it directly and one that does not knows what to fetch (`?offset=`)."""

    def __init__(self, run_id: int, node: str, path: Path):
        self.run_id, self.node = run_id, node
        self.file = path.open("ab")
        self.pos = self.file.tell()  # a retry appends to the earlier attempts' log
        self.start = self.pos
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.last = time.monotonic()

    def line(self, text: str) -> None:
        data = (text + "\n").encode("utf-8", errors="replace")
        with self.lock:
            self.file.write(data)
            self.file.flush()
            if not self.pending:
                self.start = self.pos
            self.pos += len(data)
            self.pending.append(text)
            if time.monotonic() - self.last > 0.2 or len(self.pending) >= 200:
                self._flush()

    def tick(self) -> None:
        """Publish lines that have waited 0.2 s: the last lines of a burst go out while the step
        is quiet, not with its next line."""
        with self.lock:
            if self.pending and time.monotonic() - self.last > 0.2:
                self._flush()

    def _flush(self) -> None:
        if self.pending:
            lines, self.pending = self.pending, []
            self.last = time.monotonic()
            try:
                events.publish(self.run_id, {"type": "log", "node": self.node, "lines": lines, "offset": self.start})
            except Exception:
                log.exception("could not publish log lines")

    def close(self) -> None:
        with self.lock:
            self._flush()
            self.file.close()


def _prepare(step: Step, row: StepRun, work: Path) -> compute.StepJob:
    from modules.lookup import module_files

    if work.exists():
        shutil.rmtree(work, ignore_errors=True)
    module_dir, in_dir, out_dir = work / "module", work / "in", work / "out"
    for d in (module_dir, in_dir, out_dir):
        d.mkdir(parents=True)
    for rel, text in module_files(step.module_version_id).items():
        target = module_dir / rel
        if module_dir.resolve() not in target.resolve().parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    params_file = in_dir / "params.json"
    params_file.write_text(canonical(row.params))
    inputs: dict[str, Path] = {}
    for port, sha in row.input_hashes.items():
        if not sha or not artifacts.exists(sha):
            raise RuntimeError(f"input port '{port}': artifact {sha or '(none)'} is missing from the store")
        inputs[port] = artifacts.path_for(sha)
    for out_port, _type in step.outputs:
        (out_dir / out_port).mkdir()
    for p in [work, *work.rglob("*")]:
        os.chmod(
            p, 0o777 if p.is_dir() and (p == out_dir or out_dir in p.parents) else (0o755 if p.is_dir() else 0o644)
        )
    os.chmod(work, 0o755)
    env = dict(step.runtime.env)
    return compute.StepJob(
        name=row.container_name,
        image=step.runtime.image,
        command=list(step.runtime.command),
        env=env,
        cpu=step.runtime.cpu,
        memory_bytes=step.runtime.memory_bytes,
        timeout=step.runtime.timeout,
        module_dir=module_dir,
        inputs=inputs,
        params_file=params_file,
        out_dir=out_dir,
        labels={
            "pipewright.db": _db_label(),  # the reaper removes orphans of its own database only
            "pipewright.run": str(row.run_id),
            "pipewright.steprun": str(row.pk),
            "pipewright.attempt": str(row.attempt),
        },
    )


def _media_type(folder: Path) -> str:
    files = [p for p in folder.rglob("*") if p.is_file()]
    if len(files) == 1:
        if files[0].name == "metrics.json":
            return "application/vnd.pipewright.metrics+json"
        return mimetypes.guess_type(files[0].name)[0] or "application/octet-stream"
    return "inode/directory"


def _collect(step: Step, job: compute.StepJob) -> tuple[dict[str, str], dict[str, Any], dict[str, dict[str, Any]]]:
    """Store the step's output folders (moved, not copied: the work folder is thrown away) and read
    its metrics; returns outputs by port, metrics and the artifacts' info by sha256."""
    outputs: dict[str, str] = {}
    infos: dict[str, dict[str, Any]] = {}
    for port, _type in step.outputs:
        folder = job.out_dir / port
        if not folder.is_dir() or not any(folder.iterdir()):
            raise RuntimeError(f"output port '{port}' was not written (expected files under /out/{port}/)")
        media = _media_type(folder)
        sha, size = artifacts.store_folder(folder, move=True)
        outputs[port] = sha
        infos[sha] = {"sha256": sha, "size": size, "media_type": media}  # same bytes, same answers
    # one INSERT ... ON CONFLICT DO NOTHING: an artifact stored before keeps its row
    Artifact.objects.bulk_create(
        [Artifact(sha256=sha, size=i["size"], media_type=i["media_type"]) for sha, i in infos.items()],
        ignore_conflicts=True,
    )
    metrics: dict[str, Any] = {}
    mfile = job.out_dir / "metrics.json"
    if mfile.is_file():
        try:
            loaded = json.loads(mfile.read_text())
            metrics = loaded if isinstance(loaded, dict) else {"value": loaded}
        except ValueError:
            metrics = {"error": "metrics.json is not valid JSON"}
    return outputs, metrics, infos


def execute_step(step_id: int) -> str | None:
    """Claim a queued step, run one attempt, record the outcome, then advance its run."""
    me = worker_id()
    now = timezone.now()
    with transaction.atomic():
        row = StepRun.objects.select_related("run").defer("run__plan").filter(pk=step_id).first()
        if row is None:
            return None
        attempt = row.attempt + 1
        name = f"pw-step-{row.pk}-{attempt}"
        # unique even when a fresh database reuses run ids; named by the step run, not the node id
        stamp = row.run.created_at.strftime("%Y%m%dT%H%M%S%f")
        log_path = log_dir() / f"run-{row.run_id}-{stamp}" / f"step-{row.pk}.log"
        # the claim: only one worker moves this attempt from queued to running
        if not _move_step(
            step_id,
            states.RUNNING,
            extra=Q(attempt=row.attempt),
            worker_id=me,
            heartbeat_at=now,
            started_at=now,
            attempt=attempt,
            exit_code=None,
            error="",
            container_name=name,
            log_path=str(log_path),
        ):
            return None  # someone else has it, or it was canceled
        row.status, row.attempt, row.worker_id, row.started_at = states.RUNNING, attempt, me, now
        row.exit_code, row.error, row.container_name, row.log_path = None, "", name, str(log_path)
        _publish_row(row)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    run = row.run
    step = plan_of(run).step(row.node)
    mine = Q(worker_id=me, attempt=attempt)
    work = Path(settings.WORK_ROOT) / f"step-{row.pk}-{attempt}"
    try:
        outcome = _attempt(step, row, work, mine)
        _record(step, row, outcome, mine)
        advance_run(run.pk)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # after the result is out: it is not on the clock
    return StepRun.objects.filter(pk=step_id).values_list("status", flat=True).first()


@dataclass
class _Attempt(compute.StepOutcome):
    """An attempt's outcome and, when it succeeded, what it produced."""

    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)


def _attempt(step: Step, row: StepRun, work: Path, mine: Q) -> _Attempt:
    """Run one attempt with a heartbeat; a step's own failure is an outcome, never an exception."""
    sink = _LogSink(row.run_id, row.node, Path(row.log_path))
    if row.attempt > 1:
        sink.line(f"--- attempt {row.attempt} ---")
    lost = threading.Event()
    done = threading.Event()

    def beat() -> None:
        from django.db import connection

        try:
            while not done.wait(heartbeat_seconds()):
                try:
                    n = (
                        StepRun.objects.filter(pk=row.pk, status=states.RUNNING)
                        .filter(mine)
                        .update(heartbeat_at=timezone.now())
                    )
                    if n == 0:
                        lost.set()
                except Exception:
                    log.exception("heartbeat failed")
        finally:
            connection.close()  # this thread's own connection

    def should_stop() -> bool:  # polled by the backend while the step runs
        sink.tick()
        return lost.is_set()

    beater = threading.Thread(target=beat, daemon=True)
    beater.start()
    target = compute.backend(compute.target_of(row.queue))
    try:
        job = _prepare(step, row, work)
        result = _Attempt(**dataclasses.asdict(target.run(job, sink.line, should_stop)))
        if result.exit_code == 0 and not result.error:
            result.outputs, result.metrics, result.infos = _collect(step, job)
    except Exception as exc:  # a step's own failure (or the engine's absence), never the worker's
        result = _Attempt(None, str(exc) or exc.__class__.__name__)
    finally:
        done.set()
        sink.close()
    return result


def _record(step: Step, row: StepRun, outcome: _Attempt, mine: Q) -> None:
    """Record an attempt's outcome if this worker still owns it."""
    if outcome.stopped:
        return  # canceled or taken over by the reaper: whoever moved it owns the next state
    if outcome.exit_code != 0 or outcome.error:
        message = outcome.error or f"exited with code {outcome.exit_code}"
        retries = step.runtime.retries
        _fail_attempt(row.pk, row.attempt, message, exit_code=outcome.exit_code, extra=mine, retries=retries)
        return
    finished = timezone.now()
    with transaction.atomic():
        if not _move_step(
            row.pk,
            states.SUCCEEDED,
            extra=mine,
            outputs=outcome.outputs,
            metrics=outcome.metrics,
            exit_code=0,
            finished_at=finished,
        ):
            return
        if row.cache_key:  # the first step to produce a key owns its entry
            entry = CacheEntry(
                cache_key=row.cache_key,
                node=row.node,
                module=row.module,
                step_run_id=row.pk,
                outputs=outcome.outputs,
                module_digest=step.digest,
                params=row.params,
                input_hashes=row.input_hashes,
            )
            CacheEntry.objects.bulk_create([entry], ignore_conflicts=True)
        row.status, row.outputs, row.metrics = states.SUCCEEDED, outcome.outputs, outcome.metrics
        row.exit_code, row.finished_at = 0, finished
        _publish_row(row, outcome.infos)


def _fail_attempt(
    step_id: int, attempt: int, message: str, *, exit_code: int | None, extra: Q, retries: int
) -> str | None:
    """Queue the step again while it has retries left, else fail it; returns the status it moved
    to, or None when the attempt was no longer this caller's to end."""
    with transaction.atomic():
        if attempt <= retries:
            row = StepRun.objects.get(pk=step_id)
            if _move_step(
                step_id,
                states.QUEUED,
                extra=extra,
                error=f"attempt {attempt} failed: {message}",
                exit_code=exit_code,
                worker_id="",
                heartbeat_at=None,
            ):
                _publish_step(step_id)
                enqueue_step(step_id, compute.queue_for(compute.target_of(row.queue)))
                return states.QUEUED
        elif _move_step(
            step_id, states.FAILED, extra=extra, error=message, exit_code=exit_code, finished_at=timezone.now()
        ):
            _publish_step(step_id)
            return states.FAILED
    return None


# ---------------------------------------------------------------- cancel / reap


def cancel_run(run: Run) -> Run:
    if run.status in states.RUN_TERMINAL:
        raise Conflict(f"Run {run.pk} already {run.status}.")
    now = timezone.now()
    to_kill: list[tuple[str, str]] = []
    with transaction.atomic():
        Run.objects.select_for_update().get(pk=run.pk)
        for row in run.steps.exclude(status__in=states.STEP_TERMINAL):
            was_running = row.status == states.RUNNING
            if _move_step(row.pk, states.CANCELED, finished_at=now, error="canceled"):
                _publish_step(row.pk)
                if was_running and row.container_name:
                    to_kill.append((row.queue, row.container_name))
        if _move_run(run.pk, states.CANCELED, finished_at=now, error="canceled"):
            _publish_run(run.pk)

        def kill() -> None:
            for queue, name in to_kill:  # a local step in another process stops on its lost claim
                with contextlib.suppress(Exception):
                    compute.backend(compute.target_of(queue)).kill(name)

        transaction.on_commit(kill)
    run.refresh_from_db()
    return run


def reap() -> dict[str, int]:
    """Retry or fail attempts whose heartbeat stopped; remove containers no attempt owns."""
    cutoff = timezone.now() - timedelta(seconds=heartbeat_timeout())
    stale = StepRun.objects.filter(status=states.RUNNING, heartbeat_at__lt=cutoff)
    retried = failed = removed = 0
    for row in stale.select_related("run").defer("run__plan"):
        step = plan_of(row.run).step(row.node)
        extra = Q(attempt=row.attempt, worker_id=row.worker_id, heartbeat_at__lt=cutoff)
        message = f"the worker stopped sending heartbeats (attempt {row.attempt})"
        # a lost worker is not the step's fault: it gets one attempt more than its own retries
        moved = _fail_attempt(
            row.pk, row.attempt, message, exit_code=None, extra=extra, retries=step.runtime.retries + 1
        )
        if moved == states.QUEUED:
            retried += 1
        elif moved == states.FAILED:
            failed += 1
            enqueue_advance(row.run_id)
        if row.container_name:
            _remove_container(row.container_name)
    removed += _remove_orphans()
    return {"retried": retried, "failed": failed, "removed": removed}


def _remove_container(name: str) -> None:
    try:
        from runner.compute.docker import DockerBackend

        DockerBackend().remove(name)
    except Exception:
        pass


def _db_label() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"{db.get('HOST') or ''}:{db.get('PORT') or ''}/{db.get('NAME')}"


def _remove_orphans() -> int:
    """Remove step containers of this database that no running attempt owns."""
    try:
        from runner.compute.docker import DockerBackend

        names = DockerBackend().running_names(labels={"pipewright.db": _db_label()})
    except Exception:
        return 0
    owned = set(StepRun.objects.filter(status=states.RUNNING).values_list("container_name", flat=True))
    removed = 0
    for name in names:
        if name.startswith("pw-step-") and name not in owned:
            _remove_container(name)
            removed += 1
    return removed

"""Starting runs (new, rerun in each mode) and canceling them. Views validate; these act."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from compiler.parameters import check_run_parameters
from compiler.plan import Plan, Step
from modules.models import ModuleVersion, VersionStatus
from pipewright.errors import Conflict, LocatedError
from runner import events, hosts, inflight, queue, states
from runner.models import Run, StepRun
from runner.transitions import move_run

log = logging.getLogger(__name__)

RERUN_MODES = ("all", "failed", "from")


def validate_parameters(plan: Plan, given: Any) -> dict[str, Any]:
    """A run's pipeline parameter values (the given ones over the defaults), or a 400 naming each
    value that is unknown, missing, of the wrong type, or outside a bound module parameter's schema."""
    values, problems = check_run_parameters(plan, given)
    if problems:
        first = problems[0]
        raise LocatedError(f"{first['field']} {first['message']}.", problems)
    return values


def refuse_disabled_modules(plan: Plan) -> None:
    """A 400 naming every node whose pinned module version has been disabled since the pipeline
    was saved: a disabled version never runs again (past runs keep their history)."""
    disabled = set(
        ModuleVersion.objects.filter(
            pk__in={s.module_version_id for s in plan.every_step()}, status=VersionStatus.DISABLED
        ).values_list("pk", flat=True)
    )
    if not disabled:
        return
    errors = [
        {
            "node": s.node,
            "field": "version",
            "message": f"{s.module}@{s.version} is disabled; pin another version and save the pipeline",
        }
        for s in plan.every_step()
        if s.module_version_id in disabled
    ]
    first = errors[0]
    raise LocatedError(f"Node '{first['node']}': {first['message']}.", errors)


def refuse_missing_gpus(plan: Plan) -> None:
    """A 400 naming every node that asks for more GPUs than the installation declares
    (`PIPEWRIGHT_GPUS`, 0 by default): such a step would wait for a device that is not there."""
    available = settings.PIPEWRIGHT_GPUS
    errors = [
        {
            "node": s.node,
            "field": "compute.gpus",
            "message": (
                f"asks for {s.runtime.gpus} GPU(s) but this installation has "
                + ("no GPUs" if available == 0 else f"only {available}")
                + " (the operator declares them with PIPEWRIGHT_GPUS)"
            ),
        }
        for s in plan.every_step()
        if s.runtime.gpus > available
    ]
    if errors:
        first = errors[0]
        raise LocatedError(f"Node '{first['node']}' {first['message']}.", errors)


def descendants(plan: Plan, node: str) -> set[str]:
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
    cloned_from: Run | None = None,
) -> Run:
    """A run of a runnable pipeline version; its first advance is enqueued after commit."""
    if pipeline_version.plan is None:
        raise LocatedError(
            "This pipeline version did not compile and cannot run.", [{"field": "version", "message": "not runnable"}]
        )
    plan = Plan.from_json(pipeline_version.plan)
    refuse_disabled_modules(plan)
    refuse_missing_gpus(plan)
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
        cloned_from=cloned_from,
    )
    force_nodes = force_nodes or set()
    reuse = reuse or {}
    now = timezone.now()
    rows = []
    for step in plan.steps:
        row = StepRun(
            run=run,
            node=step.node,
            label=step.label[:200],
            module=step.module,
            version=step.version,
            force=step.node in force_nodes,
            foreach=step.node if step.foreach is not None else "",
        )
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
    queue.enqueue_advance(run.pk)
    return run


def unchanged_steps(before: Plan, after: Plan, values: dict[str, Any]) -> set[str]:
    """Nodes of `after` that compute exactly what they computed in `before` with these parameter
    values: the same module version, resolved parameters, inputs and runtime (a label does not
    count), and every upstream step unchanged too."""

    def essence(step: Step) -> Step:
        return dataclasses.replace(step, label="", params=step.resolve_params(values), param_schemas={})

    old = {s.node: s for s in before.steps}
    same: set[str] = set()
    for step in after.steps:  # topological order
        was = old.get(step.node)
        if was is not None and all(u in same for u in step.upstream) and essence(was) == essence(step):
            same.add(step.node)
    return same


def rerun(
    parent: Run,
    mode: str,
    *,
    node: str | None,
    parameters: Any,
    use_cache: bool | None,
    user: Any,
    version: Any = None,
) -> Run:
    """A run linked to `parent`. With `version` (another version of the parent's pipeline, e.g.
    saved after fixing a failed step) the new run executes that version: mode `failed` then
    resumes, reusing the parent's outputs of every step the edit left unchanged."""
    if mode not in RERUN_MODES:
        raise LocatedError(
            f"mode must be one of {', '.join(RERUN_MODES)}.",
            [{"field": "mode", "message": f"must be one of {', '.join(RERUN_MODES)}"}],
        )
    before = Plan.from_json(parent.plan)
    target = version if version is not None else parent.pipeline_version
    plan = before if version is None else Plan.from_json(version.plan)
    declared = {p.name for p in plan.parameters}
    # the parent's values, less any the target version no longer declares
    carried = (
        dict(parent.parameters) if version is None else {k: v for k, v in parent.parameters.items() if k in declared}
    )
    params = carried if parameters is None else parameters
    cache = parent.use_cache if use_cache is None else bool(use_cache)
    if mode == "all":
        return create_run(target, params, cache, user, parent=parent, rerun_mode=mode)
    if mode == "from":
        nodes = {s.node for s in plan.steps}
        if not node:
            raise LocatedError(
                "mode 'from' needs the node to rerun from.",
                [{"field": "node", "message": "is required for mode 'from'"}],
            )
        if node not in nodes:
            where = "this run" if version is None else f"version {target.number}"
            raise LocatedError(
                f"{where[0].upper()}{where[1:]} has no step '{node}'.",
                [{"field": "node", "message": f"no step '{node}' in {where}"}],
            )
        return create_run(
            target,
            params,
            cache,
            user,
            parent=parent,
            rerun_mode=mode,
            force_nodes=descendants(plan, node),
        )
    # failed: reuse every step that succeeded in the parent (same parameters) and that the target
    # version left unchanged; run the rest
    if parameters is not None and before.parameter_values(parameters) != parent.parameters:
        raise LocatedError(
            "mode 'failed' reruns with the parent's parameters; use mode 'all' to change them.",
            [{"field": "parameters", "message": "cannot change in mode 'failed'"}],
        )
    if parent.status not in states.RUN_TERMINAL:
        raise Conflict(f"Run {parent.pk} is still {parent.status}; wait for it to finish or cancel it first.")
    ok = {s.node: s for s in parent.steps.filter(status__in=states.STEP_DONE_OK)}
    if version is not None:
        same = unchanged_steps(before, plan, plan.parameter_values(carried))
        ok = {n: s for n, s in ok.items() if n in same}
    return create_run(target, carried, cache, user, parent=parent, rerun_mode=mode, reuse=ok)


def _cancel_open_steps(run_id: int, now: Any) -> list[tuple[int, str, str, str, str]]:
    """Every step of the run that may still move to `canceled`, moved in one UPDATE; returns
    (id, host, queue, container name, worker id) of each (a worker id: it was claimed)."""
    table = StepRun._meta.db_table
    sql = (
        f'UPDATE "{table}" SET "status" = %s, "finished_at" = %s, "error" = %s'
        ' WHERE "run_id" = %s AND "status" = ANY(%s)'
        ' RETURNING "id", "host", "queue", "container_name", "worker_id"'
    )
    open_ = list(states.sources(states.STEP_TRANSITIONS, states.CANCELED))
    with connection.cursor() as cursor:
        cursor.execute(sql, [states.CANCELED, now, "canceled", run_id, open_])
        return [tuple(r) for r in cursor.fetchall()]


def cancel_run(run: Run) -> Run:
    """Cancel a run and every step not done yet, in a fixed number of statements whatever their
    count (a run of thousands of steps, or a for-each's items): one UPDATE for the pending items
    (one event per node), one for the other open steps, whose events go out as one batch; the
    containers of the steps that were running are then stopped on their hosts."""
    if run.status in states.RUN_TERMINAL:
        raise Conflict(f"Run {run.pk} already {run.status}.")
    now = timezone.now()
    to_kill: list[tuple[str, str, str]] = []
    with transaction.atomic(), events.batch(run.pk):
        Run.objects.select_for_update().get(pk=run.pk)
        # a for-each's items not started yet (there may be thousands): one UPDATE, one event per node
        waiting = run.steps.filter(item__isnull=False, status=states.PENDING)
        for node in sorted(set(waiting.values_list("foreach", flat=True))):
            n = waiting.filter(foreach=node).update(status=states.CANCELED, finished_at=now, error="canceled")
            events.publish(run.pk, {"type": "foreach", "node": node, "canceled": n})
        moved = _cancel_open_steps(run.pk, now)
        if moved:
            ids = [pk for pk, *_ in moved]
            inflight.release_many(ids)  # steps of other runs waiting for these execute themselves
            rows = {r.pk: r for r in StepRun.objects.filter(pk__in=ids).select_related("reused_from")}
            for pk, host, step_queue, name, worker in sorted(moved):
                events.publish_row(rows[pk])
                if worker and name:  # claimed by a worker: its container runs (or is starting)
                    to_kill.append((host, step_queue, name))
        if move_run(run.pk, states.CANCELED, finished_at=now, error="canceled"):
            events.publish_run(run.pk)

        def kill() -> None:
            # on the engine of the host that runs each step (its queue), not only the one next to
            # this process; its worker also stops it on the lost claim
            for host, step_queue, name in to_kill:
                hosts.kill_on_host(host, step_queue, name)

        transaction.on_commit(kill)
    run.refresh_from_db()
    return run

"""Trying a module draft: run its unpublished spec and files once, in a real container, on chosen
inputs, before publishing (the module editor's "Try it").

`do_start_trial` records a `Trial` (inputs already in the artifact store: a dataset version's
upload or a sample table stored on the spot) and sends it to the compute queue of the team's
target; `run_trial` (the Celery task's body) claims it, runs the container under the same contract
and limits as a step (the work folder and container named with this installation's id, so the
sweep's orphan and folder passes know it), stores the outputs as artifacts and records the
outcome. Trials are no module versions: nothing else resolves or runs them, and `expire_trials`
(run by the sweep) deletes them after `PIPEWRIGHT_TRIAL_KEEP_SECONDS` and fails one whose worker
died."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from artifacts.backend import current
from modules import spec as specs
from modules.envnames import without_reserved
from modules.models import Module
from runner import compute, hosts, installation, queue
from runner.cachekeys import canonical
from runner.failures import failure_message
from runner.models import Artifact, Trial
from runner.workspace import collect, grant_worker

log = logging.getLogger(__name__)

TRIAL_TASK = "runner.run_trial"
LOG_TAIL_BYTES = 256 * 1024


def container_name(trial_id: int) -> str:
    return f"pw-{installation.installation_id()}-trial{trial_id}-1"


def work_folder(trial_id: int) -> Path:
    return Path(settings.WORK_ROOT) / container_name(trial_id)


def store_sample(csv_text: str) -> str:
    """A sample table typed in the editor, stored as a DataFrame artifact (data.csv)."""
    sha, size = current().put_stream(io.BytesIO(csv_text.encode("utf-8")), "data.csv")
    Artifact.objects.get_or_create(sha256=sha, defaults={"size": size, "media_type": "text/csv"})
    return sha


@transaction.atomic
def do_start_trial(
    module: Module,
    spec: dict[str, Any],
    files: dict[str, str],
    params: dict[str, Any],
    inputs: dict[str, str],
    *,
    user: Any = None,
) -> Trial:
    trial = Trial.objects.create(
        team=module.team,
        module=module,
        spec=spec,
        files=files,
        params=params,
        inputs=inputs,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    target = compute.target_for_team(module.team_id)
    transaction.on_commit(lambda: queue.send(TRIAL_TASK, trial.pk, compute.queue_for(target)))
    return trial


def _prepare(trial: Trial, work: Path, pins: contextlib.ExitStack) -> compute.StepJob:
    if work.exists():
        shutil.rmtree(work, ignore_errors=True)
    module_dir, in_dir, out_dir = work / "module", work / "in", work / "out"
    for d in (module_dir, in_dir, out_dir):
        d.mkdir(parents=True)
    for rel, text in trial.files.items():
        target = module_dir / rel
        if module_dir.resolve() not in target.resolve().parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    params_file = in_dir / "params.json"
    params_file.write_text(canonical(trial.params))
    inputs: dict[str, Path] = {}
    for port, sha in trial.inputs.items():
        if not current().exists(sha):
            raise RuntimeError(f"input port '{port}': artifact {sha} is missing from the store")
        # a local read-only folder, held until the trial has run (S3: the worker's input cache)
        inputs[port] = pins.enter_context(current().local_folder(sha))
    for port in trial.spec.get("outputs") or []:
        (out_dir / port["name"]).mkdir()
    for p in [work, *work.rglob("*")]:
        inside_out = p == out_dir or out_dir in p.parents
        p.chmod(0o777 if p.is_dir() and inside_out else (0o755 if p.is_dir() else 0o644))
    if os.geteuid() != 0:
        for p in [out_dir, *out_dir.iterdir()]:
            grant_worker(p, os.geteuid())
    runtime = trial.spec["runtime"]
    resources = runtime.get("resources") or {}
    return compute.StepJob(
        name=trial.container_name,
        image=runtime["image"],
        command=list(runtime["command"]),
        env=without_reserved(runtime.get("env") or {}),
        cpu=float(resources.get("cpu", 1)),
        memory_bytes=specs.runtime_memory_bytes(trial.spec),
        timeout=min(int(runtime.get("timeout", 600)), settings.PIPEWRIGHT_TRIAL_TIMEOUT),
        module_dir=module_dir,
        inputs=inputs,
        params_file=params_file,
        out_dir=out_dir,
        labels={**hosts.labels(), "pipewright.trial": str(trial.pk)},
    )


def run_trial(trial_id: int) -> str | None:
    """Claim a queued trial, run it, record the outcome; returns its status (None: not ours)."""
    name = container_name(trial_id)
    log_path = Path(settings.PIPEWRIGHT_LOG_DIR) / "trials" / f"trial-{trial_id}.log"
    claimed = Trial.objects.filter(pk=trial_id, status="queued").update(
        status="running", started_at=timezone.now(), container_name=name, log_path=str(log_path)
    )
    if not claimed:
        return None
    trial = Trial.objects.get(pk=trial_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    work = work_folder(trial_id)
    outputs: dict[str, str] = {}
    metrics: dict[str, Any] = {}
    exit_code: int | None = None
    error = ""
    with log_path.open("ab") as fh:

        def line(text: str) -> None:
            fh.write((text + "\n").encode("utf-8", errors="replace"))
            fh.flush()

        try:
            with contextlib.ExitStack() as pins:
                job = _prepare(trial, work, pins)
                outcome = compute.backend(compute.target_for_team(trial.team_id)).run(job, line, lambda: False)
            exit_code = outcome.exit_code
            error = outcome.error
            if exit_code == 0 and not error:
                ports = tuple((p["name"], p["type"]) for p in trial.spec.get("outputs") or [])
                outputs, metrics, _infos = collect(types.SimpleNamespace(outputs=ports), job)  # type: ignore[arg-type]
        except Exception as exc:  # the draft's failure (or the engine's absence), never the worker's
            error = str(exc) or exc.__class__.__name__
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if exit_code not in (0, None) and not error:
        error = failure_message(exit_code, tail(trial_id, log_path))
    ok = exit_code == 0 and not error
    Trial.objects.filter(pk=trial_id, status="running").update(
        status="succeeded" if ok else "failed",
        exit_code=exit_code,
        error="" if ok else error or "the trial did not finish",
        outputs=outputs,
        metrics=metrics,
        finished_at=timezone.now(),
    )
    return "succeeded" if ok else "failed"


def tail(trial_id: int, path: Path) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - LOG_TAIL_BYTES))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def read_log(trial: Trial, offset: int) -> tuple[str, int]:
    """The log from byte `offset` on (at most LOG_TAIL_BYTES) and the offset after it."""
    if not trial.log_path:
        return "", 0
    try:
        with open(trial.log_path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(LOG_TAIL_BYTES)
    except OSError:
        return "", offset
    return data.decode("utf-8", errors="replace"), offset + len(data)


def expire_trials() -> int:
    """Delete trials older than the keep time (and their logs); fail running ones whose worker died
    (running past their timeout plus the heartbeat timeout). Returns how many changed."""
    now = timezone.now()
    old = Trial.objects.filter(created_at__lt=now - timedelta(seconds=settings.PIPEWRIGHT_TRIAL_KEEP_SECONDS))
    for path in old.exclude(log_path="").values_list("log_path", flat=True):
        Path(path).unlink(missing_ok=True)
    deleted, _ = old.delete()
    cutoff = now - timedelta(seconds=settings.PIPEWRIGHT_TRIAL_TIMEOUT + settings.PIPEWRIGHT_HEARTBEAT_TIMEOUT + 60)
    stale = Trial.objects.filter(status="running", started_at__lt=cutoff).update(
        status="failed", error="the worker running the trial stopped", finished_at=now
    )
    return deleted + stale

"""A step attempt's work folder on the worker's disk: the module's files, its inputs and params,
and empty output folders; afterwards, the outputs moved into the artifact store."""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
from pathlib import Path
from typing import Any

from artifacts import store
from compiler.plan import Step
from modules.lookup import module_files
from runner import compute, installation
from runner.cachekeys import canonical
from runner.models import Artifact, StepRun


def prepare(step: Step, row: StepRun, work: Path) -> compute.StepJob:

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
        if not sha or not store.exists(sha):
            raise RuntimeError(f"input port '{port}': artifact {sha or '(none)'} is missing from the store")
        inputs[port] = store.path_for(sha)
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
            **installation.labels(),  # the reaper and cancel touch this installation's containers only
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


def collect(step: Step, job: compute.StepJob) -> tuple[dict[str, str], dict[str, Any], dict[str, dict[str, Any]]]:
    """Store the step's output folders (moved, not copied: the work folder is thrown away) and read
    its metrics; returns outputs by port, metrics and the artifacts' info by sha256."""
    outputs: dict[str, str] = {}
    infos: dict[str, dict[str, Any]] = {}
    for port, _type in step.outputs:
        folder = job.out_dir / port
        if not folder.is_dir() or not any(folder.iterdir()):
            raise RuntimeError(f"output port '{port}' was not written (expected files under /out/{port}/)")
        media = _media_type(folder)
        sha, size = store.store_folder(folder, move=True)
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

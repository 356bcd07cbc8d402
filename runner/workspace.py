"""A step attempt's work folder on the worker's disk: the module's files, its inputs and params,
and empty output folders; afterwards, the outputs copied into the artifact store.

Outputs are data, never links: anything under the output folder that is not a regular file or a
folder (a symbolic link, a second hard link, a device, a FIFO, a socket) fails the step with an
error naming it, and nothing is read through it. Collecting needs no root: the store copies the
bytes of files the step made (a container writes them as uid 65534), so they must only be
readable; when the worker is not root, the output folders carry a default ACL granting the worker
read and write on what the step creates in them, so it can read and later delete them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import mimetypes
import os
import shutil
import struct
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from artifacts import store
from artifacts.backend import current
from compiler.plan import Step
from modules.envnames import without_reserved
from modules.lookup import module_files
from runner import compute, hosts
from runner.cachekeys import canonical
from runner.models import Artifact, StepRun

log = logging.getLogger(__name__)

# Linux POSIX ACL xattr (acl_ea.h): a version, then (tag, permissions, id) entries sorted by tag
_ACL_VERSION, _USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 2, 0x01, 0x02, 0x04, 0x10, 0x20
_NO_ID = 0xFFFFFFFF


def grant_worker(folder: Path, uid: int) -> bool:
    """Give `folder` a default ACL so what a step (another uid) creates inside stays readable and
    removable by the worker's uid; False where the filesystem has no ACLs."""
    entries = [
        (_USER_OBJ, 7, _NO_ID),
        (_USER, 7, uid),
        (_GROUP_OBJ, 5, _NO_ID),
        (_MASK, 7, _NO_ID),
        (_OTHER, 5, _NO_ID),
    ]
    value = struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)
    try:
        os.setxattr(folder, "system.posix_acl_default", value, follow_symlinks=False)
        return True
    except OSError as exc:
        log.warning("no default ACL on %s (%s): a step's files must be readable by others", folder, exc)
        return False


@functools.lru_cache(maxsize=256)
def _module_files(module_version_id: int, digest: str) -> tuple[tuple[str, str], ...]:
    """A module version's files, read once per process: a version never changes (its digest,
    part of the key, covers its files, so a recreated database's reused id is a miss)."""
    return tuple(module_files(module_version_id).items())


def prepare(
    step: Step, row: StepRun, work: Path, pins: contextlib.ExitStack, extra_env: dict[str, str] | None = None
) -> compute.StepJob:
    """The attempt's work folder and job. Each input is a local read-only folder held in `pins`
    until the caller closes it (the local store's folder, or an entry of the worker's input cache
    fetched by hash from S3 and verified): close it after the step has run. `extra_env` is set by
    the runner itself (after the spec's reserved names are dropped), e.g. an exit step's
    PIPEWRIGHT_RUN_OUTCOME."""

    if work.exists():
        shutil.rmtree(work, ignore_errors=True)
    module_dir, in_dir, out_dir = work / "module", work / "in", work / "out"
    for d in (module_dir, in_dir, out_dir):
        d.mkdir(parents=True)
    for rel, text in _module_files(step.module_version_id, step.digest):
        target = module_dir / rel
        if module_dir.resolve() not in target.resolve().parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    params_file = in_dir / "params.json"
    params_file.write_text(canonical(row.params))
    inputs: dict[str, Path] = {}
    artifacts = current()
    for port, sha in row.input_hashes.items():
        if not sha or not artifacts.exists(sha):
            raise RuntimeError(f"input port '{port}': artifact {sha or '(none)'} is missing from the store")
        try:
            inputs[port] = pins.enter_context(artifacts.local_folder(sha))
        except (OSError, RuntimeError) as exc:
            raise RuntimeError(f"input port '{port}': artifact {sha} could not be fetched: {exc}") from exc
    for out_port, _type in step.outputs:
        (out_dir / out_port).mkdir()
    for p in [work, *work.rglob("*")]:
        os.chmod(
            p, 0o777 if p.is_dir() and (p == out_dir or out_dir in p.parents) else (0o755 if p.is_dir() else 0o644)
        )
    os.chmod(work, 0o755)
    if os.geteuid() != 0:  # a root worker reads and removes anything; another uid needs the ACL
        for p in [out_dir, *out_dir.iterdir()]:
            grant_worker(p, os.geteuid())
    env = without_reserved(step.runtime.env)  # a spec stored before the rule may still hold some
    env.update(extra_env or {})
    return compute.StepJob(
        name=row.container_name,
        image=step.runtime.image,
        command=list(step.runtime.command),
        env=env,
        cpu=step.runtime.cpu,
        memory_bytes=step.runtime.memory_bytes,
        timeout=step.runtime.timeout,
        gpus=step.runtime.gpus,
        module_dir=module_dir,
        inputs=inputs,
        params_file=params_file,
        out_dir=out_dir,
        labels={
            **hosts.labels(),  # this installation's and host's: its janitor touches only these
            "pipewright.run": str(row.run_id),
            "pipewright.steprun": str(row.pk),
            "pipewright.attempt": str(row.attempt),
        },
    )


def _media_type(files: list[str]) -> str:
    if len(files) == 1:
        name = files[0].rsplit("/", 1)[-1]
        if name == "metrics.json":
            return "application/vnd.pipewright.metrics+json"
        return mimetypes.guess_type(name)[0] or "application/octet-stream"
    return "inode/directory"


def check_outputs(step: Step, out_dir: Path) -> None:
    """Fail (RuntimeError naming the path) when anything under the output folder is not a regular
    file or a folder; nothing is followed or read while looking."""
    ports = {port for port, _type in step.outputs}
    try:
        store.members(out_dir)
    except store.UnsafeEntry as exc:
        port, _, rest = exc.path.partition("/")
        if port in ports:
            raise RuntimeError(f"output port '{port}': {exc.named(rest or port)}") from exc
        raise RuntimeError(f"output folder /out: {exc}") from exc


def record_artifacts(infos: dict[str, dict[str, Any]]) -> None:
    """The artifacts' rows (size, media type) for `collect`'s infos, in one INSERT ... ON CONFLICT
    DO NOTHING (an artifact stored before keeps its row), committed on their own without waiting
    for the disk: the rows are information about bytes already in the store, and the step's
    record, committed after them and flushed, makes them durable with it (the log is written in
    order). Not in the record's transaction: two steps making the same bytes would then take the
    row's lock and their runs' locks in opposite orders."""
    if not infos:
        return
    rows = [Artifact(sha256=sha, size=i["size"], media_type=i["media_type"]) for sha, i in sorted(infos.items())]
    if connection.in_atomic_block:  # a caller's transaction: its own commit decides
        Artifact.objects.bulk_create(rows, ignore_conflicts=True)
        return
    # one statement, its own transaction, in one round trip (not BEGIN, SET LOCAL, INSERT, COMMIT):
    # set_config(..., true) lasts until that transaction's commit, which reads it
    table = connection.ops.quote_name(Artifact._meta.db_table)
    sql = (
        "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))"
        f" INSERT INTO {table} (sha256, size, media_type, created_at)"
        " SELECT r.sha256, r.size, r.media_type, %s::timestamptz FROM quick,"
        " unnest(%s::text[], %s::bigint[], %s::text[]) AS r(sha256, size, media_type)"
        " ON CONFLICT (sha256) DO NOTHING"
    )
    params = [timezone.now(), [r.sha256 for r in rows], [r.size for r in rows], [r.media_type for r in rows]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def collect(step: Step, job: compute.StepJob) -> tuple[dict[str, str], dict[str, Any], dict[str, dict[str, Any]]]:
    """Store the step's output folders (copied with the hardened walk and hashed on this worker,
    uploaded and committed when the store is remote, then removed: the work folder is thrown away)
    and read its metrics; returns outputs by port, metrics and the artifacts' info by sha256. The
    step is marked succeeded only after this returns: its outputs are committed by then."""
    check_outputs(step, job.out_dir)
    outputs: dict[str, str] = {}
    infos: dict[str, dict[str, Any]] = {}
    for port, _type in step.outputs:
        folder = job.out_dir / port
        files = store.members(folder)[0] if folder.is_dir() else []
        if not files:
            raise RuntimeError(f"output port '{port}' was not written (expected files under /out/{port}/)")
        try:
            sha, size = current().put_folder(folder, move=True)
        except store.UnsafeEntry as exc:  # changed since the check (a process the step left behind)
            raise RuntimeError(f"output port '{port}': {exc}") from exc
        outputs[port] = sha
        infos[sha] = {"sha256": sha, "size": size, "media_type": _media_type(files)}  # same bytes, same answers
    record_artifacts(infos)
    metrics: dict[str, Any] = {}
    if os.path.isfile(job.out_dir / "metrics.json"):  # checked above: a regular file, not a link
        try:
            with store.open_member(job.out_dir, "metrics.json") as fh:
                loaded = json.loads(fh.read())
            metrics = loaded if isinstance(loaded, dict) else {"value": loaded}
        except store.UnsafeEntry as exc:
            raise RuntimeError(f"output folder /out: {exc}") from exc
        except ValueError:
            metrics = {"error": "metrics.json is not valid JSON"}
    return outputs, metrics, infos

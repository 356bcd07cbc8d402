"""Artifacts as the API serves them: which ones a user may read, their files, a zip of several,
and a preview for the canvas (table head, image, metrics, a sandboxed HTML/SVG/Markdown
document (`runner.documents`), or the file list). Everything streams from the artifact store
(`artifacts.backend.current()`): a file, a zip of several, a preview's head; none is read whole
into memory."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import quote

from django.core.cache import cache
from django.db.models.expressions import RawSQL

from artifacts import store
from artifacts.backend import current
from artifacts.stores import File
from designer.datasets import CsvProblem, scan_csv
from designer.models import DatasetVersion
from pipewright.errors import Conflict, NotFound
from runner import documents
from runner.models import Artifact, StepRun, Trial
from teams.scoping import visible_team_ids

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}  # raster only: SVG is a document
PREVIEW_ROWS = 20
LISTED_FILES = 50
PROFILE_MAX_BYTES = 64 * 1024 * 1024  # a bigger table's preview comes without a column profile
CURVES_MAX_BYTES = 2 * 1024 * 1024
CURVES_FILE = "curves.json"


def table_profile(sha256: str, rel: str, size: int) -> dict[str, Any] | None:
    """The column profile of a step's table output (the dataset profiler: statistics of the first
    200,000 rows), cached by content hash (artifacts never change); None when the file is too big
    or does not parse."""
    key = f"pw:table-profile:{sha256}:{rel}"
    found = cache.get(key)
    if found is not None:
        return found or None
    profile: dict[str, Any] = {}
    if size <= PROFILE_MAX_BYTES:
        # the profiler reads the file twice: a stream from a remote store (S3) is spooled to a
        # local temporary file first (at most PROFILE_MAX_BYTES, checked above)
        with open_file(sha256, rel) as fh, contextlib.ExitStack() as stack:
            seekable: BinaryIO = fh
            if not fh.seekable():
                seekable = stack.enter_context(tempfile.TemporaryFile())
                shutil.copyfileobj(fh, seekable, store.CHUNK)
                seekable.seek(0)
            try:
                profile = scan_csv(seekable, PurePosixPath(rel).name)
            except CsvProblem:
                profile = {}
    cache.set(key, profile, timeout=24 * 3600)
    return profile or None


def _curves(fh: BinaryIO) -> dict[str, Any] | None:
    """Evaluate Model's curves (ROC, precision-recall, confusion matrix) when the file is sound."""
    raw = fh.read(CURVES_MAX_BYTES + 1)
    if len(raw) > CURVES_MAX_BYTES:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def visible_artifact(user: Any, sha: str) -> str:
    """The artifact's key, if a step or dataset of a team the user sees holds it; else 404."""
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise NotFound("Artifact not found.")
    teams = list(visible_team_ids(user))
    referenced = (
        StepRun.objects.filter(run__team_id__in=teams)
        .filter(
            pk__in=RawSQL(
                "SELECT id FROM runner_steprun WHERE outputs::jsonb @? %s::jsonpath", (f'$.* ? (@ == "{sha}")',)
            )
        )
        .exists()
    )
    if not referenced:
        referenced = DatasetVersion.objects.filter(dataset__team_id__in=teams, artifact=sha).exists()
    if not referenced:  # a module editor trial's input or output
        referenced = (
            Trial.objects.filter(team_id__in=teams)
            .filter(
                pk__in=RawSQL(
                    "SELECT id FROM runner_trial WHERE outputs::jsonb @? %s::jsonpath OR inputs::jsonb @? %s::jsonpath",
                    (f'$.* ? (@ == "{sha}")', f'$.* ? (@ == "{sha}")'),
                )
            )
            .exists()
        )
    if not referenced or not current().exists(sha):
        raise NotFound("Artifact not found.")
    return sha


def files(sha: str) -> list[str]:
    """The artifact's files (relative paths); one holding anything else (a link, say) is not served."""
    return [f.path for f in listing(sha)]


def listing(sha: str) -> list[File]:
    """The artifact's files with their sizes (as `files`)."""
    try:
        return current().files(sha)
    except store.UnsafeEntry as exc:
        raise Conflict(f"The artifact is not served: {exc}") from exc


def open_file(sha: str, rel: str) -> BinaryIO:
    """One of the artifact's files, streamed, never through a link (the caller closes it)."""
    try:
        return current().open(sha, rel)
    except store.UnsafeEntry as exc:
        raise Conflict(f"The artifact is not served: {exc}") from exc
    except FileNotFoundError as exc:
        raise NotFound(f"The artifact has no file '{rel}'.") from exc


def chosen_files(sha: str, wanted: str | None) -> list[str]:
    """Every file of the artifact, or only the one at relative path `wanted` (404 if none)."""
    found = files(sha)
    if wanted is None:
        return found
    if wanted not in found:
        raise NotFound(f"The artifact has no file '{wanted}'.")
    return [wanted]


class _Pipe:
    """A write-only sink a zip is written to, emptied by the generator after each piece."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def zip_stream(sha: str, members: list[str]) -> Iterator[bytes]:
    """A zip of the artifact's `members`, produced piece by piece (a file at a time, in chunks)."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as zf:  # type: ignore[arg-type]
        for rel in members:
            with open_file(sha, rel) as src, zf.open(rel, "w") as dst:
                while chunk := src.read(store.CHUNK):
                    dst.write(chunk)
                    yield pipe.take()
            yield pipe.take()
    yield pipe.take()


def zip_bytes(sha: str, members: list[str]) -> bytes:
    return b"".join(zip_stream(sha, members))


def preview(sha256: str) -> dict[str, Any]:
    listed = listing(sha256)  # one listing serves the preview and the profile's size check
    sizes = {f.path: f.size for f in listed}
    found = [f.path for f in listed]
    info = Artifact.objects.filter(pk=sha256).values("size", "media_type").first() or {}
    base = {"sha256": sha256, "size": info.get("size"), "files": found[:LISTED_FILES]}
    for rel in found:
        f = PurePosixPath(rel)
        if f.name == CURVES_FILE:
            with open_file(sha256, rel) as fh:
                curves = _curves(fh)
            if curves is not None:
                return {**base, "kind": "curves", "file": rel, "curves": curves}
        if f.name == "metrics.json":
            try:
                with open_file(sha256, rel) as fh:
                    return {**base, "kind": "metrics", "metrics": json.loads(fh.read())}
            except ValueError:
                continue
        if f.suffix.lower() in {".csv", ".tsv"}:
            with io.TextIOWrapper(open_file(sha256, rel), newline="", encoding="utf-8", errors="replace") as fh:
                reader = csv.reader(fh, delimiter="\t" if f.suffix.lower() == ".tsv" else ",")
                columns = next(reader, [])
                rows = [row for _, row in zip(range(PREVIEW_ROWS), reader, strict=False)]
            profile = table_profile(sha256, rel, sizes[rel])
            return {**base, "kind": "table", "file": rel, "columns": columns, "rows": rows, "profile": profile}
        if f.suffix.lower() in IMAGE_SUFFIXES:
            return {**base, "kind": "image", "file": rel, "url": f"/api/artifacts/{sha256}/?file={quote(rel)}"}
        kind = documents.kind_of(f)
        if kind:
            with open_file(sha256, rel) as fh:
                return {**base, "kind": kind, "file": rel, "document": documents.document(fh, f.name, kind)}
    return {**base, "kind": "files"}

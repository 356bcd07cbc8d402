"""Artifacts as the API serves them: which ones a user may read, their files, a zip of several,
and a preview for the canvas (table head, image, metrics, a sandboxed HTML/SVG/Markdown
document (`runner.documents`), or the file list)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from django.db.models.expressions import RawSQL

from artifacts import store
from designer.models import DatasetVersion
from pipewright.errors import Conflict, NotFound
from runner import documents
from runner.models import Artifact, StepRun, Trial
from teams.scoping import visible_team_ids

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}  # raster only: SVG is a document
PREVIEW_ROWS = 20
LISTED_FILES = 50


def visible_artifact(user: Any, sha: str) -> Path:
    """The artifact's folder, if a step or dataset of a team the user sees holds it; else 404."""
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
    if not referenced or not store.exists(sha):
        raise NotFound("Artifact not found.")
    return store.path_for(sha)


def files(folder: Path) -> list[Path]:
    """The artifact's files; a folder holding anything else (a link, say) is not served at all."""
    try:
        return [folder / rel for rel in store.members(folder)[0]]
    except store.UnsafeEntry as exc:
        raise Conflict(f"The artifact is not served: {exc}") from exc


def open_file(folder: Path, file: Path) -> BinaryIO:
    """One of the artifact's files, opened without following a link (the caller closes it)."""
    rel = file.relative_to(folder).as_posix()
    try:
        return store.open_member(folder, rel)
    except store.UnsafeEntry as exc:
        raise Conflict(f"The artifact is not served: {exc}") from exc


def chosen_files(folder: Path, wanted: str | None) -> list[Path]:
    """Every file of the artifact, or only the one at relative path `wanted` (404 if none)."""
    found = files(folder)
    if wanted is None:
        return found
    match = [f for f in found if f.relative_to(folder).as_posix() == wanted]
    if not match:
        raise NotFound(f"The artifact has no file '{wanted}'.")
    return match


def zip_bytes(folder: Path, members: list[Path]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in members:
            rel = f.relative_to(folder).as_posix()
            with open_file(folder, f) as src, zf.open(rel, "w") as dst:
                shutil.copyfileobj(src, dst)
    return buf.getvalue()


def preview(sha256: str, folder: Path) -> dict[str, Any]:
    found = files(folder)
    info = Artifact.objects.filter(pk=sha256).values("size", "media_type").first() or {}
    base = {
        "sha256": sha256,
        "size": info.get("size"),
        "files": [f.relative_to(folder).as_posix() for f in found[:LISTED_FILES]],
    }
    for f in found:
        rel = f.relative_to(folder).as_posix()
        if f.name == "metrics.json":
            try:
                with open_file(folder, f) as fh:
                    return {**base, "kind": "metrics", "metrics": json.loads(fh.read())}
            except ValueError:
                continue
        if f.suffix.lower() in {".csv", ".tsv"}:
            with io.TextIOWrapper(open_file(folder, f), newline="", encoding="utf-8", errors="replace") as fh:
                reader = csv.reader(fh, delimiter="\t" if f.suffix.lower() == ".tsv" else ",")
                columns = next(reader, [])
                rows = [row for _, row in zip(range(PREVIEW_ROWS), reader, strict=False)]
            return {**base, "kind": "table", "file": rel, "columns": columns, "rows": rows}
        if f.suffix.lower() in IMAGE_SUFFIXES:
            return {**base, "kind": "image", "file": rel, "url": f"/api/artifacts/{sha256}/?file={quote(rel)}"}
        kind = documents.kind_of(f)
        if kind:
            with open_file(folder, f) as fh:
                return {**base, "kind": kind, "file": rel, "document": documents.document(fh, f.name, kind)}
    return {**base, "kind": "files"}

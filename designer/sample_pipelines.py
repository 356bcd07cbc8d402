"""Sample pipelines shipped with the built-in library (designer/samples/).

Each `<slug>.pipeline.json` is an export file (`services.export_document`'s format) whose dataset
nodes name `samples/<stem>`: a placeholder for the CSV file `designer/samples/data/<stem>.csv`.
Opening a sample (`do_open_sample`) puts that file into the caller's team as the dataset
`sample-<stem>` (reusing its latest version when the bytes are the same), points the nodes at it
and imports the document as a new pipeline of the team, compiled like any import.
"""

from __future__ import annotations

import copy
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from artifacts import store
from compiler import CompileResult
from designer import services
from designer.models import DatasetVersion, Pipeline, PipelineVersion
from pipewright.errors import NotFound
from teams.models import Team

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
DATA_DIR = SAMPLES_DIR / "data"
PLACEHOLDER_TEAM = "samples"
DATASET_PREFIX = "sample-"


@dataclass(frozen=True)
class Sample:
    slug: str
    name: str
    description: str
    task: str
    datasets: tuple[str, ...]  # the dataset names it creates in the team (sample-iris, ...)
    modules: tuple[str, ...]  # the modules its nodes use (builtin/split-data, ...)
    document: dict[str, Any]


def _stems(graph: dict[str, Any]) -> list[str]:
    refs = [n["dataset"] for n in graph["nodes"] if "dataset" in n]
    return sorted({ref.split("/", 1)[1] for ref in refs if ref.startswith(PLACEHOLDER_TEAM + "/")})


@functools.cache
def all_samples() -> tuple[Sample, ...]:
    """Every sample, by slug; a malformed file fails loudly (the tests load every one)."""
    found = []
    for path in sorted(SAMPLES_DIR.glob("*.pipeline.json")):
        doc = services.parse_import(path.read_bytes(), path.name)
        graph = doc["graph"]
        for stem in _stems(graph):
            if not (DATA_DIR / f"{stem}.csv").is_file():
                raise ValueError(f"{path.name}: no data file {stem}.csv for dataset node samples/{stem}")
        modules = sorted({n["module"] for n in graph["nodes"] if "module" in n})
        found.append(
            Sample(
                slug=path.name.removesuffix(".pipeline.json"),
                name=str(doc.get("name", "")),
                description=str(doc.get("description", "")),
                task=str(doc.get("task", "")),
                datasets=tuple(DATASET_PREFIX + s for s in _stems(graph)),
                modules=tuple(modules),
                document=doc,
            )
        )
    return tuple(found)


def get_sample(slug: str) -> Sample:
    for sample in all_samples():
        if sample.slug == slug:
            return sample
    raise NotFound(f"Sample '{slug}' not found.")


def _dataset_version(user: Any, team: Team, stem: str) -> DatasetVersion:
    """The team's `sample-<stem>` holding the shipped file: its latest version when the bytes are
    the same, else a new version uploaded from the file."""
    name = DATASET_PREFIX + stem
    content = (DATA_DIR / f"{stem}.csv").read_bytes()
    filename = f"{stem}.csv"
    sha, _ = store.store_stream(io.BytesIO(content), filename)
    latest = DatasetVersion.objects.filter(dataset__team=team, dataset__name=name).order_by("-version").first()
    if latest is not None and latest.artifact == sha:
        return latest
    return services.do_upload_dataset(user, team, name, io.BytesIO(content), filename)


def do_open_sample(
    user: Any, team: Team, sample: Sample, name: str | None = None
) -> tuple[Pipeline, CompileResult, PipelineVersion | None]:
    """A new pipeline of `team` from `sample`, with its datasets in the team."""
    doc = copy.deepcopy(sample.document)
    versions = {stem: _dataset_version(user, team, stem) for stem in _stems(doc["graph"])}
    for node in doc["graph"]["nodes"]:
        ref = node.get("dataset")
        if isinstance(ref, str) and ref.startswith(PLACEHOLDER_TEAM + "/"):
            stem = ref.split("/", 1)[1]
            node["dataset"] = f"{team.name}/{DATASET_PREFIX}{stem}"
            node["version"] = versions[stem].version
    title = name or sample.name
    return services.do_import_pipeline(user, team, doc, title)


def sample_json(sample: Sample) -> dict[str, Any]:
    return {
        "slug": sample.slug,
        "name": sample.name,
        "description": sample.description,
        "task": sample.task,
        "datasets": list(sample.datasets),
        "modules": list(sample.modules),
        "nodes": len(sample.document["graph"]["nodes"]),
    }


__all__ = ["Sample", "all_samples", "do_open_sample", "get_sample", "sample_json"]

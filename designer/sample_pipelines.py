"""Sample pipelines shipped with the built-in library (designer/samples/).

Each `<slug>.pipeline.json` is an export file (`services.export_document`'s format) whose dataset
nodes name `samples/<stem>`: a placeholder for the CSV file `designer/samples/data/<stem>.csv`.
Opening a sample (`do_open_sample`) puts that file into the caller's team as the dataset
`sample-<stem>` (reusing its latest version when the bytes are the same), points the nodes at it
and imports the document as a new pipeline of the team, compiled like any import.

A sub-pipeline node of a sample names its inner pipeline `{"$sample": "<stem>.sub.json"}`: an
export file beside it that is not listed as a sample of its own (it declares inputs, so it cannot
run alone). Opening the sample first opens that file into the team, once: its version is marked
with the message `Opened from the sample <stem>`, and a later opening reuses the newest version so
marked; the node is pinned to it.
"""

from __future__ import annotations

import copy
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

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
SUB_SUFFIX = ".sub.json"
SUB_MARK = "Opened from the sample "


@dataclass(frozen=True)
class Sample:
    slug: str
    name: str
    description: str
    task: str
    datasets: tuple[str, ...]  # the dataset names it creates in the team (sample-iris, ...)
    modules: tuple[str, ...]  # the modules its nodes use (builtin/split-data, ...), inside its sub-pipelines too
    document: dict[str, Any]
    subs: tuple[str, ...] = ()  # the sub-pipeline files it opens first (train-evaluate.sub.json, ...)


def _stems(graph: dict[str, Any]) -> list[str]:
    refs = [n["dataset"] for n in graph["nodes"] if "dataset" in n]
    return sorted({ref.split("/", 1)[1] for ref in refs if ref.startswith(PLACEHOLDER_TEAM + "/")})


def _sub_refs(graph: dict[str, Any]) -> list[str]:
    """The sub-pipeline files a graph's nodes name (`{"$sample": file}`), in order, once each."""
    refs = [n["pipeline"].get("$sample") for n in graph["nodes"] if isinstance(n.get("pipeline"), dict)]
    return list(dict.fromkeys(str(r) for r in refs))


@functools.cache
def _sub_document(file: str) -> dict[str, Any]:
    """A sub-pipeline file beside the samples, checked like a sample (no deeper `$sample`)."""
    path = SAMPLES_DIR / file
    if not file.endswith(SUB_SUFFIX) or "/" in file or not path.is_file():
        raise ValueError(f"no sub-pipeline sample {file!r} in {SAMPLES_DIR} (a sub-pipeline file ends {SUB_SUFFIX})")
    doc = services.parse_import(path.read_bytes(), path.name)
    if _sub_refs(doc["graph"]):
        raise ValueError(f"{file}: a sub-pipeline sample may not name another sample")
    return doc


def _check_data(graph: dict[str, Any], where: str) -> None:
    for stem in _stems(graph):
        if not (DATA_DIR / f"{stem}.csv").is_file():
            raise ValueError(f"{where}: no data file {stem}.csv for dataset node samples/{stem}")


@functools.cache
def all_samples() -> tuple[Sample, ...]:
    """Every sample, by slug; a malformed file fails loudly (the tests load every one)."""
    found = []
    for path in sorted(SAMPLES_DIR.glob("*.pipeline.json")):
        doc = services.parse_import(path.read_bytes(), path.name)
        graph = doc["graph"]
        subs = _sub_refs(graph)
        graphs = [graph, *(_sub_document(f)["graph"] for f in subs)]
        for g, where in zip(graphs, [path.name, *subs], strict=True):
            _check_data(g, where)
        modules = sorted({n["module"] for g in graphs for n in g["nodes"] if "module" in n})
        stems = sorted({s for g in graphs for s in _stems(g)})
        found.append(
            Sample(
                slug=path.name.removesuffix(".pipeline.json"),
                name=str(doc.get("name", "")),
                description=str(doc.get("description", "")),
                task=str(doc.get("task", "")),
                datasets=tuple(DATASET_PREFIX + s for s in stems),
                modules=tuple(modules),
                document=doc,
                subs=tuple(subs),
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


def _with_datasets(user: Any, team: Team, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose dataset placeholders name the team's `sample-<stem>` versions."""
    doc = copy.deepcopy(document)
    versions = {stem: _dataset_version(user, team, stem) for stem in _stems(doc["graph"])}
    for node in doc["graph"]["nodes"]:
        ref = node.get("dataset")
        if isinstance(ref, str) and ref.startswith(PLACEHOLDER_TEAM + "/"):
            stem = ref.split("/", 1)[1]
            node["dataset"] = f"{team.name}/{DATASET_PREFIX}{stem}"
            node["version"] = versions[stem].version
    return doc


def _sub_version(user: Any, team: Team, file: str) -> PipelineVersion:
    """The team's version of the sub-pipeline sample `file`: the newest one an earlier opening
    made (its message marks it), else a new pipeline imported from the file."""
    mark = SUB_MARK + file.removesuffix(SUB_SUFFIX)
    done = PipelineVersion.objects.filter(pipeline__team=team, message=mark).order_by("-pk").first()
    if done is not None:
        return done
    doc = _with_datasets(user, team, _sub_document(file))
    _, _, version = services.do_import_pipeline(user, team, doc, None, message=mark)
    assert version is not None  # an import with a graph always makes version 1
    return version


def do_open_sample(
    user: Any, team: Team, sample: Sample, name: str | None = None
) -> tuple[Pipeline, CompileResult, PipelineVersion | None]:
    """A new pipeline of `team` from `sample`, with its datasets (and sub-pipelines) in the team."""
    with transaction.atomic():
        subs = {file: _sub_version(user, team, file) for file in sample.subs}
        doc = _with_datasets(user, team, sample.document)
        for node in doc["graph"]["nodes"]:
            ref = node.get("pipeline")
            if isinstance(ref, dict) and "$sample" in ref:
                inner = subs[str(ref["$sample"])]
                node["pipeline"], node["version"] = inner.pipeline_id, inner.number
        return services.do_import_pipeline(user, team, doc, name or sample.name)


def sample_json(sample: Sample) -> dict[str, Any]:
    return {
        "slug": sample.slug,
        "name": sample.name,
        "description": sample.description,
        "task": sample.task,
        "datasets": list(sample.datasets),
        "modules": list(sample.modules),
        "nodes": len(sample.document["graph"]["nodes"]),
        "subpipelines": [_sub_document(f).get("name", f) for f in sample.subs],
    }


__all__ = ["Sample", "all_samples", "do_open_sample", "get_sample", "sample_json"]

"""What the Datasets page needs: a CSV that does not parse is refused naming the line, the column
profile, archive/unarchive (a pinned pipeline still compiles and runs), column parameters checked."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from designer.models import DatasetProfile, DatasetVersion
from runner.models import Run
from tests.api.pipelines_helpers import TRAIN, create, graph, make_catalog, publish, upload_csv, with_source
from tests.runner.fake_compute import Act, FakeBackend, rows

CSV = b"sepal,petal,species\n5.1,1.4,setosa\n4.9,,setosa\n6.3,4.9,virginica\n7.0,4.7,versicolor\n"


@pytest.fixture(autouse=True)
def artifact_root(settings: Any, tmp_path: Path) -> Path:
    settings.ARTIFACT_ROOT = tmp_path / "artifacts"
    return settings.ARTIFACT_ROOT


@pytest.mark.parametrize(
    ("content", "line", "words"),
    [
        (b"a,b\n1,2\n3,4,5\n", 3, "3 fields"),
        (b'a,b\n1,2\n3,"four\n5,6\n', 4, "never closed"),
        (b"a,b\n1,2\n\xff\xfe,3\n", 3, "UTF-8"),
        (b"", 1, "empty"),
        (b"PK\x03\x04\x00\x00binary", 1, "NUL"),
    ],
)
def test_a_csv_that_does_not_parse_is_a_400_naming_file_and_line(
    as_alice: Any, content: bytes, line: int, words: str
) -> None:
    r = upload_csv(as_alice, content=content)
    assert r.status_code == 400, r.json()
    [error] = r.json()["errors"]
    assert error["field"] == "file" and f"line {line}" in error["message"] and words in error["message"]
    assert not DatasetVersion.objects.exists()


def test_the_limit_is_published_and_checked_before_parsing(as_alice: Any, settings: Any) -> None:
    settings.DATASET_MAX_BYTES = 50
    assert as_alice.get("/api/datasets/limits/").json() == {"max_bytes": 50}
    too_big = upload_csv(as_alice, content=b"a,b\n" + b"1,2\n" * 30)
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "file"
    assert "50 bytes" in too_big.json()["errors"][0]["message"]


def test_the_profile_of_a_version(as_alice: Any, as_charlie: Any) -> None:
    body = upload_csv(as_alice, content=CSV).json()
    assert body["archived"] is False and body["versions"][0]["columns"] == ["sepal", "petal", "species"]
    r = as_alice.get("/api/datasets/acme/iris/versions/1/profile")
    assert r.status_code == 200, r.json()
    profile = r.json()
    assert profile["rows"] == 4 and profile["version"] == 1 and profile["ref"] == "acme/iris"
    sepal, petal, species = profile["columns"]
    assert sepal["type"] == "number" and sepal["missing"] == 0 and sepal["min"] == 4.9 and sepal["max"] == 7.0
    assert sepal["mean"] == pytest.approx((5.1 + 4.9 + 6.3 + 7.0) / 4)
    assert sum(b["count"] for b in sepal["histogram"]) == 4 and len(sepal["histogram"]) == 10
    assert petal["missing"] == 1 and petal["distinct"] == 3
    assert species["type"] == "string" and species["distinct"] == 3 and species["min"] is None
    assert species["histogram"][0] == {"label": "setosa", "count": 2}
    # kept per content: a second version with the same bytes shares it, and it is read from there
    again = upload_csv(as_alice, content=CSV).json()["versions"]
    assert again[0]["artifact"] == again[1]["artifact"] and DatasetProfile.objects.count() == 1
    DatasetProfile.objects.update(profile={**DatasetProfile.objects.get().profile, "rows": 99})
    assert as_alice.get("/api/datasets/acme/iris/versions/2/profile").json()["rows"] == 99
    # computed once on demand when missing (a version uploaded before profiles existed)
    DatasetProfile.objects.all().delete()
    assert as_alice.get("/api/datasets/acme/iris/versions/1/profile/").json()["rows"] == 4
    assert DatasetProfile.objects.count() == 1
    assert as_alice.get("/api/datasets/acme/iris/versions/3/profile").status_code == 404
    assert as_charlie.get("/api/datasets/acme/iris/versions/1/profile").status_code == 404
    assert as_alice.get("/api/datasets/acme/iris/").json()["latest_version"] == 2


def test_archive_hides_a_dataset_until_unarchived(as_alice: Any, as_charlie: Any, vera: Any) -> None:
    upload_csv(as_alice, content=CSV)
    upload_csv(as_alice, name="wine", content=CSV)
    assert vera.post("/api/datasets/acme/iris/archive").status_code == 403
    assert as_charlie.post("/api/datasets/acme/iris/archive").status_code == 404
    archived = as_alice.post("/api/datasets/acme/iris/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert [d["ref"] for d in as_alice.get("/api/datasets/").json()["results"]] == ["acme/wine"]
    assert [d["ref"] for d in as_alice.get("/api/datasets/?archived=true").json()["results"]] == ["acme/iris"]
    assert len(as_alice.get("/api/datasets/?archived=all").json()["results"]) == 2
    bad = as_alice.get("/api/datasets/?archived=maybe")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "archived"
    restored = as_alice.post("/api/datasets/acme/iris/unarchive")
    assert restored.json()["archived"] is False
    assert len(as_alice.get("/api/datasets/").json()["results"]) == 2
    # a new upload restores an archived dataset too
    as_alice.post("/api/datasets/acme/wine/archive")
    assert upload_csv(as_alice, name="wine", content=CSV).json()["archived"] is False


@pytest.fixture
def vera(acme: Any) -> Any:
    from teams.models import Membership, Role
    from tests.conftest import client_for, make_user

    user = make_user("vera")
    Membership.objects.create(team=acme, user=user, role=Role.VIEWER)
    return client_for(user)


@pytest.mark.django_db(transaction=True)
def test_a_pipeline_pinned_to_an_archived_dataset_still_compiles_and_runs(
    as_alice: Any, acme: Any, eager: Any, fake_compute: FakeBackend
) -> None:
    make_catalog(acme)
    upload_csv(as_alice, content=CSV)
    doc = with_source(graph())
    doc["nodes"][-1]["version"] = 1
    created = create(as_alice, doc)
    assert created.status_code == 201 and created.json()["errors"] == [], created.json()
    as_alice.post("/api/datasets/acme/iris/archive")
    pk = created.json()["id"]
    checked = as_alice.post(f"/api/pipelines/{pk}/validate", {"graph": doc}, format="json").json()
    assert checked["errors"] == []
    seen: list[list[str]] = []
    fake_compute.script("split", Act(write=lambda job, _line: seen.append(rows(job)) or _outputs(job)))
    started = as_alice.post(f"/api/pipelines/{pk}/runs/", {}, format="json")
    assert started.status_code == 201, started.json()
    run = Run.objects.get(pk=started.json()["id"])
    assert run.status == "succeeded", run.error
    assert seen == [CSV.decode().splitlines()[1:]]


def _outputs(job: Any) -> None:
    for folder in job.out_dir.iterdir():
        if folder.is_dir():
            (folder / "data.csv").write_text("x\n1\n")


def test_column_parameters_are_checked_against_a_connected_dataset(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    spec = copy.deepcopy(TRAIN)
    spec["name"] = "fit"
    spec["inputs"] = [{"name": "data", "type": "DataFrame"}]
    spec["parameters"] = {
        "label": {"type": "string", "format": "column", "default": "target"},
        "features": {"type": "string", "format": "columns", "default": ""},
    }
    publish(acme, spec)
    upload_csv(as_alice, content=CSV)
    doc = {
        "schema": 1,
        "nodes": [
            {"id": "d1", "dataset": "acme/iris", "version": None, "position": {"x": 0, "y": 0}},
            {"id": "fit", "module": "acme/fit", "version": None, "position": {"x": 0, "y": 100},
             "params": {"label": "species", "features": "sepal, petal"}},
        ],
        "edges": [{"source": "d1", "source_port": "data", "target": "fit", "target_port": "data"}],
        "parameters": [],
    }  # fmt: skip
    ok = create(as_alice, doc)
    assert ok.status_code == 201 and ok.json()["errors"] == [], ok.json()
    bad = copy.deepcopy(doc)
    bad["nodes"][1]["params"] = {"label": "target", "features": "sepal,width"}
    errors = create(as_alice, bad, name="bad").json()["errors"]
    assert [(e["code"], e["node"], e["field"]) for e in errors] == [
        ("unknown_column", "fit", "nodes[1].params.label"),
        ("unknown_column", "fit", "nodes[1].params.features"),
    ]
    assert "'target'" in errors[0]["message"] and "sepal, petal, species" in errors[0]["message"]
    assert "'width'" in errors[1]["message"]
    # a default that is not set on the node, and a value bound to a pipeline parameter, are not checked
    loose = copy.deepcopy(doc)
    loose["nodes"][1]["params"] = {"features": {"$param": "cols"}}
    loose["parameters"] = [{"name": "cols", "type": "string", "default": "nope"}]
    assert create(as_alice, loose, name="loose").json()["errors"] == []


def test_column_parameters_are_checked_through_outputs_that_keep_their_columns(as_alice: Any, acme: Any) -> None:
    """A module output that declares `columns_from: <input>` (Split Data's train and test) passes
    the dataset's columns on: a column parameter downstream of it is checked against them; an
    output without it stops the chain (nothing is checked)."""
    make_catalog(acme)
    passes = copy.deepcopy(TRAIN)
    passes.update(name="keep", inputs=[{"name": "data", "type": "DataFrame"}], parameters={})
    passes["outputs"] = [
        {"name": "rows", "type": "DataFrame", "columns_from": "data"},
        {"name": "other", "type": "DataFrame"},
    ]
    publish(acme, passes)
    fit = copy.deepcopy(TRAIN)
    fit.update(name="fit2", inputs=[{"name": "data", "type": "DataFrame"}])
    fit["parameters"] = {"label": {"type": "string", "format": "column", "default": "target"}}
    publish(acme, fit)
    upload_csv(as_alice, content=CSV)

    def doc(port: str, label: str) -> dict[str, Any]:
        return {
            "schema": 1,
            "nodes": [
                {"id": "d1", "dataset": "acme/iris", "version": None, "position": {"x": 0, "y": 0}},
                {"id": "keep", "module": "acme/keep", "version": None, "position": {"x": 0, "y": 100}, "params": {}},
                {"id": "fit", "module": "acme/fit2", "version": None, "position": {"x": 0, "y": 200},
                 "params": {"label": label}},
            ],
            "edges": [{"source": "d1", "source_port": "data", "target": "keep", "target_port": "data"},
                      {"source": "keep", "source_port": port, "target": "fit", "target_port": "data"}],
            "parameters": [],
        }  # fmt: skip

    assert create(as_alice, doc("rows", "species"), name="ok").json()["errors"] == []
    errors = create(as_alice, doc("rows", "nope"), name="bad").json()["errors"]
    assert [(e["code"], e["node"], e["field"]) for e in errors] == [("unknown_column", "fit", "nodes[2].params.label")]
    assert create(as_alice, doc("other", "nope"), name="unknown").json()["errors"] == []


def test_an_output_may_keep_only_an_input_of_its_module(as_alice: Any, acme: Any) -> None:
    spec = copy.deepcopy(TRAIN)
    spec.update(name="wrong", inputs=[{"name": "data", "type": "DataFrame"}])
    spec["outputs"] = [{"name": "rows", "type": "DataFrame", "columns_from": "missing"}]
    answer = as_alice.post("/api/modules/", {"team": "acme", "name": "wrong", "display_name": "Wrong"}, format="json")
    assert answer.status_code == 201, answer.json()
    published = as_alice.post("/api/modules/acme/wrong/versions/", {"spec": spec, "files": {}}, format="json")
    assert published.status_code == 400
    assert "spec.outputs[0].columns_from" in [e["field"] for e in published.json()["errors"]], published.json()

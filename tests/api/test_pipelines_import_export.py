"""Export a pipeline as a file and import it back: schema versions, other teams, refusals."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from compiler import SCHEMA_VERSION
from designer.models import Pipeline, PipelineVersion
from tests.api.pipelines_helpers import create, graph, make_catalog


def _export(client: Any, pk: int) -> tuple[Any, bytes]:
    r = client.get(f"/api/pipelines/{pk}/export")
    assert r.status_code == 200, r.content
    return r, r.content


def _upload(client: Any, content: bytes, team: str = "acme", name: str | None = None) -> Any:
    body: dict[str, Any] = {
        "team": team,
        "file": SimpleUploadedFile("p.json", content, content_type="application/json"),
    }
    if name is not None:
        body["name"] = name
    return client.post("/api/pipelines/import", body, format="multipart")


def test_an_exported_file_imports_as_an_equal_pipeline(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    pk = create(as_alice, graph(), name="Iris flow").json()["id"]
    r, content = _export(as_alice, pk)
    assert r["Content-Disposition"] == 'attachment; filename="iris-flow.pipeline.json"'
    doc = json.loads(content)
    assert doc["kind"] == "pipewright.pipeline" and doc["schema"] == SCHEMA_VERSION and doc["team"] == "acme"
    imported = _upload(as_alice, content, name="Iris copy")
    assert imported.status_code == 201, imported.content
    body = imported.json()
    assert body["name"] == "Iris copy" and body["errors"] == [] and body["runnable"] is True
    assert body["graph"] == as_alice.get(f"/api/pipelines/{pk}/").json()["graph"]
    # a JSON body works too, and the name defaults to the file's
    again = as_alice.post("/api/pipelines/import", {"team": "acme", "document": doc}, format="json")
    assert again.status_code == 201 and again.json()["name"] == "Iris flow"


def test_an_older_schema_version_is_upgraded(as_alice: Any, acme: Any) -> None:
    make_catalog(acme)
    old = graph()
    del old["schema"], old["parameters"]
    for node in old["nodes"]:
        del node["position"]
    doc = {"kind": "pipewright.pipeline", "schema": 0, "name": "old", "graph": old}
    r = as_alice.post("/api/pipelines/import", {"team": "acme", "document": doc}, format="json")
    assert r.status_code == 201, r.content
    saved = r.json()["graph"]
    assert saved["schema"] == SCHEMA_VERSION and saved["parameters"] == []
    assert all(n["position"] == {"x": 0, "y": 0} for n in saved["nodes"])
    assert r.json()["errors"] == []


def test_importing_into_another_team_names_the_missing_modules(
    as_alice: Any, as_charlie: Any, acme: Any, other: Any
) -> None:
    make_catalog(acme)
    pk = create(as_alice, graph(), name="flow").json()["id"]
    _, content = _export(as_alice, pk)
    r = _upload(as_charlie, content, team="other")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["runnable"] is False
    assert {e["node"] for e in body["errors"]} == {"split", "train"}
    assert all("acme/" in e["message"] for e in body["errors"] if e["node"] == "split")
    assert Pipeline.objects.get(pk=body["id"]).team.name == "other"
    # modules are referenced by team/name, and charlie cannot see acme's: saved as a draft
    assert PipelineVersion.objects.filter(pipeline_id=body["id"]).count() == 1


def test_bad_files_are_refused_naming_the_field_and_nothing_is_saved(as_alice: Any, acme: Any, settings: Any) -> None:
    make_catalog(acme)
    pk = create(as_alice, graph(), name="flow").json()["id"]
    _, content = _export(as_alice, pk)
    doc = json.loads(content)
    before = Pipeline.objects.count()
    cases: list[tuple[bytes, str]] = [
        (b"not json at all", "file"),
        (b"[1, 2]", "file"),
        (json.dumps({"nodes": []}).encode(), "file.kind"),
        (json.dumps({**doc, "graph": "x"}).encode(), "file.graph"),
        (json.dumps({**doc, "schema": SCHEMA_VERSION + 1}).encode(), "file.schema"),
        (json.dumps({**doc, "schema": "one"}).encode(), "file.schema"),
        (json.dumps({**doc, "name": 5}).encode(), "file.name"),
        (b" " * (5 * 1024 * 1024 + 1), "file"),
    ]
    for content_bad, field in cases:
        r = _upload(as_alice, content_bad)
        assert r.status_code == 400, (field, r.content)
        assert r.json()["errors"][0]["field"] == field, (field, r.json())
    newer = as_alice.post("/api/pipelines/import", {"team": "acme", "document": {**doc, "schema": 99}}, format="json")
    assert newer.status_code == 400 and newer.json()["errors"][0]["field"] == "document.schema"
    assert "newer" in newer.json()["detail"]
    for body in (None, [], 5):
        r = as_alice.post("/api/pipelines/import", body, format="json")
        assert r.status_code == 400, (body, r.content)
    missing = as_alice.post("/api/pipelines/import", {"team": "acme"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"
    assert Pipeline.objects.count() == before


def test_export_and_import_are_team_scoped(as_alice: Any, as_charlie: Any, acme: Any, other: Any, alice: Any) -> None:
    pk = create(as_alice, graph(), name="flow").json()["id"]
    assert as_charlie.get(f"/api/pipelines/{pk}/export").status_code == 404
    _, content = _export(as_alice, pk)
    before = Pipeline.objects.count()
    assert _upload(as_charlie, content, team="acme").status_code == 404
    assert Pipeline.objects.count() == before

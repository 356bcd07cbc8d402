"""POST /api/modules/import/kfp and GET .../component.yaml: Kubeflow components in and out,
with real component files (tests/kfp_components) written to the published specification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from modules.models import Module, ModuleVersion
from teams.models import AuditEvent
from tests.api.modules_helpers import add_member, make_module

COMPONENTS = Path(__file__).resolve().parent.parent / "kfp_components"
URL = "/api/modules/import/kfp"


def text(name: str) -> str:
    return (COMPONENTS / name).read_text()


def test_import_by_json_creates_the_module_and_its_default_version(as_alice: Any, acme: Any) -> None:
    response = as_alice.post(URL, {"team": "acme", "yaml": text("filter_rows_v1.yaml")}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"] == "acme/filter-rows" and body["version"] == "1.0.0" and body["is_default"] is True
    assert body["files"] == ["component.yaml", "kfp.json", "kfp_adapter.py"]
    assert body["spec"]["runtime"]["command"] == ["python3", "/module/kfp_adapter.py"]
    module = Module.objects.get(team=acme, name="filter-rows")
    assert module.display_name == "Filter rows" and module.category == "Kubeflow"
    assert AuditEvent.objects.filter(team=acme, action="module.version_published").count() == 1
    listed = as_alice.get("/api/modules/?team=acme").json()["results"]
    assert [m["ref"] for m in listed] == ["acme/filter-rows"]


def test_import_by_upload_with_a_name_and_a_version(as_alice: Any, acme: Any) -> None:
    response = as_alice.post(
        URL,
        {
            "team": "acme",
            "name": "counter",
            "version": "2.0.0",
            "file": SimpleUploadedFile("component.yaml", text("word_count_v2.yaml").encode(), content_type="text/yaml"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ref"] == "acme/counter" and response.json()["version"] == "2.0.0"
    again = as_alice.post(
        URL, {"team": "acme", "name": "counter", "version": "2.1.0", "yaml": text("word_count_v2.yaml")}, format="json"
    )
    assert again.status_code == 201 and again.json()["is_default"] is False
    assert as_alice.get("/api/modules/acme/counter/").json()["default_version"] == "2.0.0"


def test_the_same_version_twice_is_a_conflict(as_alice: Any, acme: Any) -> None:
    body = {"team": "acme", "yaml": text("filter_rows_v1.yaml")}
    assert as_alice.post(URL, body, format="json").status_code == 201
    assert as_alice.post(URL, body, format="json").status_code == 409


@pytest.mark.parametrize(
    ("component", "field", "words"),
    [
        ("train_graph_v1.yaml", "implementation.graph", "graph components are not supported"),
        ("upload_uri_v1.yaml", "implementation.container.command[3].inputUri", "URI placeholders"),
        ("lightweight_python_v2.yaml", "deploymentSpec.executors.exec-add.container.args[1]", "{{$}}"),
    ],
)
def test_unsupported_features_are_a_400_naming_the_field(
    as_alice: Any, acme: Any, component: str, field: str, words: str
) -> None:
    response = as_alice.post(URL, {"team": "acme", "yaml": text(component)}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == field and words in error["message"]
    assert not Module.objects.filter(team=acme).exists()


def test_bad_yaml_names_yaml_and_a_missing_team_names_team(as_alice: Any, acme: Any) -> None:
    response = as_alice.post(URL, {"team": "acme", "yaml": "inputs: [\n"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "yaml"
    response = as_alice.post(URL, {"yaml": text("filter_rows_v1.yaml")}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "team"


def test_yaml_aliases_go_through_the_catalogs_yaml_loader(as_alice: Any, acme: Any) -> None:
    # the catalog's loader (modules.spec.load_bounded_yaml) refuses anchors and aliases
    doc = "name: &n Alias\ninputs:\n- {name: *n, type: String}\nimplementation: {container: {image: i}}\n"
    response = as_alice.post(URL, {"team": "acme", "yaml": doc}, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "yaml" and "anchors and aliases" in error["message"]
    assert not Module.objects.filter(team=acme).exists()


def test_members_may_not_import_and_other_teams_are_404(as_bob: Any, as_charlie: Any, acme: Any) -> None:
    body = {"team": "acme", "yaml": text("filter_rows_v1.yaml")}
    response = as_bob.post(URL, body, format="json")
    assert response.status_code == 403 and "maintainer" in response.json()["detail"]
    assert as_charlie.post(URL, body, format="json").status_code == 404
    assert not Module.objects.filter(team=acme).exists()


def test_a_maintainer_may_import(acme: Any) -> None:
    from tests.conftest import client_for

    dora = add_member(acme, "dora", "maintainer")
    response = client_for(dora).post(URL, {"team": "acme", "yaml": text("word_count_v2.yaml")}, format="json")
    assert response.status_code == 201


def test_export_gives_back_the_imported_file(as_alice: Any, acme: Any) -> None:
    as_alice.post(URL, {"team": "acme", "yaml": text("word_count_v2.yaml")}, format="json")
    response = as_alice.get("/api/modules/acme/word-count/versions/1.0.0/component.yaml")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/yaml")
    assert response.content.decode() == text("word_count_v2.yaml")


def test_export_of_a_native_module_is_a_v1_component_that_imports_back(as_alice: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    response = as_alice.get("/api/modules/acme/split-data/versions/1.0.0/component.yaml")
    assert response.status_code == 200
    doc = yaml.safe_load(response.content)
    assert doc["implementation"]["container"]["image"] == "pipewright/python-ml:1"
    assert [i["name"] for i in doc["inputs"]] == ["data", "test_size"]
    back = as_alice.post(URL, {"team": "acme", "name": "split-copy", "yaml": response.content.decode()}, format="json")
    assert back.status_code == 201, back.json()
    assert back.json()["spec"]["parameters"]["test_size"]["default"] == 0.2
    assert ModuleVersion.objects.filter(module__name="split-copy").count() == 1


def test_export_of_another_teams_module_is_404(as_charlie: Any, acme: Any) -> None:
    make_module(acme, "split-data", ("1.0.0",))
    assert as_charlie.get("/api/modules/acme/split-data/versions/1.0.0/component.yaml").status_code == 404


def test_nobody_imports_into_the_builtin_team(as_alice: Any) -> None:
    from tests.api.modules_helpers import builtin_team

    builtin_team()
    response = as_alice.post(URL, {"team": "builtin", "yaml": text("filter_rows_v1.yaml")}, format="json")
    assert response.status_code == 403
    assert not Module.objects.filter(name="filter-rows").exists()

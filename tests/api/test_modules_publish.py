"""POST /api/modules/{team}/{name}/versions/: publish immutable versions (JSON or multipart YAML)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from modules import spec as specs
from modules.models import ImmutableVersionError, ModuleVersion
from tests.api.modules_helpers import builtin_team, client_with_role, make_module, make_spec

URL = "/api/modules/acme/split-data/versions/"


@pytest.fixture
def module(acme: Any) -> Any:
    return make_module(acme, "split-data", ())


def test_it_publishes_a_version_from_json(as_alice: Any, module: Any) -> None:
    response = as_alice.post(
        URL, {"spec": make_spec(version="1.0.0"), "files": {"main.py": "print('hi')\n"}}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"] == "acme/split-data" and body["version"] == "1.0.0" and body["status"] == "active"
    assert body["files"] == ["main.py"] and body["is_default"] is False
    assert body["spec"]["runtime"]["retries"] == 0  # normalized
    stored = ModuleVersion.objects.get(module=module, version="1.0.0")
    assert stored.digest == body["digest"] == specs.digest(stored.spec, stored.files)


def test_it_publishes_from_a_multipart_yaml_upload_and_makes_it_default(as_alice: Any, module: Any) -> None:
    yaml_text = specs.dump_yaml(specs.validate_spec(make_spec(version="1.1.0")))
    response = as_alice.post(
        URL,
        {
            "spec": SimpleUploadedFile("spec.yaml", yaml_text.encode(), content_type="text/yaml"),
            "main.py": SimpleUploadedFile("main.py", b"print(1)\n"),
            "files": SimpleUploadedFile("helpers.py", b"X = 1\n"),
            "is_default": "true",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["files"] == ["helpers.py", "main.py"]
    assert response.json()["is_default"] is True
    module.refresh_from_db()
    assert module.default_version.version == "1.1.0"


def test_it_refuses_to_publish_an_existing_version_again(as_alice: Any, module: Any) -> None:
    assert as_alice.post(URL, {"spec": make_spec(version="1.0.0")}, format="json").status_code == 201
    response = as_alice.post(URL, {"spec": make_spec(version="1.0.0"), "files": {"x.py": "2"}}, format="json")
    assert response.status_code == 409
    assert "immutable" in response.json()["detail"]
    assert ModuleVersion.objects.get(module=module).files == {}


def test_it_names_every_spec_problem(as_alice: Any, module: Any) -> None:
    spec = make_spec(version="1.0")
    spec["inputs"].append({"name": "other", "type": "Table"})
    spec["runtime"]["resources"] = {"cpu": -1, "memory": "1g"}
    response = as_alice.post(URL, {"spec": spec}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"spec.version", "spec.inputs[1].type", "spec.runtime.resources.cpu"}
    assert not ModuleVersion.objects.exists()


def test_it_refuses_a_spec_named_for_another_module(as_alice: Any, module: Any) -> None:
    response = as_alice.post(URL, {"spec": make_spec(name="other-name")}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "spec.name", "message": "must be 'split-data'"}]


def test_it_refuses_file_paths_outside_the_module(as_alice: Any, module: Any) -> None:
    response = as_alice.post(URL, {"spec": make_spec(), "files": {"../evil.py": "x", "/abs.py": "y"}}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"files.../evil.py", "files./abs.py"}


def test_it_refuses_broken_yaml_and_binary_files(as_alice: Any, module: Any) -> None:
    response = as_alice.post(URL, {"spec": SimpleUploadedFile("spec.yaml", b"name: [\n")}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "spec.spec"
    response = as_alice.post(
        URL,
        {
            "spec": SimpleUploadedFile("spec.yaml", specs.dump_yaml(specs.validate_spec(make_spec())).encode()),
            "blob.bin": SimpleUploadedFile("blob.bin", b"\xff\xfe\x00"),
        },
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "files.blob.bin"
    assert not ModuleVersion.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("owner", 201), ("maintainer", 201), ("member", 403), ("viewer", 403)])
def test_it_needs_a_maintainer_to_publish(
    acme: Any, alice: Any, bob: Any, module: Any, role: str, expected: int
) -> None:
    response = client_with_role(acme, alice, bob, role).post(URL, {"spec": make_spec()}, format="json")
    assert response.status_code == expected
    assert ModuleVersion.objects.filter(module=module).exists() is (expected == 201)


def test_it_hides_other_teams_modules(as_charlie: Any, module: Any) -> None:
    assert as_charlie.post(URL, {"spec": make_spec()}, format="json").status_code == 404


def test_it_keeps_builtin_modules_read_only(as_alice: Any, as_charlie: Any) -> None:
    make_module(builtin_team(), "split-data", ("1.0.0",))
    for client in (as_alice, as_charlie):
        response = client.post(
            "/api/modules/builtin/split-data/versions/", {"spec": make_spec(version="2.0.0")}, format="json"
        )
        assert response.status_code == 403
    assert not ModuleVersion.objects.filter(version="2.0.0").exists()


def test_it_keeps_a_published_version_immutable_in_the_model(acme: Any) -> None:
    version = make_module(acme, "split-data", ("1.0.0",)).versions.get()
    version.files = {"main.py": "changed"}
    with pytest.raises(ImmutableVersionError):
        version.save()
    version.refresh_from_db()
    version.spec = {**version.spec, "description": "new words"}
    with pytest.raises(ImmutableVersionError):
        version.save()
    version.refresh_from_db()
    version.status = "deprecated"
    version.save()  # lifecycle fields may change
    assert ModuleVersion.objects.get(pk=version.pk).status == "deprecated"


@pytest.mark.parametrize("name", ["PIPEWRIGHT_COMPUTE", "PATH", "LD_PRELOAD", "PYTHONPATH", "HOME", "pipewright_out"])
def test_it_refuses_reserved_environment_names(as_alice: Any, module: Any, name: str) -> None:
    """Operators, not module authors, decide where and how steps run."""
    spec = make_spec()
    spec["runtime"]["env"] = {"MY_SETTING": "1", name: "local"}
    response = as_alice.post(URL, {"spec": spec}, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [f"spec.runtime.env.{name}"]
    assert "reserved" in errors[0]["message"]
    assert not ModuleVersion.objects.filter(module=module).exists()
    spec["runtime"]["env"] = {"MY_SETTING": "1", "PYTHONUNBUFFERED": "1"}  # ordinary names stay the author's
    assert as_alice.post(URL, {"spec": spec}, format="json").status_code == 201

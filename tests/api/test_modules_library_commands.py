"""manage.py load_library (idempotent, refuses changed versions) and publish_module."""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from modules import packaging
from modules.models import Module, ModuleVersion
from tests.api.modules_helpers import make_spec

EXPECTED = {
    "import-data",
    "select-columns",
    "clean-missing-data",
    "normalize-data",
    "split-data",
    "join-data",
    "apply-sql-transformation",
    "execute-python-script",
    "train-model",
    "score-model",
    "evaluate-model",
    "summarize-data",
}


def load() -> str:
    out = StringIO()
    call_command("load_library", stdout=out)
    return out.getvalue()


def test_it_loads_the_library_once_and_quickly(db: Any) -> None:
    started = time.monotonic()
    load()
    assert time.monotonic() - started < 3
    modules = Module.objects.filter(team__name="builtin")
    assert set(modules.values_list("name", flat=True)) >= EXPECTED
    assert all(m.default_version is not None for m in modules.select_related("default_version"))
    split = modules.get(name="split-data")
    assert split.category == "Data Transformation" and split.display_name == "Split Data"
    files = split.default_version.files  # type: ignore[union-attr]
    assert {"main.py", "pw.py"} <= set(files)
    count = ModuleVersion.objects.count()
    assert "0 published" in load()
    assert ModuleVersion.objects.count() == count


def test_it_refuses_a_changed_version_instead_of_overwriting(db: Any, monkeypatch: Any) -> None:
    load()
    original = packaging.read_library_module

    def tampered(folder: Path) -> Any:
        spec, files = original(folder)
        if spec["name"] == "split-data":
            files = {**files, "main.py": files["main.py"] + "\n# changed\n"}
        return spec, files

    monkeypatch.setattr(packaging, "read_library_module", tampered)
    with pytest.raises(CommandError, match=r"builtin/split-data@1\.2\.0 is already published with different content"):
        load()


def test_it_publishes_a_module_folder_for_a_team(acme: Any, tmp_path: Path) -> None:
    from modules import spec as specs

    (tmp_path / "spec.yaml").write_text(specs.dump_yaml(specs.validate_spec(make_spec("my-split", "0.1.0"))))
    (tmp_path / "main.py").write_text("print('split')\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("X = 1\n")
    out = StringIO()
    call_command("publish_module", str(tmp_path), "--team", "acme", "--default", stdout=out)
    assert "published acme/my-split@0.1.0 (2 files" in out.getvalue()
    module = Module.objects.get(team=acme, name="my-split")
    assert module.default_version is not None
    assert module.default_version.files == {"lib/util.py": "X = 1\n", "main.py": "print('split')\n"}
    with pytest.raises(CommandError, match="already published"):
        call_command("publish_module", str(tmp_path), "--team", "acme", stdout=StringIO())
    with pytest.raises(CommandError, match="No team named 'nope'"):
        call_command("publish_module", str(tmp_path), "--team", "nope", stdout=StringIO())
    (tmp_path / "spec.yaml").write_text("name: Bad\nversion: x\n")
    with pytest.raises(CommandError, match="name: must be a slug"):
        call_command("publish_module", str(tmp_path), "--team", "acme", stdout=StringIO())

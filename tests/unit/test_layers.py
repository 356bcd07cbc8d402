"""The layer rule (scripts/check_layers.py) holds on the tree and catches each kind of break."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_layers", ROOT / "scripts" / "check_layers.py")
assert _spec is not None and _spec.loader is not None
check_layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_layers)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_tree_keeps_the_layer_rule() -> None:
    assert check_layers.check_tree(ROOT) == []


def test_it_catches_an_import_that_climbs_a_layer(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"modules/services.py": "from runner.models import Run\n", "runner/models.py": ""})
    assert check_layers.check_tree(root) == [
        "modules/services.py:1: modules.services imports runner.models, a layer above it"
    ]


def test_it_catches_an_import_hidden_in_a_function(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"runner/advance.py": "def f():\n    from designer import services\n"})
    assert check_layers.check_tree(root) == ["runner/advance.py:2: runner.advance imports designer inside a function"]


def test_it_allows_apps_ready_and_the_wiring(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "runner/apps.py": "class C:\n    def ready(self):\n        from runner import tasks\n",
            "pipewright/urls.py": "from publishing.api import urls\n",
        },
    )
    assert check_layers.check_tree(root) == []


def test_it_keeps_django_out_of_the_compiler(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"compiler/core.py": "from django.conf import settings\n"})
    assert check_layers.check_tree(root) == ["compiler/core.py:1: the pure compiler layer imports django.conf"]

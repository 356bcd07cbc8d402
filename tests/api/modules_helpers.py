"""Helpers shared by the module catalog API tests."""

from __future__ import annotations

from typing import Any

from modules import services
from modules import spec as specs
from modules.models import Module, Team


def make_spec(name: str = "split-data", version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "version": version,
        "display_name": "Split Data",
        "category": "Data Transformation",
        "description": "Split rows into train and test sets.",
        "inputs": [{"name": "data", "type": "DataFrame"}],
        "outputs": [{"name": "train", "type": "DataFrame"}, {"name": "test", "type": "DataFrame"}],
        "parameters": {"test_size": {"type": "number", "default": 0.2, "minimum": 0, "maximum": 1}},
        "runtime": {"image": "pipewright/python-ml:1", "command": ["python3", "/module/main.py"]},
    }
    spec.update(extra)
    return spec


def make_module(
    team: Team, name: str = "split-data", versions: tuple[str, ...] = ("1.0.0",), default: str | None = None
) -> Module:
    module = services.do_create_module(team, name, display_name=name.title(), category="Data Transformation")
    for v in versions:
        services.do_publish_version(
            module, specs.validate_spec(make_spec(name, v)), {"main.py": f"print('{v}')\n"}, is_default=v == default
        )
    return module


def builtin_team() -> Team:
    team, _ = Team.objects.get_or_create(name="builtin")
    return team

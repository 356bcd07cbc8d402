"""Reading a module folder (spec.yaml + source files) and loading the built-in library."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from modules import spec as specs

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
COMMON_DIR = LIBRARY_DIR / "_common"
SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", "node_modules"}
SKIP_SUFFIXES = {".pyc", ".pyo"}
MAX_FILE_BYTES = 1_000_000


class PackagingError(ValueError):
    pass


def read_module_dir(folder: Path | str, *, extra: Path | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(normalized spec, {relative path: text}) of a module folder; `extra` files are added (library helper)."""
    folder = Path(folder)
    spec_path = folder / "spec.yaml"
    if not spec_path.is_file():
        spec_path = folder / "spec.yml"
    if not spec_path.is_file():
        raise PackagingError(f"{folder}: no spec.yaml")
    spec = specs.load_yaml(spec_path.read_text(encoding="utf-8"))
    files: dict[str, str] = {}
    for root in [folder] + ([extra] if extra is not None else []):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                rel = path.relative_to(root).as_posix()
                if root == folder and rel in {"spec.yaml", "spec.yml"}:
                    continue
                if path.suffix in SKIP_SUFFIXES:
                    continue
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise PackagingError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
                try:
                    files[rel] = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    raise PackagingError(f"{path}: module files must be UTF-8 text")
    return spec, dict(sorted(files.items()))


def library_folders() -> list[Path]:
    return sorted(p for p in LIBRARY_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def read_library_module(folder: Path) -> tuple[dict[str, Any], dict[str, str]]:
    return read_module_dir(folder, extra=COMMON_DIR)

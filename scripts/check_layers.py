#!/usr/bin/env python
"""Imports run one way: each package may import only from its own layer and the layers below.

    compiler      pure: the canvas document, the plan, the catalog protocol, versions, parameters
    pipewright    the project's base: settings, env, errors, parsers, fields, middleware, auth
    teams         teams, memberships, roles, the scoping point
    artifacts     the content-addressed artifact store
    modules       the module catalog
    designer      pipelines, versions, datasets
    runner        runs, steps, execution, events, sweeps
    registry      registered models and their versions, lineage walks over runs and datasets
    publishing    endpoints, schedules
    serving       real-time deployments: inference pipelines, replicas, scoring
    (wiring)      pipewright.urls, pipewright.asgi, pipewright.wsgi import every app

Also: the compiler imports no Django, and no project import hides inside a function (a cycle
dodged that way means a piece is in the wrong layer) except in an AppConfig.ready(), Django's
place for registering signal receivers and tasks. Run from the repository root; exits 1 with one
line per violation.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

LAYERS = [
    "compiler",
    "pipewright",
    "teams",
    "artifacts",
    "modules",
    "designer",
    "runner",
    "registry",
    "publishing",
    "serving",
]
WIRING = {"pipewright.urls", "pipewright.asgi", "pipewright.wsgi"}
WIRING_RANK = len(LAYERS)
PURE = {"compiler"}
FRAMEWORKS = ("django", "rest_framework", "channels", "celery", "drf_spectacular")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def rank(module: str) -> int | None:
    if module in WIRING or any(module.startswith(w + ".") for w in WIRING):
        return WIRING_RANK
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def imported(node: ast.AST, current: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against the current package
            base = current.split(".")[: -node.level]
            return [".".join([*base, node.module] if node.module else base)]
        return [node.module or ""]
    return []


def _in_ready(stack: list[ast.AST]) -> bool:
    return any(isinstance(n, ast.FunctionDef) and n.name == "ready" for n in stack)


def check_file(path: Path, root: Path) -> list[str]:
    current = module_name(path, root)
    mine = rank(current)
    if mine is None:
        return []
    problems: list[str] = []
    tree = ast.parse(path.read_text(), str(path))

    def visit(node: ast.AST, stack: list[ast.AST]) -> None:
        for target in imported(node, current):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
            top = target.split(".")[0]
            if current.split(".")[0] in PURE and top in FRAMEWORKS:
                problems.append(f"{where}: the pure {current.split('.')[0]} layer imports {target}")
            theirs = rank(target)
            if theirs is None:
                continue
            if theirs > mine:
                problems.append(f"{where}: {current} imports {target}, a layer above it")
            in_function = any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in stack)
            if in_function and not _in_ready(stack):
                problems.append(f"{where}: {current} imports {target} inside a function")
        for child in ast.iter_child_nodes(node):
            visit(child, [*stack, node])

    visit(tree, [])
    return problems


def check_tree(root: Path) -> list[str]:
    problems: list[str] = []
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                problems += check_file(path, root)
    return problems


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    problems = check_tree(root)
    for line in problems:
        print(line)
    if problems:
        print(f"layers: {len(problems)} import(s) break the layer rule (see scripts/check_layers.py)")
        return 1
    print(f"layers: imports run one way ({' < '.join(LAYERS)} < wiring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

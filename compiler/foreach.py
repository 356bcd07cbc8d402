"""For each: one module node run once per item, at most `concurrency` items at once, and a collect.

(A sub-pipeline node may be a for-each too: compiler.subforeach; the field and its checks are these.)

A module node with a `foreach` field is a for-each node; its module is the body, its `params` the
body's other parameters, and the item source one of:

- `{"over": "rows", "port": "data"}`: the rows of the table arriving at the body's input `data`;
  each item gets a one-row table (same header) on that input;
- `{"over": "files", "port": "folder"}`: the files of the folder arriving at input `folder`; each
  item gets a folder holding that one file;
- `{"over": "list", "param": "alpha", "values": [0.1, 1, 10]}` (or `"values": {"$param": "alphas"}`,
  an `array` pipeline parameter): each item sets body parameter `alpha` to one value;
- `{"over": "grid", "grid": {"alpha": [0.1, 1], "seed": [1, 2, 3]}}`: every combination (cartesian
  product, in the order written, the last key varying fastest); each item sets those parameters.

`"concurrency": n` (1..64, default 4) bounds how many items are queued or running at once.

Rows and files are known when the input is ready, lists and grids when the run starts: the runner
expands all of them the same way when the for-each node becomes ready (runner.foreach). The node's
outputs are the body's, gathered in item order (DataFrame outputs concatenated with a leading
`item` column, any other type a folder with one sub-folder per item, `00000/`, `00001/`, ...),
plus `items`: a table with one row per item (`item`, its value, its metrics).

Pure: no Django. `read` parses and bounds the field; `check` types it against the body module.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.catalog import ModuleInfo
from compiler.plan import ForEach, is_binding

KINDS = ("rows", "files", "list", "grid")
CONCURRENCY_MAX = 64
CONCURRENCY_DEFAULT = 4
ITEMS_MAX = 10_000
ITEMS_PORT = "items"  # the extra output: one row per item
ITEM_COLUMN = "item"
TABLE_TYPES = frozenset({"DataFrame", "Any"})
FOLDER_TYPES = frozenset({"File", "Any"})
# inside a for-each over a sub-pipeline, an inner parameter each item sets is bound to this
# prefix + the sub-pipeline's parameter name (runner.foreach substitutes the item's value)
ITEM_PARAM = "$item."


@dataclass
class Read:
    spec: ForEach | None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read(raw: Any) -> Read:
    """The `foreach` field, parsed; problems name the field."""
    out = Read(None)
    if not isinstance(raw, dict):
        out.problems.append(("foreach", 'must be an object such as {"over": "list", "param": ..., "values": [...]}'))
        return out
    over = raw.get("over")
    if over not in KINDS:
        out.problems.append(("foreach.over", f"must be one of {', '.join(KINDS)}, not {over!r}"))
        return out
    concurrency = raw.get("concurrency", CONCURRENCY_DEFAULT)
    if not _is_int(concurrency) or not 1 <= concurrency <= CONCURRENCY_MAX:
        out.problems.append(("foreach.concurrency", f"must be an integer 1..{CONCURRENCY_MAX}, not {concurrency!r}"))
        concurrency = CONCURRENCY_DEFAULT
    known = {"over", "port", "param", "values", "grid", "concurrency"}
    for extra in sorted(set(raw) - known):
        out.problems.append(
            (f"foreach.{extra}", "is not a for-each field (over, port, param, values, grid, concurrency)")
        )
    spec = ForEach(over=over, concurrency=concurrency)
    if over in ("rows", "files"):
        port = raw.get("port")
        if not isinstance(port, str) or not port:
            out.problems.append(("foreach.port", f"must name the body's input that brings the {over}"))
        else:
            spec = ForEach(over=over, port=port, concurrency=concurrency)
    elif over == "list":
        param, values = raw.get("param"), raw.get("values")
        if not isinstance(param, str) or not param:
            out.problems.append(("foreach.param", "must name the body parameter each item sets"))
        if isinstance(values, dict) and is_binding(values):
            if not isinstance(values["$param"], str):
                out.problems.append(("foreach.values", "must bind a pipeline parameter by name"))
        elif not isinstance(values, list) or not values:
            out.problems.append(("foreach.values", 'must be a non-empty list or {"$param": "<array parameter>"}'))
        elif len(values) > ITEMS_MAX:
            out.problems.append(("foreach.values", f"has {len(values)} items; at most {ITEMS_MAX}"))
        if isinstance(param, str) and param:
            spec = ForEach(over=over, param=param, values=values, concurrency=concurrency)
    else:
        grid = raw.get("grid")
        if not isinstance(grid, dict) or not grid:
            out.problems.append(("foreach.grid", "must be an object of parameter name -> list of values"))
        else:
            size = 1
            ok = True
            for name, values in grid.items():
                if not isinstance(values, list) or not values:
                    out.problems.append((f"foreach.grid.{name}", "must be a non-empty list of values"))
                    ok = False
                else:
                    size *= len(values)
            if ok and size > ITEMS_MAX:
                out.problems.append(("foreach.grid", f"makes {size} combinations; at most {ITEMS_MAX}"))
                ok = False
            if ok:
                spec = ForEach(over=over, grid={k: list(v) for k, v in grid.items()}, concurrency=concurrency)
    out.spec = spec if not out.problems else None
    return out


def bound_params(spec: ForEach) -> tuple[str, ...]:
    """The body parameters each item sets (they need no value of their own)."""
    if spec.over == "list":
        return (spec.param,)
    if spec.over == "grid":
        return tuple(spec.grid or {})
    return ()


def check(
    spec: ForEach,
    info: ModuleInfo,
    pipeline_params: Mapping[str, Mapping[str, Any]],
    problem_of: Callable[[str, Any], str | None],
    sub: str | None = None,
) -> list[tuple[str, str]]:
    """What is wrong with `spec` for body module `info` (or, with `sub` its name, the interface of
    a sub-pipeline): (field, message). `problem_of(name, value)` is the parameter's JSON Schema check."""
    problems: list[tuple[str, str]] = []
    inputs = {p.name: p for p in info.inputs}
    if spec.over in ("rows", "files"):
        port = inputs.get(spec.port)
        if port is None:
            problems.append(
                (
                    "foreach.port",
                    f"'{spec.port}' is not an input of sub-pipeline '{sub}'"
                    if sub is not None
                    else f"{info.ref}@{info.version} has no input '{spec.port}'",
                )
            )
        else:
            allowed = TABLE_TYPES if spec.over == "rows" else FOLDER_TYPES
            if port.type not in allowed:
                problems.append(
                    (
                        "foreach.port",
                        f"input '{spec.port}' is a {port.type}; {spec.over} come from a "
                        f"{' or '.join(sorted(allowed))} input",
                    )
                )
    for name in bound_params(spec):
        if name not in info.parameters:
            where = "foreach.param" if spec.over == "list" else f"foreach.grid.{name}"
            problems.append(
                (
                    where,
                    f"'{name}' is not a parameter of sub-pipeline '{sub}'"
                    if sub is not None
                    else f"{info.ref}@{info.version} has no parameter '{name}'",
                )
            )
    if spec.over == "list" and spec.param in info.parameters:
        if is_binding(spec.values):
            target = spec.values["$param"]
            declared = pipeline_params.get(target)
            if declared is None:
                problems.append(("foreach.values", f"is bound to pipeline parameter {target!r}, which is not defined"))
            elif declared.get("type") != "array":
                problems.append(
                    (
                        "foreach.values",
                        f"is bound to pipeline parameter '{target}', a {declared.get('type')}; it must be an array",
                    )
                )
        else:
            for i, value in enumerate(spec.values or []):
                problem = problem_of(spec.param, value)
                if problem is not None:
                    problems.append((f"foreach.values[{i}]", f"{value!r} does not fit '{spec.param}': {problem}"))
                    break
    if spec.over == "grid":
        for name, values in (spec.grid or {}).items():
            if name not in info.parameters:
                continue
            for i, value in enumerate(values):
                problem = problem_of(name, value)
                if problem is not None:
                    problems.append((f"foreach.grid.{name}[{i}]", f"{value!r} does not fit '{name}': {problem}"))
                    break
    if any(p.name == ITEMS_PORT for p in info.outputs):
        problems.append(("foreach", f"the body has an output named '{ITEMS_PORT}', which a for-each adds itself"))
    return problems


def outputs(body: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A for-each node's outputs: the body's gathered (tables stay tables, the rest become a folder
    of one sub-folder per item) and `items`."""
    gathered = tuple((name, "DataFrame" if ptype == "DataFrame" else "File") for name, ptype in body)
    return (*gathered, (ITEMS_PORT, "DataFrame"))


def param_items(spec: ForEach, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items of a list or grid for one run (`parameters`: the run's values), each the body
    parameters it sets, in item order."""
    if spec.over == "list":
        values = spec.values
        if is_binding(values):
            values = parameters.get(values["$param"])
        if not isinstance(values, list):
            raise ValueError(f"parameter {spec.values!r} is not a list")
        if len(values) > ITEMS_MAX:
            raise ValueError(f"{len(values)} items; at most {ITEMS_MAX}")
        return [{spec.param: v} for v in values]
    if spec.over == "grid":
        grid = spec.grid or {}
        names = list(grid)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(grid[n] for n in names))]
    raise ValueError(f"{spec.over} items are known only when the input is ready")

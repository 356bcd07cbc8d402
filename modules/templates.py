"""Starting points for a new module: a plain Python script, or a Python function whose signature
becomes the interface.

Pure Python (no Django). `parse_signature(code)` reads the function `main` with `ast` (the user's
code is never imported or executed here) and turns it into ports and parameters:

| in the signature | becomes |
| --- | --- |
| `x: pd.DataFrame` (or `DataFrame`) | a required `DataFrame` input `x` |
| `x: pd.DataFrame \\| None = None` / `Optional[pd.DataFrame] = None` | an optional `DataFrame` input |
| `x: Path` (pathlib) | a `File` input (the function gets its folder) |
| `k: int = 3`, `r: float = 0.5`, `flag: bool = False`, `s: str = "a"` | a typed parameter with that default |
| `mode: Literal["a", "b"] = "a"` | a string parameter with `enum` |
| `-> pd.DataFrame` | one `DataFrame` output `result` |
| `-> tuple[pd.DataFrame, pd.DataFrame]` | outputs `result_1`, `result_2` |
| `-> dict` | a `Metrics` output `metrics` (also recorded as the step's metrics) |
| `-> None` / no annotation | no output |

Every refusal is a `SignatureError` naming the field (`code`) and the line.
`generate(template, ...)` returns `(spec, files)`: the spec is valid for `modules.spec.validate_spec`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.packaging import COMMON_DIR

TEMPLATES = ("script", "function")
FUNCTION_NAME = "main"
DEFAULT_IMAGE = "pipewright/python-ml:1"
MAX_CODE_CHARS = 200_000

PARAM_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "str": "string"}
DATAFRAME_NAMES = {"DataFrame", "pd.DataFrame", "pandas.DataFrame"}
PATH_NAMES = {"Path", "pathlib.Path"}
METRICS_NAMES = {"dict", "Dict", "typing.Dict", "Mapping", "typing.Mapping"}


class SignatureError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")
        self.errors = [{"field": "code", "message": str(self)}]


@dataclass
class Signature:
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what the wrapper needs: argument name -> "df" | "path" | "param"; the return kind
    kinds: dict[str, str] = field(default_factory=dict)
    returns: str = "none"  # none | df | tuple | metrics
    docstring: str = ""


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return None


def _optional_of(node: ast.expr) -> ast.expr | None:
    """`X | None`, `Optional[X]`, `Union[X, None]` -> X; else None."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        if _dotted(node.right) == "None":
            return node.left
        if _dotted(node.left) == "None":
            return node.right
    if isinstance(node, ast.Subscript):
        head = _dotted(node.value)
        if head in {"Optional", "typing.Optional"}:
            return node.slice
        if head in {"Union", "typing.Union"} and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            a, b = node.slice.elts
            if _dotted(b) == "None":
                return a
            if _dotted(a) == "None":
                return b
    return None


def _literal(node: ast.expr, line: int, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise SignatureError(f"the default of {what} must be a literal (a number, string, True/False or None)", line)


def _parameter(name: str, annotation: ast.expr, default: ast.expr | None, line: int) -> dict[str, Any]:
    what = f"parameter '{name}'"
    if default is None:
        raise SignatureError(f"{what} needs a default value (parameters are optional settings with defaults)", line)
    value = _literal(default, line, what)
    head = _dotted(annotation.value) if isinstance(annotation, ast.Subscript) else None
    if head in {"Literal", "typing.Literal"} and isinstance(annotation, ast.Subscript):
        elts = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        choices = [_literal(e, line, what) for e in elts]
        if not choices or not all(isinstance(c, str) for c in choices):
            raise SignatureError(f"{what}: Literal[...] choices must be strings", line)
        if value not in choices:
            raise SignatureError(f"{what}: the default {value!r} is not one of {choices}", line)
        return {"type": "string", "enum": choices, "default": value}
    kind = PARAM_TYPES.get(_dotted(annotation) or "")
    if kind is None:
        shown = ast.unparse(annotation)
        raise SignatureError(
            f"{what}: unsupported type hint '{shown}' (use pd.DataFrame or Path for an input port; "
            "int, float, bool, str or Literal[...] for a parameter)",
            line,
        )
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "string": isinstance(value, str),
    }[kind]
    if not ok:
        raise SignatureError(f"{what}: the default {value!r} is not a {_dotted(annotation)}", line)
    if kind == "number":
        value = float(value)
    return {"type": kind, "default": value}


def _returns(node: ast.expr | None, line: int, sig: Signature) -> None:
    if node is None or _dotted(node) == "None":
        return
    name = _dotted(node)
    if name in DATAFRAME_NAMES:
        sig.outputs.append({"name": "result", "type": "DataFrame"})
        sig.returns = "df"
        return
    base = node.value if isinstance(node, ast.Subscript) else node
    if _dotted(base) in METRICS_NAMES:
        sig.outputs.append({"name": "metrics", "type": "Metrics"})
        sig.returns = "metrics"
        return
    if isinstance(node, ast.Subscript) and _dotted(node.value) in {"tuple", "Tuple", "typing.Tuple"}:
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if elts and all(_dotted(e) in DATAFRAME_NAMES for e in elts):
            for i in range(len(elts)):
                sig.outputs.append({"name": f"result_{i + 1}", "type": "DataFrame"})
            sig.returns = "tuple"
            return
    raise SignatureError(
        f"unsupported return type '{ast.unparse(node)}' (use pd.DataFrame, tuple[pd.DataFrame, ...], dict or None)",
        line,
    )


def parse_signature(code: str, function: str = FUNCTION_NAME) -> Signature:
    """The interface of `def main(...)` in `code`, read with `ast` only (never executed)."""
    if not isinstance(code, str) or not code.strip():
        raise SignatureError(f"write a function 'def {function}(...)'")
    if len(code) > MAX_CODE_CHARS:
        raise SignatureError(f"is longer than {MAX_CODE_CHARS} characters")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise SignatureError(f"syntax error: {exc.msg}", exc.lineno)
    except (ValueError, MemoryError, RecursionError) as exc:
        raise SignatureError(f"cannot be parsed: {exc}")
    found = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function]
    if not found:
        raise SignatureError(f"no top-level function 'def {function}(...)'")
    fn = found[-1]
    if isinstance(fn, ast.AsyncFunctionDef):
        raise SignatureError(f"'{function}' must be a plain function, not async", fn.lineno)
    args = fn.args
    if args.vararg is not None or args.kwarg is not None:
        raise SignatureError(
            f"'{function}' cannot take *args or **kwargs: every argument becomes a port or parameter", fn.lineno
        )
    sig = Signature(docstring=(ast.get_docstring(fn) or "").strip())
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True)) + list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    for arg, default in pairs:
        line = arg.lineno
        name = arg.arg
        if arg.annotation is None:
            raise SignatureError(f"argument '{name}' has no type hint", line)
        if name.startswith("_") or len(name) > 63:
            raise SignatureError(
                f"argument '{name}': names must start with a letter and be at most 63 characters", line
            )
        inner = _optional_of(arg.annotation)
        port_type = arg.annotation if inner is None else inner
        port_name = _dotted(port_type)
        if port_name in DATAFRAME_NAMES or port_name in PATH_NAMES:
            optional = inner is not None
            if default is not None and _dotted(default) != "None":
                raise SignatureError(f"input '{name}' can only default to None (an optional input)", line)
            if default is not None and not optional:
                raise SignatureError(f"input '{name}' defaults to None, so its hint must be Optional (X | None)", line)
            port: dict[str, Any] = {"name": name, "type": "DataFrame" if port_name in DATAFRAME_NAMES else "File"}
            if optional:
                port["optional"] = True
            sig.inputs.append(port)
            sig.kinds[name] = "df" if port_name in DATAFRAME_NAMES else "path"
            continue
        sig.parameters[name] = _parameter(name, arg.annotation, default, line)
        sig.kinds[name] = "param"
    _returns(fn.returns, fn.lineno, sig)
    return sig


WRAPPER = '''"""Generated by Pipewright from the signature of main() in main.py: reads the inputs and
parameters, calls main(), writes its result. Regenerate it from the module editor; edit main.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pw  # noqa: E402
from main import main  # noqa: E402

KINDS = {kinds!r}
RETURNS = {returns!r}
OUTPUTS = {outputs!r}


def run():
    values = pw.params()
    kwargs = {{}}
    for name, kind in KINDS.items():
        if kind == "df":
            kwargs[name] = pw.read_df(name, required=False)
        elif kind == "path":
            kwargs[name] = pw.input_dir(name)
        elif name in values:
            kwargs[name] = values[name]
    result = main(**kwargs)
    if RETURNS == "df":
        pw.write_df(OUTPUTS[0], result)
    elif RETURNS == "tuple":
        if not isinstance(result, tuple) or len(result) != len(OUTPUTS):
            pw.fail(f"main() must return {{len(OUTPUTS)}} DataFrames")
        for port, df in zip(OUTPUTS, result):
            pw.write_df(port, df)
    elif RETURNS == "metrics":
        pw.write_metrics(OUTPUTS[0], dict(result))


if __name__ == "__main__":
    pw.run(run)
'''

FUNCTION_EXAMPLE = '''import pandas as pd


def main(data: pd.DataFrame, k: int = 3, ratio: float = 0.5) -> pd.DataFrame:
    """Keep the first k rows and add a column scaled by ratio."""
    out = data.head(k).copy()
    out["ratio"] = ratio
    return out
'''

SCRIPT_EXAMPLE = '''"""A module as a plain script: read /in/<port>/, write /out/<port>/ (see docs/modules.md)."""

import pw


def main():
    p = pw.params()
    df = pw.read_df("data")
    df = df.head(int(p.get("rows", 5)))
    pw.write_df("result", df)


if __name__ == "__main__":
    pw.run(main)
'''


def helper_source() -> str:
    return Path(COMMON_DIR / "pw.py").read_text(encoding="utf-8")


def wrapper_for(sig: Signature) -> str:
    return WRAPPER.format(kinds=sig.kinds, returns=sig.returns, outputs=[o["name"] for o in sig.outputs])


def generate(
    template: str,
    *,
    name: str,
    version: str = "0.1.0",
    display_name: str = "",
    category: str = "",
    description: str = "",
    code: str = "",
) -> tuple[dict[str, Any], dict[str, str]]:
    """(spec, files) of a new module from a template. `code`: the script or the function's source
    (each template's example when empty)."""
    base: dict[str, Any] = {
        "name": name,
        "version": version,
        "display_name": display_name or name,
        "category": category,
        "description": description,
    }
    runtime = {"image": DEFAULT_IMAGE, "resources": {"cpu": 1, "memory": "1g"}, "timeout": 600, "retries": 0}
    if template == "script":
        spec = {
            **base,
            "inputs": [{"name": "data", "type": "DataFrame"}],
            "outputs": [{"name": "result", "type": "DataFrame"}],
            "parameters": {"rows": {"type": "integer", "default": 5, "minimum": 0}},
            "runtime": {**runtime, "command": ["python3", "/module/main.py"]},
            "deterministic": True,
        }
        return spec, {"main.py": code or SCRIPT_EXAMPLE, "pw.py": helper_source()}
    sig = parse_signature(code or FUNCTION_EXAMPLE)
    spec = {
        **base,
        "description": description or sig.docstring[:2000],
        "inputs": sig.inputs,
        "outputs": sig.outputs,
        "parameters": sig.parameters,
        "runtime": {**runtime, "command": ["python3", "/module/run.py"]},
        "deterministic": True,
    }
    return spec, {"main.py": code or FUNCTION_EXAMPLE, "run.py": wrapper_for(sig), "pw.py": helper_source()}

"""Runs an imported Kubeflow component inside a Pipewright step (shipped as /module/kfp_adapter.py).

Standard library only: it runs with the step image's python3. It reads the component's command
line from /module/kfp.json (written by `modules.kfp` at import), resolves its placeholders
against the Pipewright container contract and replaces itself with the component's process:

  {"inputValue": p}   the parameter's value from /in/params.json (strings as they are, the rest
                      as KFP serializes them: JSON, booleans True/False for v1 components)
  {"inputPath": x}    /in/x/<its single file>, or the folder /in/x when it holds several entries
  {"outputPath": y}   /out/y/<file> (data.csv for DataFrame, metrics.json for Metrics, else
                      data); /out/y exists
  {"concat": [...]}   the pieces joined
  {"if": {"cond": c, "then": [...], "else": [...]}}   c is {"isPresent": name}, a boolean or an
                      {"inputValue": p} reading true/false

The folders come from PIPEWRIGHT_IN / PIPEWRIGHT_OUT / PIPEWRIGHT_MODULE (defaults /in, /out,
/module), so the local backend runs it too.
"""

from __future__ import annotations

import json
import os
import sys

IN = os.environ.get("PIPEWRIGHT_IN", "/in")
OUT = os.environ.get("PIPEWRIGHT_OUT", "/out")
MODULE = os.environ.get("PIPEWRIGHT_MODULE", "/module")
PARAMS = os.environ.get("PIPEWRIGHT_PARAMS", os.path.join(IN, "params.json"))


class Refused(Exception):
    pass


def _value_text(value, style):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        if style == "v1":
            return "True" if value else "False"
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _input_path(port):
    folder = os.path.join(IN, port)
    if not os.path.isdir(folder):
        raise Refused(f"input '{port}' is not connected, but the command line uses its path")
    entries = sorted(os.listdir(folder))
    if len(entries) == 1 and os.path.isfile(os.path.join(folder, entries[0])):
        return os.path.join(folder, entries[0])
    return folder


def _is_present(name, component, params):
    if name in component["ports"]:
        folder = os.path.join(IN, name)
        return os.path.isdir(folder) and bool(os.listdir(folder))
    return params.get(name) is not None


def _condition(cond, component, params):
    if isinstance(cond, bool):
        return cond
    if isinstance(cond, str):
        return cond.strip().lower() == "true"
    if isinstance(cond, dict) and "isPresent" in cond:
        return _is_present(cond["isPresent"], component, params)
    text = _resolve_one(cond, component, params)
    return text.strip().lower() == "true"


def _resolve_one(item, component, params):
    """One argument as a single string (placeholders inside concat)."""
    parts = _resolve(item, component, params)
    return "".join(parts)


def _resolve(item, component, params):
    """A list of arguments (an if may expand to none or several)."""
    if isinstance(item, str):
        return [item]
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return [str(item)]
    if not isinstance(item, dict) or len(item) != 1:
        raise Refused(f"unknown argument {item!r}")
    ((kind, arg),) = item.items()
    if kind == "inputValue":
        value = params.get(arg)
        if value is None:
            raise Refused(f"parameter '{arg}' has no value, but the command line uses it")
        return [_value_text(value, component.get("style", "v2"))]
    if kind == "inputPath":
        return [_input_path(arg)]
    if kind == "outputPath":
        folder = os.path.join(OUT, arg)
        os.makedirs(folder, exist_ok=True)
        return [os.path.join(folder, component["output_files"].get(arg, "data"))]
    if kind == "concat":
        return ["".join(_resolve_one(part, component, params) for part in arg)]
    if kind == "if":
        branch = arg.get("then", []) if _condition(arg.get("cond"), component, params) else arg.get("else", [])
        if not isinstance(branch, list):
            branch = [branch]
        out = []
        for part in branch:
            out.extend(_resolve(part, component, params))
        return out
    raise Refused(f"unknown placeholder {kind!r}")


def command_line(component, params):
    argv = []
    for item in list(component.get("command", [])) + list(component.get("args", [])):
        argv.extend(_resolve(item, component, params))
    return argv


def main():
    with open(os.path.join(MODULE, "kfp.json"), encoding="utf-8") as f:
        component = json.load(f)
    try:
        with open(PARAMS, encoding="utf-8") as f:
            params = json.load(f)
    except FileNotFoundError:
        params = {}
    try:
        argv = command_line(component, params)
    except Refused as exc:
        print(f"pipewright kfp adapter: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    if not argv:
        print("pipewright kfp adapter: the component has no command", file=sys.stderr, flush=True)
        sys.exit(2)
    print("pipewright kfp adapter: " + json.dumps(argv)[:2000], flush=True)
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        print(f"pipewright kfp adapter: cannot run {argv[0]!r}: {exc}", file=sys.stderr, flush=True)
        sys.exit(127)


if __name__ == "__main__":
    main()

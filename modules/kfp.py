"""Kubeflow Pipelines components <-> Pipewright module versions. Pure Python (no Django).

`import_component(text, name=, version=)` reads a KFP `component.yaml` (v1: `inputs`, `outputs`,
`implementation.container`; v2: the compiled IR of one container component, placeholders
written as `{{$.inputs.parameters['x']}}`) and returns the raw spec plus the module files of a
version whose runtime is `python3 /module/kfp_adapter.py`: the adapter (`modules/kfp_adapter.py`)
resolves the placeholders against the container contract when the step runs (see its docstring).
Anything it cannot honour is refused up front with `KfpError`, each error naming its field
(`implementation.graph`, `implementation.container.args[2].inputUri`, ...).

`export_component(spec, files)` is the reverse: an imported version gives back the file it came
from; any other module becomes a v1 component whose command is a small bootstrap
(`modules/kfp_bootstrap.py`) carrying the module's files, so it runs in KFP as it does here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from modules import spec as specs

ADAPTER_FILE = "kfp_adapter.py"
TEMPLATE_FILE = "kfp.json"
ORIGINAL_FILE = "component.yaml"
ADAPTER_SOURCE = (Path(__file__).parent / "kfp_adapter.py").read_text()
BOOTSTRAP_SOURCE = (Path(__file__).parent / "kfp_bootstrap.py").read_text()
RUNTIME_COMMAND = ["python3", f"/module/{ADAPTER_FILE}"]
CATEGORY = "Kubeflow"
DEFAULT_VERSION = "1.0.0"

PARAM_TYPES_V1 = {
    "string": "string",
    "str": "string",
    "integer": "integer",
    "int": "integer",
    "float": "number",
    "double": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "jsonobject": "object",
    "dict": "object",
    "jsonarray": "array",
    "list": "array",
}
PARAM_TYPES_V2 = {
    "STRING": "string",
    "NUMBER_INTEGER": "integer",
    "NUMBER_DOUBLE": "number",
    "BOOLEAN": "boolean",
    "STRUCT": "object",
    "LIST": "array",
}
V1_TOP_KEYS = {"name", "description", "metadata", "inputs", "outputs", "implementation"}
V1_IO_KEYS = {"name", "type", "description", "default", "optional", "annotations"}
V1_CONTAINER_KEYS = {"image", "command", "args", "env"}
V2_PLACEHOLDER = re.compile(r"\{\{\$(?P<body>[^}]*)\}\}")
V2_INPUT_PARAM = re.compile(r"^\.inputs\.parameters\['(?P<n>[^']+)'\]$")
V2_INPUT_PATH = re.compile(r"^\.inputs\.artifacts\['(?P<n>[^']+)'\]\.path$")
V2_OUTPUT_PATH = re.compile(r"^\.outputs\.artifacts\['(?P<n>[^']+)'\]\.path$")
V2_OUTPUT_PARAM = re.compile(r"^\.outputs\.parameters\['(?P<n>[^']+)'\]\.output_file$")
OUTPUT_FILES = {"DataFrame": "data.csv", "Metrics": "metrics.json"}
INPUT_FILES = {"DataFrame": "data.csv", "Model": "model.pkl", "Metrics": "metrics.json", "Image": "image.png"}


class KfpError(ValueError):
    """A component that cannot be imported; `errors` is a list of {"field", "message"}."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"{first['field']}: {first['message']}")


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_any(self) -> None:
        if self.items:
            raise KfpError(self.items)


def identifier(name: str) -> str:
    """A KFP name ("Training data") as a Pipewright port or parameter name ("training_data")."""
    ident = re.sub(r"[^A-Za-z0-9]+", "_", name.strip()).strip("_").lower()
    if not ident:
        ident = "input"
    if ident[0].isdigit():
        ident = f"_{ident}"
    return ident[:63]


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return text[:63].strip("-") or "component"


def port_type_v1(kfp_type: object) -> str:
    if kfp_type is None:
        return "Any"
    if not isinstance(kfp_type, str):  # {GCSPath: {...}} and other structured types
        return "File"
    low = kfp_type.strip().lower()
    if low in {"dataset", "csv", "dataframe", "csvdataset"} or low.endswith(" csv"):
        return "DataFrame"
    if low == "model" or low.endswith("model"):
        return "Model"
    if low in {"metrics", "classificationmetrics", "slicedclassificationmetrics"}:
        return "Metrics"
    return "File"


def port_type_v2(schema_title: object) -> str:
    title = str(schema_title or "").removeprefix("system.")
    return {
        "Dataset": "DataFrame",
        "Model": "Model",
        "Metrics": "Metrics",
        "ClassificationMetrics": "Metrics",
        "SlicedClassificationMetrics": "Metrics",
    }.get(title, "File")


def _convert_default(value: Any, json_type: str, field: str, errs: _Errors, *, from_text: bool) -> Any:
    """A KFP default (v1 writes them as strings) as a value of the JSON type."""
    try:
        if json_type == "string":
            return value if isinstance(value, str) else json.dumps(value)
        if json_type == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
                return value.strip().lower() == "true"
            raise ValueError("not a boolean")
        if json_type == "integer":
            if isinstance(value, bool):
                raise ValueError("not an integer")
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(value) if isinstance(value, (int, str)) else _fail("not an integer")
        if json_type == "number":
            if isinstance(value, bool):
                raise ValueError("not a number")
            number = float(value)
            return int(number) if isinstance(value, int) else number
        parsed = json.loads(value) if (from_text and isinstance(value, str)) else value
        expected = dict if json_type == "object" else list
        if not isinstance(parsed, expected):
            raise ValueError(f"not a JSON {json_type}")
        return parsed
    except (ValueError, TypeError) as exc:
        errs.add(field, f"default {value!r} is not a valid {json_type}: {exc}")
        return None


def _fail(message: str) -> Any:
    raise ValueError(message)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse(text: str | bytes) -> dict[str, Any]:
    """The YAML document (through the catalog's YAML loader, so its limits apply), or KfpError."""
    try:
        data = specs.load_bounded_yaml(text)
    except specs.SpecError as exc:
        raise KfpError([{"field": "yaml", "message": e["message"]} for e in exc.errors])
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a timestamp like 2001-02-30
        raise KfpError([{"field": "yaml", "message": f"not a valid YAML document: {exc}"}])
    if not isinstance(data, Mapping):
        raise KfpError([{"field": "yaml", "message": "must be a component: a YAML mapping"}])
    return dict(data)


# --- v1 -------------------------------------------------------------------------------------------


class _Template:
    """Walks a command line, checking placeholders and noting how each input is used."""

    def __init__(self, errs: _Errors, inputs: Mapping[str, str], outputs: Mapping[str, str]):
        self.errs = errs
        self.inputs = inputs  # KFP name -> identifier
        self.outputs = outputs
        self.used_value: set[str] = set()
        self.used_path: set[str] = set()

    def item(self, item: Any, where: str) -> Any:
        if isinstance(item, str):
            return item
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            return str(item)
        if not isinstance(item, Mapping) or len(item) != 1:
            self.errs.add(where, "must be a string or one placeholder ({inputValue: x}, {inputPath: x}, ...)")
            return ""
        ((kind, arg),) = item.items()
        at = f"{where}.{kind}"
        if kind in {"inputValue", "inputPath"}:
            if not isinstance(arg, str) or arg not in self.inputs:
                self.errs.add(at, f"names no input of the component (got {arg!r})")
                return ""
            (self.used_value if kind == "inputValue" else self.used_path).add(arg)
            return {kind: self.inputs[arg]}
        if kind == "outputPath":
            if not isinstance(arg, str) or arg not in self.outputs:
                self.errs.add(at, f"names no output of the component (got {arg!r})")
                return ""
            return {kind: self.outputs[arg]}
        if kind == "concat":
            if not isinstance(arg, list):
                self.errs.add(at, "must be a list")
                return ""
            return {"concat": [self.item(part, f"{at}[{i}]") for i, part in enumerate(arg)]}
        if kind == "if":
            if not isinstance(arg, Mapping) or "cond" not in arg:
                self.errs.add(at, "must be a mapping with cond, then and optionally else")
                return ""
            for extra in sorted(set(arg) - {"cond", "then", "else"}):
                self.errs.add(f"{at}.{extra}", "unknown field of an if placeholder")
            out: dict[str, Any] = {"cond": self.cond(arg["cond"], f"{at}.cond")}
            for branch in ("then", "else"):
                if branch in arg:
                    parts = arg[branch]
                    parts = parts if isinstance(parts, list) else [parts]
                    out[branch] = [self.item(p, f"{at}.{branch}[{i}]") for i, p in enumerate(parts)]
            return {"if": out}
        if kind in {"inputUri", "outputUri"}:
            self.errs.add(at, "URI placeholders are not supported: Pipewright passes files, use inputPath/outputPath")
        elif kind in {"executorInput", "inputMetadata", "outputMetadata"}:
            self.errs.add(at, f"the {kind} placeholder is not supported")
        elif kind == "isPresent":
            self.errs.add(at, "isPresent is only allowed as the cond of an if")
        else:
            self.errs.add(at, f"unknown placeholder {kind!r}")
        return ""

    def cond(self, cond: Any, where: str) -> Any:
        if isinstance(cond, bool):
            return cond
        if isinstance(cond, str) and cond.strip().lower() in {"true", "false"}:
            return cond.strip().lower() == "true"
        if isinstance(cond, Mapping) and len(cond) == 1 and "isPresent" in cond:
            name = cond["isPresent"]
            if not isinstance(name, str) or name not in self.inputs:
                self.errs.add(f"{where}.isPresent", f"names no input of the component (got {name!r})")
                return False
            return {"isPresent": self.inputs[name]}
        if isinstance(cond, Mapping) and len(cond) == 1 and "inputValue" in cond:
            return self.item(cond, where)
        self.errs.add(where, "must be {isPresent: input}, {inputValue: input} or true/false")
        return False

    def line(self, raw: Any, where: str) -> list[Any]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.errs.add(where, "must be a list")
            return []
        return [self.item(item, f"{where}[{i}]") for i, item in enumerate(raw)]


def _names(raw: Any, key: str, errs: _Errors) -> list[tuple[int, dict[str, Any]]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errs.add(key, "must be a list of {name, type, ...}")
        return []
    out: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            errs.add(where, "must be a mapping with a name")
            continue
        for extra in sorted(set(entry) - V1_IO_KEYS):
            errs.add(f"{where}.{extra}", "is not supported")
        ident = identifier(entry["name"])
        if ident in seen:
            errs.add(f"{where}.name", f"'{entry['name']}' becomes '{ident}', as {seen[ident]} does")
            continue
        seen[ident] = where
        out.append((i, dict(entry)))
    return out


def _import_v1(data: Mapping[str, Any], errs: _Errors) -> tuple[dict[str, Any], dict[str, Any]]:
    for extra in sorted(str(k) for k in set(data) - V1_TOP_KEYS):
        errs.add(extra, "is not supported in a component")
    impl = data.get("implementation")
    container: Mapping[str, Any] = {}
    if not isinstance(impl, Mapping):
        errs.add("implementation", "is required: implementation.container with image and command")
    elif "graph" in impl:
        errs.add("implementation.graph", "graph components are not supported; import each container component")
    elif not isinstance(impl.get("container"), Mapping):
        errs.add("implementation.container", "is required: a mapping with image, command and args")
    else:
        container = impl["container"]
        for extra in sorted(str(k) for k in set(impl) - {"container"}):
            errs.add(f"implementation.{extra}", "is not supported")
        for extra in sorted(str(k) for k in set(container) - V1_CONTAINER_KEYS):
            errs.add(f"implementation.container.{extra}", "is not supported")
    inputs = _names(data.get("inputs"), "inputs", errs)
    outputs = _names(data.get("outputs"), "outputs", errs)
    template = _Template(
        errs,
        {e["name"]: identifier(e["name"]) for _, e in inputs},
        {e["name"]: identifier(e["name"]) for _, e in outputs},
    )
    command = template.line(container.get("command"), "implementation.container.command")
    args = template.line(container.get("args"), "implementation.container.args")
    for i, entry in inputs:
        if entry["name"] in template.used_value and entry["name"] in template.used_path:
            errs.add(f"inputs[{i}]", "is used both as a value and as a path; Pipewright needs one or the other")
    spec_inputs: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    ports: list[str] = []
    for i, entry in inputs:
        ident = identifier(entry["name"])
        kfp_type = entry.get("type")
        json_type = PARAM_TYPES_V1.get(kfp_type.strip().lower()) if isinstance(kfp_type, str) else None
        as_port = entry["name"] in template.used_path or (
            entry["name"] not in template.used_value and kfp_type is not None and json_type is None
        )
        optional = entry.get("optional") is True or "default" in entry
        description = _text(entry.get("description"))
        if as_port:
            port: dict[str, Any] = {"name": ident, "type": port_type_v1(kfp_type)}
            if optional:
                port["optional"] = True
            if description:
                port["description"] = description
            spec_inputs.append(port)
            ports.append(ident)
            continue
        schema: dict[str, Any] = {"type": json_type or "string", "title": entry["name"].strip()}
        if description:
            schema["description"] = description
        if "default" in entry and entry["default"] is not None:
            schema["default"] = _convert_default(
                entry["default"], schema["type"], f"inputs[{i}].default", errs, from_text=True
            )
        elif optional:
            schema["type"] = [schema["type"], "null"]
            schema["default"] = None
        params[ident] = schema
    spec_outputs: list[dict[str, Any]] = []
    output_files: dict[str, str] = {}
    for _, entry in outputs:
        ident = identifier(entry["name"])
        ptype = port_type_v1(entry.get("type"))
        port = {"name": ident, "type": ptype}
        description = _text(entry.get("description"))
        if description:
            port["description"] = description
        spec_outputs.append(port)
        output_files[ident] = OUTPUT_FILES.get(ptype, "data")
    image = container.get("image")
    if container and (not isinstance(image, str) or not image.strip()):
        errs.add("implementation.container.image", "is required: a container image reference")
    if container and not command and not args:
        errs.add("implementation.container.command", "is required: the command to run")
    env = container.get("env") or {}
    if not isinstance(env, Mapping):
        errs.add("implementation.container.env", "must be a mapping of names to strings")
        env = {}
    spec = {
        "display_name": _text(data.get("name")),
        "description": _text(data.get("description")),
        "inputs": spec_inputs,
        "outputs": spec_outputs,
        "parameters": params,
        "runtime": {"image": image if isinstance(image, str) else "", "command": RUNTIME_COMMAND, "env": dict(env)},
    }
    kfp = {"style": "v1", "command": command, "args": args, "ports": ports, "output_files": output_files}
    return spec, kfp


# --- v2 (compiled IR of one container component) ------------------------------------------------


def _v2_string(text: str, where: str, errs: _Errors, names: dict[str, dict[str, str]]) -> Any:
    """A v2 argument string as a v1-style item: plain text, one placeholder or a concat."""
    stripped = text.strip()
    if stripped.startswith("{") and not stripped.startswith("{{"):
        try:
            structured = json.loads(stripped)
        except ValueError:
            structured = None
        if isinstance(structured, Mapping) and len(structured) == 1:
            ((kind, arg),) = structured.items()
            if kind == "Concat" and isinstance(arg, list):
                return {"concat": [_v2_string(str(p), f"{where}.Concat[{i}]", errs, names) for i, p in enumerate(arg)]}
            if kind == "IfPresent" and isinstance(arg, Mapping):
                name = arg.get("InputName")
                known = {**names["param"], **names["path"]}
                if not isinstance(name, str) or name not in known:
                    errs.add(f"{where}.IfPresent.InputName", f"names no input of the component (got {name!r})")
                    return ""
                out: dict[str, Any] = {"cond": {"isPresent": known[str(name)]}}
                for key, branch in (("Then", "then"), ("Else", "else")):
                    parts = arg.get(key)
                    if parts is None:
                        continue
                    parts = parts if isinstance(parts, list) else [parts]
                    out[branch] = [
                        _v2_string(str(p), f"{where}.IfPresent.{key}[{i}]", errs, names) for i, p in enumerate(parts)
                    ]
                return {"if": out}
            errs.add(where, f"the {kind} placeholder is not supported")
            return ""
    pieces: list[Any] = []
    pos = 0
    for match in V2_PLACEHOLDER.finditer(text):
        if match.start() > pos:
            pieces.append(text[pos : match.start()])
        body = match.group("body")
        found: Any = None
        for pattern, kind, table in (
            (V2_INPUT_PARAM, "inputValue", "param"),
            (V2_INPUT_PATH, "inputPath", "path"),
            (V2_OUTPUT_PATH, "outputPath", "out"),
            (V2_OUTPUT_PARAM, "outputPath", "out"),
        ):
            m = pattern.match(body)
            if m is not None:
                name = m.group("n")
                if name not in names[table]:
                    errs.add(where, f"{match.group(0)} names no {'output' if table == 'out' else 'input'} '{name}'")
                    found = ""
                else:
                    found = {kind: names[table][name]}
                break
        if found is None:
            if body == "":
                errs.add(
                    where,
                    "the executor input placeholder {{$}} is not supported (lightweight Python "
                    "components); import a container component",
                )
            elif body.endswith(".uri"):
                errs.add(where, f"{match.group(0)}: URI placeholders are not supported, use .path")
            else:
                errs.add(where, f"the placeholder {match.group(0)} is not supported")
            found = ""
        pieces.append(found)
        pos = match.end()
    if pos < len(text):
        pieces.append(text[pos:])
    if len(pieces) == 1:
        return pieces[0]
    if not pieces:
        return ""
    return {"concat": pieces}


def _import_v2(data: Mapping[str, Any], errs: _Errors) -> tuple[dict[str, Any], dict[str, Any]]:
    deployment = data.get("deploymentSpec")
    executors = deployment.get("executors") if isinstance(deployment, Mapping) else None
    if not isinstance(executors, Mapping) or len(executors) != 1:
        errs.add(
            "deploymentSpec.executors",
            "must hold exactly one executor: pipelines of several components are not supported",
        )
        errs.raise_any()
    assert isinstance(executors, Mapping)
    ((label, executor),) = executors.items()
    at = f"deploymentSpec.executors.{label}"
    if not isinstance(executor, Mapping) or not isinstance(executor.get("container"), Mapping):
        kinds = ", ".join(sorted(str(k) for k in executor)) if isinstance(executor, Mapping) else "nothing"
        errs.add(at, f"only container executors are supported (got {kinds})")
        errs.raise_any()
    container: Mapping[str, Any] = executor["container"]
    for extra in sorted(str(k) for k in set(container) - {"image", "command", "args", "env", "resources"}):
        errs.add(f"{at}.container.{extra}", "is not supported")
    components = data.get("components")
    component: Mapping[str, Any] = {}
    if isinstance(components, Mapping):
        for value in components.values():
            if isinstance(value, Mapping) and value.get("executorLabel") == label:
                component = value
        if "dag" in json.dumps(list(components.values()), default=str):
            errs.add("components", "graph components are not supported; import each container component")
    root = _mapping(data.get("root"))
    tasks = _mapping(root.get("dag")).get("tasks")
    if isinstance(tasks, Mapping) and len(tasks) > 1:
        errs.add("root.dag.tasks", "pipelines of several tasks are not supported; import one component")
    in_defs = _mapping(component.get("inputDefinitions") or root.get("inputDefinitions"))
    out_defs = _mapping(component.get("outputDefinitions") or root.get("outputDefinitions"))
    comp_at = "components" if component else "root"
    names: dict[str, dict[str, str]] = {"param": {}, "path": {}, "out": {}}
    params: dict[str, Any] = {}
    spec_inputs: list[dict[str, Any]] = []
    ports: list[str] = []
    seen: set[str] = set()
    for name, info in _mapping(in_defs.get("parameters")).items():
        where = f"{comp_at}.inputDefinitions.parameters.{name}"
        info = info if isinstance(info, Mapping) else {}
        ident = identifier(str(name))
        if ident in seen:
            errs.add(where, f"becomes '{ident}' as another input does")
            continue
        seen.add(ident)
        kind = info.get("parameterType", info.get("type"))
        json_type = PARAM_TYPES_V2.get(str(kind))
        if json_type is None:
            errs.add(f"{where}.parameterType", f"must be one of {', '.join(PARAM_TYPES_V2)} (got {kind!r})")
            json_type = "string"
        schema: dict[str, Any] = {"type": json_type, "title": str(name)}
        if _text(info.get("description")):
            schema["description"] = _text(info.get("description"))
        if "defaultValue" in info and info["defaultValue"] is not None:
            schema["default"] = _convert_default(
                info["defaultValue"], json_type, f"{where}.defaultValue", errs, from_text=False
            )
        elif info.get("isOptional") is True:
            schema["type"] = [json_type, "null"]
            schema["default"] = None
        params[ident] = schema
        names["param"][str(name)] = ident
    for name, info in _mapping(in_defs.get("artifacts")).items():
        where = f"{comp_at}.inputDefinitions.artifacts.{name}"
        info = info if isinstance(info, Mapping) else {}
        ident = identifier(str(name))
        if ident in seen:
            errs.add(where, f"becomes '{ident}' as another input does")
            continue
        seen.add(ident)
        if info.get("isArtifactList"):
            errs.add(f"{where}.isArtifactList", "lists of artifacts are not supported")
        art_type = _mapping(info.get("artifactType"))
        port: dict[str, Any] = {"name": ident, "type": port_type_v2(art_type.get("schemaTitle"))}
        if info.get("isOptional") is True:
            port["optional"] = True
        if _text(info.get("description")):
            port["description"] = _text(info.get("description"))
        spec_inputs.append(port)
        ports.append(ident)
        names["path"][str(name)] = ident
    spec_outputs: list[dict[str, Any]] = []
    output_files: dict[str, str] = {}
    out_seen: set[str] = set()
    for group in ("artifacts", "parameters"):
        for name, info in _mapping(out_defs.get(group)).items():
            info = info if isinstance(info, Mapping) else {}
            ident = identifier(str(name))
            if ident in out_seen:
                errs.add(f"{comp_at}.outputDefinitions.{group}.{name}", f"becomes '{ident}' as another output does")
                continue
            out_seen.add(ident)
            if group == "artifacts":
                art_type = _mapping(info.get("artifactType"))
                ptype = port_type_v2(art_type.get("schemaTitle"))
            else:
                ptype = "Any"
            spec_outputs.append({"name": ident, "type": ptype})
            output_files[ident] = OUTPUT_FILES.get(ptype, "data")
            names["out"][str(name)] = ident
    line: dict[str, list[Any]] = {}
    for key in ("command", "args"):
        raw = container.get(key) or []
        if not isinstance(raw, list):
            errs.add(f"{at}.container.{key}", "must be a list of strings")
            raw = []
        line[key] = [_v2_string(str(item), f"{at}.container.{key}[{i}]", errs, names) for i, item in enumerate(raw)]
    image = container.get("image")
    if not isinstance(image, str) or not image.strip():
        errs.add(f"{at}.container.image", "is required: a container image reference")
    runtime: dict[str, Any] = {"image": image if isinstance(image, str) else "", "command": RUNTIME_COMMAND}
    env = container.get("env") or []
    if isinstance(env, list):  # IR: [{name, value}]
        runtime["env"] = {str(e.get("name")): str(e.get("value", "")) for e in env if isinstance(e, Mapping)}
    else:
        errs.add(f"{at}.container.env", "must be a list of {name, value}")
    resources = container.get("resources")
    if isinstance(resources, Mapping):
        res: dict[str, Any] = {}
        for key in ("cpuLimit", "resourceCpuLimit"):
            if key in resources:
                try:
                    res["cpu"] = float(resources[key])
                except (TypeError, ValueError):
                    errs.add(f"{at}.container.resources.{key}", "must be a number of CPUs")
        if "memoryLimit" in resources:  # gigabytes
            try:
                res["memory"] = f"{int(float(resources['memoryLimit']) * 1024)}m"
            except (TypeError, ValueError):
                errs.add(f"{at}.container.resources.memoryLimit", "must be a number of gigabytes")
        if "resourceMemoryLimit" in resources:
            res["memory"] = str(resources["resourceMemoryLimit"])
        for extra in sorted(str(k) for k in resources):
            if "accelerator" in extra.lower():
                errs.add(f"{at}.container.resources.{extra}", "accelerators are not supported")
        if res:
            runtime["resources"] = res
    info = data.get("pipelineInfo") if isinstance(data.get("pipelineInfo"), Mapping) else {}
    assert isinstance(info, Mapping)
    spec = {
        "display_name": _text(info.get("displayName")) or _text(info.get("name")),
        "description": _text(info.get("description")),
        "inputs": spec_inputs,
        "outputs": spec_outputs,
        "parameters": params,
        "runtime": runtime,
    }
    kfp = {
        "style": "v2",
        "command": line["command"],
        "args": line["args"],
        "ports": ports,
        "output_files": output_files,
    }
    return spec, kfp


def import_component(
    text: str, *, name: str | None = None, version: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(normalized spec, files) of a module version running the component, or KfpError."""
    data = parse(text)
    errs = _Errors()
    try:
        if "deploymentSpec" in data or "pipelineInfo" in data:
            spec, kfp = _import_v2(data, errs)
        else:
            spec, kfp = _import_v1(data, errs)
    except RecursionError:
        raise KfpError([{"field": "yaml", "message": "is nested too deeply"}])
    default_name = spec["display_name"]
    errs.raise_any()
    module_name = name or slug(default_name or "component")
    spec = {
        "name": module_name,
        "version": version or DEFAULT_VERSION,
        "display_name": spec["display_name"] or module_name,
        "category": CATEGORY,
        **{k: v for k, v in spec.items() if k != "display_name"},
    }
    try:
        normalized = specs.validate_spec(spec)
    except specs.SpecError as exc:
        raise KfpError([{"field": _field_of(e["field"]), "message": e["message"]} for e in exc.errors])
    files = {
        ADAPTER_FILE: ADAPTER_SOURCE,
        TEMPLATE_FILE: json.dumps(kfp, indent=1, sort_keys=True),
        ORIGINAL_FILE: text if isinstance(text, str) else text.decode(),
    }
    return normalized, files


def _field_of(spec_field: str) -> str:
    """Where a spec problem came from, in the request's words."""
    if spec_field in {"name", "version"}:
        return spec_field
    if spec_field.startswith("runtime.image"):
        return "implementation.container.image"
    if spec_field.startswith("runtime.env"):
        return "implementation.container.env" + spec_field[len("runtime.env") :]
    return f"spec.{spec_field}"


# --- export ---------------------------------------------------------------------------------------

REVERSE_PORT_TYPES = {"DataFrame": "Dataset", "Model": "Model", "Metrics": "Metrics", "Image": "Image"}
REVERSE_PARAM_TYPES = {
    "string": "String",
    "integer": "Integer",
    "number": "Float",
    "boolean": "Boolean",
    "object": "JsonObject",
    "array": "JsonArray",
}


def _json_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in REVERSE_PARAM_TYPES:
        return str(kind)
    if "enum" in schema and schema["enum"] and all(isinstance(v, str) for v in schema["enum"]):
        return "string"
    return "object" if kind is None else "string"


def _default_text(value: Any, json_type: str) -> str:
    if json_type == "string" and isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    return json.dumps(value)


def export_component(spec: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """A component.yaml: the original one for an imported version, else a v1 component."""
    if ORIGINAL_FILE in files and TEMPLATE_FILE in files and spec["runtime"]["command"] == RUNTIME_COMMAND:
        return files[ORIGINAL_FILE]
    inputs: list[dict[str, Any]] = []
    args: list[Any] = []
    manifest: dict[str, Any] = {
        "files": dict(sorted(files.items())),
        "command": list(spec["runtime"]["command"]),
        "defaults": {},
        "param_types": {},
        "in_files": {},
        "outputs": [p["name"] for p in spec["outputs"]],
    }
    for port in spec["inputs"]:
        entry: dict[str, Any] = {"name": port["name"], "type": REVERSE_PORT_TYPES.get(port["type"], "String")}
        if port["type"] in {"File", "Any"}:
            entry.pop("type")
        if port.get("description"):
            entry["description"] = port["description"]
        placed = ["--in", port["name"], {"inputPath": port["name"]}]
        if port.get("optional"):
            entry["optional"] = True
            args.append({"if": {"cond": {"isPresent": port["name"]}, "then": placed}})
        else:
            args.extend(placed)
        if port["type"] in INPUT_FILES:
            manifest["in_files"][port["name"]] = INPUT_FILES[port["type"]]
        inputs.append(entry)
    for pname, schema in spec["parameters"].items():
        json_type = _json_type(schema)
        entry = {"name": pname, "type": REVERSE_PARAM_TYPES[json_type]}
        if schema.get("description"):
            entry["description"] = schema["description"]
        placed = ["--param", pname, {"inputValue": pname}]
        if "default" in schema and schema["default"] is not None:
            entry["default"] = _default_text(schema["default"], json_type)
            args.extend(placed)
        elif "default" in schema:
            entry["optional"] = True
            args.append({"if": {"cond": {"isPresent": pname}, "then": placed}})
        else:
            args.extend(placed)
        manifest["param_types"][pname] = json_type
        inputs.append(entry)
    outputs: list[dict[str, Any]] = []
    for port in spec["outputs"]:
        entry = {"name": port["name"]}
        if port["type"] in REVERSE_PORT_TYPES:
            entry["type"] = REVERSE_PORT_TYPES[port["type"]]
        if port.get("description"):
            entry["description"] = port["description"]
        outputs.append(entry)
        args.extend(["--out", port["name"], {"outputPath": port["name"]}])
    container: dict[str, Any] = {
        "image": spec["runtime"]["image"],
        "command": ["python3", "-c", BOOTSTRAP_SOURCE, json.dumps(manifest, separators=(",", ":"))],
        "args": args,
    }
    if spec["runtime"].get("env"):
        container["env"] = dict(spec["runtime"]["env"])
    component: dict[str, Any] = {
        "name": spec.get("display_name") or spec["name"],
        "description": spec.get("description") or "",
        "metadata": {"annotations": {"pipewright/module": spec["name"], "pipewright/version": spec["version"]}},
        "inputs": inputs,
        "outputs": outputs,
        "implementation": {"container": container},
    }
    if not component["description"]:
        del component["description"]
    return specs.dump_yaml(component)

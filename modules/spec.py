"""Module spec validation, normalization, canonical YAML and the content digest.

Pure Python (no Django): `validate_spec(data)` returns the normalized spec or raises
`SpecError` listing every problem, each naming its field (`inputs[1].type`, ...).
`dump_yaml(spec)` is canonical: import -> export -> import -> export is byte-for-byte stable.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaValidationError

from compiler.catalog import PORT_TYPES
from modules.envnames import is_reserved

# Characters that make text display as something else (Trojan Source); refused in one-line names.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PORT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
MEMORY_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmMgGtT])?(i)?[bB]?$")
MEMORY_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
MAX_RETRIES = 10
# Limits (docs/operations.md): a spec is a small document; anything bigger is refused before it is
# expanded, stored or validated further.
MAX_SPEC_CHARS = 256 * 1024  # the YAML text, or the JSON of a spec sent as an object
MAX_SPEC_DEPTH = 32  # nesting of mappings and lists
MAX_VERSION_CHARS = 100  # ModuleVersion.version
TEXT_LIMITS = {"display_name": 200, "category": 100, "description": 10_000}
MAX_PORT_DESCRIPTION = 2_000
DEFAULT_CPU = 1
DEFAULT_MEMORY = "1g"
DEFAULT_TIMEOUT = 600
KNOWN_KEYS = (
    "name",
    "version",
    "display_name",
    "category",
    "description",
    "inputs",
    "outputs",
    "parameters",
    "runtime",
    "deterministic",
)
RUNTIME_KEYS = ("image", "command", "env", "resources", "timeout", "retries")


class SpecError(ValueError):
    """A spec with problems; `errors` is a list of {"field", "message"}."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        first = errors[0] if errors else {"field": "spec", "message": "invalid"}
        super().__init__(
            f"{first['field']}: {first['message']}" + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
        )


def is_semver(version: object) -> bool:
    return isinstance(version, str) and SEMVER_RE.match(version) is not None


def memory_bytes(value: object) -> int | None:
    """'512m' -> 536870912, '2Gi' -> 2147483648, 1024 -> 1024; None when malformed or not positive."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if not isinstance(value, str):
        return None
    match = MEMORY_RE.match(value.strip())
    if match is None:
        return None
    number = float(match.group(1))
    unit = (match.group(2) or "").lower()
    result = int(number * MEMORY_UNITS[unit])
    return result if result > 0 else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})


def _text(data: Mapping[str, Any], key: str, errs: _Collector, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        errs.add(key, "must be a string")
        return default
    if len(value) > TEXT_LIMITS[key]:
        errs.add(key, f"must be at most {TEXT_LIMITS[key]} characters")
        return default
    if key != "description" and BIDI_CONTROLS.intersection(value):
        errs.add(key, "may not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, ...)")
        return default
    return value.strip()


def _renamed_from(data: Mapping[str, Any], where: str, errs: _Collector) -> str | list[str] | None:
    """`renamed_from`: the earlier name (or names) of a port or parameter, for the upgrade assistant."""
    value = data.get("renamed_from")
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and PORT_RE.match(n) for n in names):
        errs.add(where, "must be an earlier name (an identifier) or a list of them")
        return None
    return value if isinstance(value, str) else list(value)


def _ports(data: Mapping[str, Any], key: str, errs: _Collector, seen: dict[str, str]) -> list[dict[str, Any]]:
    raw = data.get(key, [])
    if raw is None:
        return []
    if not isinstance(raw, list):
        errs.add(key, "must be a list of ports")
        return []
    ports: list[dict[str, Any]] = []
    for i, port in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(port, Mapping):
            errs.add(where, "must be a mapping with name and type")
            continue
        name = port.get("name")
        if not isinstance(name, str) or not PORT_RE.match(name):
            errs.add(f"{where}.name", "must be an identifier (letters, digits, underscore; not starting with a digit)")
            name = None
        elif name in seen:
            errs.add(f"{where}.name", f"port name '{name}' is already used by {seen[name]}")
        else:
            seen[name] = where
        ptype = port.get("type")
        if ptype not in PORT_TYPES:
            errs.add(f"{where}.type", f"must be one of {', '.join(PORT_TYPES)} (got {ptype!r})")
        optional = port.get("optional", False)
        if not isinstance(optional, bool):
            errs.add(f"{where}.optional", "must be true or false")
            optional = False
        description = port.get("description", "")
        if description is None:
            description = ""
        if not isinstance(description, str):
            errs.add(f"{where}.description", "must be a string")
            description = ""
        elif len(description) > MAX_PORT_DESCRIPTION:
            errs.add(f"{where}.description", f"must be at most {MAX_PORT_DESCRIPTION} characters")
            description = ""
        renamed_from = _renamed_from(port, f"{where}.renamed_from", errs)
        columns_from = port.get("columns_from")
        allowed = {"name", "type", "optional", "description", "renamed_from"}
        if key == "outputs":
            allowed.add("columns_from")
            if columns_from is not None and not (isinstance(columns_from, str) and PORT_RE.match(columns_from)):
                errs.add(f"{where}.columns_from", "must name one of the module's inputs")
                columns_from = None
        for extra in sorted(set(port) - allowed):
            errs.add(f"{where}.{extra}", "unknown port field")
        out: dict[str, Any] = {"name": name, "type": ptype}
        if optional:
            out["optional"] = True
        if description:
            out["description"] = description
        if renamed_from is not None:
            out["renamed_from"] = renamed_from
        if key == "outputs" and columns_from is not None:
            out["columns_from"] = columns_from
        ports.append(out)
    return ports


def _parameters(data: Mapping[str, Any], errs: _Collector) -> dict[str, Any]:
    raw = data.get("parameters", {})
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errs.add("parameters", "must be a mapping of parameter name to JSON Schema")
        return {}
    params: dict[str, Any] = {}
    for name, schema in raw.items():
        where = f"parameters.{name}"
        if not isinstance(name, str) or not PORT_RE.match(name):
            errs.add(where, "parameter names must be identifiers")
            continue
        if not isinstance(schema, Mapping):
            errs.add(where, "must be a JSON Schema object")
            continue
        schema = json.loads(json.dumps(schema))  # plain JSON types only
        if "renamed_from" in schema and _renamed_from(schema, f"{where}.renamed_from", errs) is None:
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            path = "".join(f".{p}" for p in exc.path)
            errs.add(f"{where}{path}", f"not a valid JSON Schema: {exc.message}")
            continue
        if "default" in schema:
            try:
                Draft202012Validator(schema).validate(schema["default"])
            except SchemaValidationError as exc:
                errs.add(f"{where}.default", f"default does not match the schema: {exc.message}")
                continue
        params[name] = schema
    return params


def _runtime(data: Mapping[str, Any], errs: _Collector) -> dict[str, Any]:
    raw = data.get("runtime")
    if not isinstance(raw, Mapping):
        errs.add("runtime", "is required: a mapping with image and command")
        return {}
    image = raw.get("image")
    if not isinstance(image, str) or not image.strip():
        errs.add("runtime.image", "is required: a container image reference")
        image = ""
    command = raw.get("command")
    if not isinstance(command, list) or not command or not all(isinstance(c, str) and c for c in command):
        errs.add("runtime.command", "is required: a non-empty list of strings")
        command = []
    env_raw = raw.get("env", {}) or {}
    env: dict[str, str] = {}
    if not isinstance(env_raw, Mapping):
        errs.add("runtime.env", "must be a mapping of names to strings")
    else:
        for key, value in env_raw.items():
            if not isinstance(key, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
                errs.add(f"runtime.env.{key}", "must be an environment variable name")
            elif is_reserved(key):
                errs.add(f"runtime.env.{key}", "is reserved for the installation (PIPEWRIGHT_*, PATH, LD_*, ...)")
            elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
                errs.add(f"runtime.env.{key}", "must be a string")
            else:
                env[key] = str(value)
    res_raw = raw.get("resources", {}) or {}
    cpu: Any = DEFAULT_CPU
    memory: Any = DEFAULT_MEMORY
    if not isinstance(res_raw, Mapping):
        errs.add("runtime.resources", "must be a mapping with cpu and memory")
    else:
        cpu = res_raw.get("cpu", DEFAULT_CPU)
        if not _is_number(cpu) or cpu <= 0:
            errs.add("runtime.resources.cpu", "must be a positive number")
        memory = res_raw.get("memory", DEFAULT_MEMORY)
        if memory_bytes(memory) is None:
            errs.add("runtime.resources.memory", "must be a size like 512m, 1g or 2Gi")
        for extra in sorted(set(res_raw) - {"cpu", "memory"}):
            errs.add(f"runtime.resources.{extra}", "unknown resource")
    timeout = raw.get("timeout", DEFAULT_TIMEOUT)
    if not _is_int(timeout) or timeout <= 0:
        errs.add("runtime.timeout", "must be a positive integer (seconds)")
    retries = raw.get("retries", 0)
    if not _is_int(retries) or not 0 <= retries <= MAX_RETRIES:
        errs.add("runtime.retries", f"must be an integer from 0 to {MAX_RETRIES}")
    for extra in sorted(set(raw) - set(RUNTIME_KEYS)):
        errs.add(f"runtime.{extra}", "unknown runtime field")
    return {
        "image": image.strip() if isinstance(image, str) else image,
        "command": list(command),
        "env": env,
        "resources": {"cpu": cpu, "memory": memory},
        "timeout": timeout,
        "retries": retries,
    }


def validate_spec(data: object) -> dict[str, Any]:
    """The normalized spec (fixed key order, defaults filled) or SpecError listing every problem."""
    errs = _Collector()
    if not isinstance(data, Mapping):
        raise SpecError([{"field": "spec", "message": "must be a mapping (YAML or JSON object)"}])
    check_size(data)
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errs.add("name", "must be a slug: lower-case letters, digits and dashes")
    version = data.get("version")
    if isinstance(version, str) and len(version) > MAX_VERSION_CHARS:
        errs.add("version", f"must be at most {MAX_VERSION_CHARS} characters")
    elif not is_semver(version):
        errs.add("version", f"must be a semantic version like 1.2.0 (got {version!r})")
    display_name = _text(data, "display_name", errs) or (name if isinstance(name, str) else "")
    category = _text(data, "category", errs)
    description = _text(data, "description", errs)
    inputs = _ports(data, "inputs", errs, {})
    outputs = _ports(data, "outputs", errs, {})
    input_names = {p["name"] for p in inputs}
    for i, port in enumerate(outputs):
        source = port.get("columns_from")
        if source is not None and source not in input_names:
            errs.add(f"outputs[{i}].columns_from", f"'{source}' is not one of the module's inputs")
    parameters = _parameters(data, errs)
    runtime = _runtime(data, errs)
    deterministic = data.get("deterministic", True)
    if not isinstance(deterministic, bool):
        errs.add("deterministic", "must be true or false")
    for extra in sorted(str(k) for k in set(data) - set(KNOWN_KEYS)):
        errs.add(extra, "unknown spec field")
    if errs.errors:
        raise SpecError(errs.errors)
    return {
        "name": name,
        "version": version,
        "display_name": display_name,
        "category": category,
        "description": description,
        "inputs": inputs,
        "outputs": outputs,
        "parameters": parameters,
        "runtime": runtime,
        "deterministic": deterministic,
    }


def _document_problem(value: object) -> str | None:
    """Why a loaded spec cannot be stored: nested too deeply, or a string (key or value) holding a
    NUL or a lone surrogate (YAML escapes such as "\\0" and "\\ud800" make them; PostgreSQL and
    UTF-8 refuse them). None when it can."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "may not contain NUL (\\0) characters"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "may not contain lone surrogate (\\ud800-\\udfff) characters"
        elif isinstance(item, (Mapping, list)):
            if depth > MAX_SPEC_DEPTH:
                return f"is nested more than {MAX_SPEC_DEPTH} levels deep"
            if isinstance(item, Mapping):
                stack.extend((key, depth + 1) for key in item)
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def check_size(data: Mapping[str, Any]) -> None:
    """SpecError naming `spec` when a spec is nested too deeply, too large, or holds a string that
    cannot be stored."""
    problem = _document_problem(data)
    if problem is not None:
        raise SpecError([{"field": "spec", "message": problem}])
    try:
        size = len(json.dumps(data, ensure_ascii=False, default=str))
    except (TypeError, ValueError) as exc:
        raise SpecError([{"field": "spec", "message": f"is not plain data: {exc}"}])
    if size > MAX_SPEC_CHARS:
        raise SpecError([{"field": "spec", "message": f"is larger than {MAX_SPEC_CHARS} characters"}])


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors and aliases (a 475-byte "billion laughs" document
    expands to gigabytes through them; a spec never needs one) and with at most MAX_SPEC_DEPTH
    levels of nesting. Refusals are YAMLErrors that name the line."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a spec", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_SPEC_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_SPEC_DEPTH} levels deep", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_bounded_yaml(text: str | bytes) -> object:
    """The document in `text` (at most MAX_SPEC_CHARS, no anchors or aliases, bounded nesting), or
    SpecError naming `spec` (with the line and column when the YAML itself is the problem)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SpecError([{"field": "spec", "message": "is not UTF-8 text"}])
    if len(text) > MAX_SPEC_CHARS:
        raise SpecError([{"field": "spec", "message": f"is larger than {MAX_SPEC_CHARS} characters"}])
    loader: BoundedLoader | None = None
    try:
        loader = BoundedLoader(text)
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SpecError([{"field": "spec", "message": f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"}])
    except ValueError as exc:  # the constructor's own: an impossible timestamp such as 2001-02-30
        raise SpecError([{"field": "spec", "message": f"not valid YAML: {exc}"}])
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(text: str | bytes) -> dict[str, Any]:
    """Parse (bounded: see `load_bounded_yaml`) and validate a YAML (or JSON) spec."""
    return validate_spec(load_bounded_yaml(text))


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(spec: Mapping[str, Any]) -> str:
    """Canonical YAML of a normalized spec (key order as normalized; stable across round trips)."""
    text: str = yaml.dump(
        dict(spec), Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return text


def runtime_memory_bytes(spec: Mapping[str, Any]) -> int:
    return memory_bytes(spec["runtime"]["resources"]["memory"]) or 1024**3


def digest(spec: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """sha256 over the interface + runtime, the source files (sorted) and the image reference."""
    interface = {k: spec[k] for k in ("name", "version", "inputs", "outputs", "parameters", "runtime", "deterministic")}
    payload = {
        "spec": interface,
        "files": sorted([path, text] for path, text in files.items()),
        "image": spec["runtime"]["image"],
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()

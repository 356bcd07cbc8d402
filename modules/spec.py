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
    return value.strip()


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
        for extra in sorted(set(port) - {"name", "type", "optional", "description"}):
            errs.add(f"{where}.{extra}", "unknown port field")
        out: dict[str, Any] = {"name": name, "type": ptype}
        if optional:
            out["optional"] = True
        if description:
            out["description"] = description
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
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errs.add("name", "must be a slug: lower-case letters, digits and dashes")
    version = data.get("version")
    if not is_semver(version):
        errs.add("version", f"must be a semantic version like 1.2.0 (got {version!r})")
    display_name = _text(data, "display_name", errs) or (name if isinstance(name, str) else "")
    category = _text(data, "category", errs)
    description = _text(data, "description", errs)
    inputs = _ports(data, "inputs", errs, {})
    outputs = _ports(data, "outputs", errs, {})
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


def load_yaml(text: str | bytes) -> dict[str, Any]:
    """Parse and validate a YAML (or JSON) spec."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SpecError([{"field": "spec", "message": f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"}])
    return validate_spec(data)


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

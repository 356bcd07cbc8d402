"""Every JSON answer an API test gets must match what /api/schema/ documents for it (the front
end's types are generated from that schema): undocumented fields, missing fields, wrong types and
undocumented status codes fail the test that received them."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
import pytest
from rest_framework.test import APIClient

_SKIP = {"readOnly", "writeOnly", "description", "example", "discriminator"}


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema for a response: `nullable`, refs, no write-only fields, and no
    field beyond the documented ones."""
    if isinstance(node, list):
        return [_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    props = node.get("properties", {})
    write_only = {name for name, s in props.items() if isinstance(s, dict) and s.get("writeOnly")}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SKIP:
            continue
        if key == "properties":
            out[key] = {name: _json_schema(s) for name, s in value.items() if name not in write_only}
        elif key == "required":
            out[key] = [name for name in value if name not in write_only]
        elif key == "$ref":
            out[key] = value.replace("#/components/schemas/", "#/$defs/")
        else:
            out[key] = _json_schema(value)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if out.pop("nullable", False):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _schema() -> tuple[dict[str, Any], list[tuple[re.Pattern[str], str, dict[str, Any]]]]:
    from drf_spectacular.generators import SchemaGenerator

    doc = SchemaGenerator().get_schema(request=None, public=True)
    defs = {name: _json_schema(s) for name, s in doc["components"]["schemas"].items()}
    # a literal segment wins over a placeholder (/api/schedules/preview is not /api/schedules/{id}/)
    paths = sorted(doc["paths"].items(), key=lambda item: item[0].count("{"))
    routes = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path.rstrip("/")) + "/?$"), path, ops) for path, ops in paths
    ]
    return defs, routes


def _problems(method: str, url: str, response: Any) -> list[str]:
    if response.status_code >= 300 or not response.get("Content-Type", "").startswith("application/json"):
        return []
    path = re.sub(r"^https?://[^/]+", "", url.split("?")[0])
    defs, routes = _schema()
    found = next(((p, ops) for rx, p, ops in routes if rx.match(path)), None)
    if found is None:
        return [f"{method} {path}: no such path in /api/schema/"]
    documented, ops = found
    where = f"{method} {documented} {response.status_code}"
    op = ops.get(method.lower())
    answer = None if op is None else op["responses"].get(str(response.status_code))
    content = None if answer is None else answer.get("content", {}).get("application/json")
    if content is None:
        return [f"{where}: not documented as a JSON answer"]
    validator = jsonschema.Draft202012Validator({**_json_schema(content["schema"]), "$defs": defs})
    return [f"{where} at {list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(response.json())]


@pytest.fixture(autouse=True)
def _answers_match_the_schema(monkeypatch: pytest.MonkeyPatch) -> Any:
    problems: list[str] = []
    generic = APIClient.generic

    def checked(self: APIClient, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        response = generic(self, method, path, *args, **kwargs)
        problems.extend(_problems(method, path, response))
        return response

    monkeypatch.setattr(APIClient, "generic", checked)
    yield
    assert not problems, "answers that /api/schema/ does not document:\n" + "\n".join(problems)

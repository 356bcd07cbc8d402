"""A module version published as multipart: `spec` (a YAML file or field) plus source files,
turned into the JSON body `PublishSerializer` validates."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from pipewright.errors import LocatedError

TRUE_WORDS = {"1", "true", "yes", "on"}


def publish_body(request: Request) -> dict[str, Any]:
    """{spec, files, is_default}: a form field named `file`/`files` uses the upload's file name as
    its path, any other field name is the path."""
    upload = request.FILES.get("spec")
    if upload is not None:
        spec_text: Any = utf8(upload.read(), "spec")
    elif "spec" in request.data:
        spec_text = request.data["spec"]
    else:
        raise LocatedError("A spec is required.", [{"field": "spec", "message": "upload the spec.yaml as 'spec'"}])
    files: dict[str, str] = {}
    for key in request.FILES:
        if key == "spec":
            continue
        for f in request.FILES.getlist(key):
            path = f.name if key in {"file", "files"} else key
            files[path] = utf8(f.read(), f"files.{path}")
    is_default = str(request.data.get("is_default", "")).lower() in TRUE_WORDS
    return {"spec": spec_text, "files": files, "is_default": is_default}


def utf8(raw: bytes, field: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LocatedError("Module files must be UTF-8 text.", [{"field": field, "message": "is not UTF-8 text"}])
    if "\x00" in text:
        raise LocatedError(
            "Module files must be text without NUL characters.", [{"field": field, "message": "is binary (NUL bytes)"}]
        )
    return text

"""The scoring operation in /api/schema/: `score_view` is a plain async Django view (DRF has no
async views), so drf-spectacular cannot see it; this postprocessing hook documents it."""

from __future__ import annotations

from typing import Any

ROW = {"type": "object", "additionalProperties": True, "description": "{column: value}, per the version's schema"}
ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}


def add_score_operation(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})["deploymentToken"] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <key>`: a token of this deployment (pwd_...), or a personal token of a team member.",
    }
    answer = {
        "type": "object",
        "properties": {
            "version": {"type": "integer", "description": "The deployment version that answered."},
            "rows": {"type": "array", "items": ROW},
            "retried": {"type": "boolean", "description": "A replica failed and another answered."},
        },
        "required": ["version", "rows", "retried"],
    }
    json_of = lambda schema: {"application/json": {"schema": schema}}  # noqa: E731
    result.setdefault("paths", {})["/api/deployments/{slug}/score"] = {
        "post": {
            "operationId": "deployments_score",
            "tags": ["deployments"],
            "description": (
                "Score rows with the deployment (its default version, or the canary by its share). Each row must "
                "have exactly the input columns of the version's schema; a bad row is a 400 naming the row and "
                "column. A replica that fails mid-request is retried once on another replica."
            ),
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {
                "required": True,
                "content": json_of(
                    {"type": "object", "properties": {"rows": {"type": "array", "items": ROW}}, "required": ["rows"]}
                ),
            },
            "security": [{"deploymentToken": []}],
            "responses": {
                "200": {"description": "Scored rows", "content": json_of(answer)},
                "400": {"description": "A bad row or body", "content": json_of(ERROR)},
                "401": {"description": "No token, or not one of this deployment", "content": json_of(ERROR)},
                "404": {"description": "No such deployment", "content": json_of(ERROR)},
                "503": {"description": "No ready replica answered", "content": json_of(ERROR)},
            },
        }
    }
    return result

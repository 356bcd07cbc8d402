"""One error shape for the whole API: {"detail": "...", "errors": [{"field"|"node"|"port": ..., "message": ...}]}."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """An error a service raises for its caller; plain Python, no HTTP. `exception_handler` below
    is the one place that turns it into a response: its status, `detail` and located `errors`."""

    status_code = 400
    default_detail = "Invalid input."

    def __init__(self, detail: str | None = None, errors: list[dict[str, Any]] | None = None):
        self.detail = detail or self.default_detail
        self.errors = errors or []
        super().__init__(self.detail)


class LocatedError(DomainError):
    """A 400 (or `status_code`) whose `errors` name their places: field, node or port."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None, status_code: int | None = None):
        super().__init__(detail, errors)
        if status_code is not None:
            self.status_code = status_code


class NotFound(DomainError):
    status_code = 404
    default_detail = "Not found."


class Forbidden(DomainError):
    status_code = 403
    default_detail = "You do not have permission to do this."


class Conflict(DomainError):
    status_code = 409
    default_detail = "Conflict."


class PreconditionFailed(DomainError):
    status_code = 412
    default_detail = "The object changed since you read it; reload and try again."


class PreconditionRequired(DomainError):
    status_code = 428
    default_detail = "This request needs an If-Match header with the ETag from your last read."


def _flatten(data: Any, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix
            out.extend(_flatten(value, name))
    elif isinstance(data, list):
        if all(not isinstance(v, (dict, list)) for v in data):
            out.extend({"field": prefix or None, "message": str(v)} for v in data)
        else:
            for i, value in enumerate(data):
                out.extend(_flatten(value, f"{prefix}[{i}]"))
    else:
        out.append({"field": prefix or None, "message": str(data)})
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {
                "detail": f"The request body is larger than {limit} bytes.",
                "errors": [{"field": None, "message": f"is larger than the limit of {limit} bytes ({exc})"}],
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent):
        return Response(
            {"detail": str(exc), "errors": [{"field": None, "message": str(exc)}]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, "errors": exc.errors}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        errors = _flatten(response.data)
        first = errors[0] if errors else {"field": None, "message": "Invalid input."}
        where = f"{first['field']}: " if first.get("field") else ""
        response.data = {"detail": f"{where}{first['message']}", "errors": errors}
    else:
        data = response.data if isinstance(response.data, dict) else {"detail": response.data}
        detail = data.get("detail", "Error.")
        errors = getattr(exc, "errors", None)  # pipewright.parsers.BodyError locates its problem
        response.data = {"detail": str(detail), "errors": errors if errors is not None else data.get("errors", [])}
    return response

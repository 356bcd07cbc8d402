"""Every list endpoint pages the same way (DEFAULT_PAGINATION_CLASS): keyset cursors over a
stable, unique order.

An answer is `{"next": url | null, "previous": url | null, "results": [...]}`. A view names its
order in `ordering` (model fields, `-` for descending, relations with `__`), ending with the
primary key so that no two rows tie. A cursor holds the values of those fields for the row it
follows (or precedes, for `previous`), so walking `next` links returns every row that existed
when the walk began exactly once, in order, even while rows are added or removed: a new row lands
before or after the cursor, never shifts a page the way an offset would.

`?page_size=` is 1..200 (default 50); more than 200 is clamped to 200; anything else that is not
a positive integer is a 400 naming `page_size`. A cursor this server did not issue (or one from
another list) is a 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Field, Model, Q, QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from pipewright.errors import LocatedError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _bad_cursor() -> LocatedError:
    return LocatedError(
        "cursor is not a cursor of this list; follow the next/previous links as given.",
        [{"field": "cursor", "message": "invalid cursor"}],
    )


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _model_field(model: type[Model], path: str) -> Field[Any, Any]:
    """The model field at the end of `path` (`team__name`, `team_id`, `created_at`)."""
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    field = model._meta.pk if parts[-1] == "pk" else model._meta.get_field(parts[-1])
    return field  # type: ignore[return-value]


def _value_of(row: Any, path: str) -> Any:
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _after(fields: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the order `fields`: (a > x) or (a = x and b > y) or ...,
    with the leading bound (a >= x) spelled out so that an index on the first field serves it."""
    either = Q()
    for i, name in enumerate(fields):
        column = name.lstrip("-")
        step = Q(**{f"{column}__{'lt' if name.startswith('-') else 'gt'}": values[i]})
        for earlier, value in zip(fields[:i], values[:i], strict=True):
            step &= Q(**{earlier.lstrip("-"): value})
        either = step if i == 0 else either | step
    first = fields[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & either


class CursorPage(CursorPagination):
    """Keyset cursor pagination over the view's `ordering` (see the module docstring)."""

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering: Any = ("-id",)

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None) or self.ordering
        return tuple([ordering] if isinstance(ordering, str) else ordering)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise LocatedError(
                f"page_size must be an integer from 1 to {self.max_page_size}.",
                [{"field": "page_size", "message": f"must be an integer from 1 to {self.max_page_size}"}],
            )
        return min(int(raw), self.max_page_size)

    def decode_position(self, request: Request, model: type[Model]) -> tuple[list[Any], bool] | None:
        """(the values of the ordering fields, reverse) from `?cursor=`, or None without one."""
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
        except (ValueError, UnicodeError, binascii.Error):
            raise _bad_cursor() from None
        if not isinstance(data, dict) or not isinstance(data.get("p"), list) or not isinstance(data.get("r"), bool):
            raise _bad_cursor()
        values: list[Any] = data["p"]
        if len(values) != len(self.fields):
            raise _bad_cursor()
        parsed = []
        for name, value in zip(self.fields, values, strict=True):
            if value is None or isinstance(value, list | dict) or (isinstance(value, str) and "\x00" in value):
                raise _bad_cursor()
            try:
                field = _model_field(model, name.lstrip("-"))
                value = field.to_python(value)
                field.run_validators(value)  # e.g. an integer beyond the column's range
                parsed.append(value)
            except (ValidationError, ValueError, TypeError, FieldDoesNotExist):
                raise _bad_cursor() from None
        return parsed, data["r"]

    def link(self, values: Sequence[Any], reverse: bool) -> str:
        """This URL (filters and page size kept) with a cursor at `values`."""
        raw = json.dumps({"p": [_jsonable(v) for v in values], "r": reverse}, separators=(",", ":")).encode()
        token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        return str(replace_query_param(self.base_url, self.cursor_query_param, token))

    def position_of(self, row: Any) -> list[Any]:
        return [_value_of(row, name.lstrip("-")) for name in self.fields]

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.fields = self.get_ordering(request, queryset, view)
        position = self.decode_position(request, queryset.model)
        reverse = position is not None and position[1]
        order = [_flip(f) for f in self.fields] if reverse else list(self.fields)
        rows = queryset.order_by(*order)
        if position is not None:
            rows = rows.filter(_after(order, position[0]))
        page = list(rows[: self.page_size + 1])
        more = len(page) > self.page_size
        page = page[: self.page_size]
        if reverse:
            page.reverse()
        self.page = page
        self.has_next = (not reverse and more) or (reverse and position is not None)
        self.has_previous = (reverse and more) or (not reverse and position is not None)
        self.position = position
        return page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        if self.page:
            return self.link(self.position_of(self.page[-1]), reverse=False)
        assert self.position is not None  # an empty page reached backwards: go on from the cursor
        return self.link(self.position[0], reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if self.page:
            return self.link(self.position_of(self.page[0]), reverse=True)
        assert self.position is not None  # an empty page after the cursor: go back from it
        return self.link(self.position[0], reverse=True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "the next page, null on the last"},
                "previous": {**link, "description": "the previous page, null on the first"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "a position from a next/previous link (opaque)",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"rows per page, 1..{self.max_page_size} (default {self.page_size}; "
                f"more than {self.max_page_size} is clamped)",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

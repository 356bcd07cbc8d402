"""Serializer fields and query-parameter readers shared by every API package: each refuses what
it cannot hold with a 400 naming the field (never a 500 from the database later)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import serializers

from pipewright.errors import LocatedError
from pipewright.parsers import depth_over, find_bad_text

# Characters that reorder or hide text (Trojan Source, CVE-2021-42574): a name holding one can
# display as something else ("invoice\u202efdp.exe" shows as "invoiceexe.pdf").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint, the widest integer column
RUN_PARAMETERS_MAX_COUNT = 200
RUN_PARAMETER_NAME_MAX = 100
RUN_PARAMETER_MAX_DEPTH = 16


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name (a bidi control or another control character), or None."""
    for char in value:
        if char in BIDI_CONTROLS:
            return f"may not contain the bidirectional control character U+{ord(char):04X}"
        if unicodedata.category(char) == "Cc":
            return f"may not contain the control character U+{ord(char):04X}"
    return None


def refuse_bad_name(value: str) -> None:
    problem = name_problem(value)
    if problem is not None:
        raise serializers.ValidationError(problem)


class NameField(serializers.CharField):
    """A one-line name shown to people: bounded (`max_length` is required), no control characters,
    no bidirectional overrides."""

    def __init__(self, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(refuse_bad_name)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF's BooleanField would also take "yes", 1, "on", ...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (DRF's IntegerField would also take "3", 3.0 and true), at most a
    PostgreSQL bigint unless `max_value` says less."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return int(super().to_internal_value(data))


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


class ParametersField(serializers.DictField):
    """A run's pipeline parameter values: a JSON object of at most `RUN_PARAMETERS_MAX_BYTES` (as
    compact JSON), each value at most `RUN_PARAMETER_MAX_BYTES` and `RUN_PARAMETER_MAX_DEPTH`
    levels deep; a value over its limit is a 400 naming `parameters.<name>`."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            self.fail("not_a_dict", input_type=type(data).__name__)
        if len(data) > RUN_PARAMETERS_MAX_COUNT:
            raise serializers.ValidationError(f"at most {RUN_PARAMETERS_MAX_COUNT} parameters")
        errors: dict[str, list[str]] = {}
        for name, value in data.items():
            if not isinstance(name, str) or len(name) > RUN_PARAMETER_NAME_MAX:
                raise serializers.ValidationError(f"parameter names are at most {RUN_PARAMETER_NAME_MAX} characters")
            if depth_over(value, RUN_PARAMETER_MAX_DEPTH) is not None:
                errors[name] = [f"is nested more than {RUN_PARAMETER_MAX_DEPTH} levels deep"]
            elif json_size(value) > settings.RUN_PARAMETER_MAX_BYTES:
                errors[name] = [f"is larger than {settings.RUN_PARAMETER_MAX_BYTES} bytes as JSON"]
            elif find_bad_text(value) is not None:
                errors[name] = ["may not contain NUL (\\u0000) or lone surrogate characters"]
        if errors:
            raise serializers.ValidationError(errors)
        if json_size(dict(data)) > settings.RUN_PARAMETERS_MAX_BYTES:
            raise serializers.ValidationError(
                f"all parameters together are larger than {settings.RUN_PARAMETERS_MAX_BYTES} bytes as JSON"
            )
        return dict(data)


def query_int(params: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """The integer query parameter `name` (None when absent or empty), or a 400 naming it when it
    is not ASCII digits or outside [minimum, maximum] (a PostgreSQL bigint by default)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise _bad_query_int(name, minimum, maximum)
    value = -int(digits) if negative else int(digits)
    if not minimum <= value <= maximum:
        raise _bad_query_int(name, minimum, maximum)
    return value


def _bad_query_int(name: str, minimum: int, maximum: int) -> LocatedError:
    message = f"must be an integer from {minimum} to {maximum}"
    return LocatedError(f"{name} {message}.", [{"field": name, "message": message}])

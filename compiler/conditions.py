"""Conditions on nodes: `eval.accuracy >= 0.9`, `params.mode == 'full'`, `params.notify`.

A condition compares one operand with a literal. The operand is a pipeline parameter
(`params.<name>`) or a metric an upstream step records (`<node>.<metric>`, from the step's
/out/metrics.json); with no comparison the operand itself must be true (a boolean parameter, or
a metric that is true). The compiler parses and types a condition (`parse`, then `check_param`
against the pipeline's declared parameters); the runner evaluates it (`evaluate`) when the
step's upstream steps have finished. Pure: no Django.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
ORDERING = frozenset({">=", "<=", ">", "<"})
CONDITION_MAX = 500

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NODE = r"[A-Za-z0-9][A-Za-z0-9_.-]*"  # greedy: the metric is the last dotted segment (a node may be 'sub.inner')
_OPERAND = re.compile(rf"(?:params\.(?P<param>{_NAME})|(?P<node>{_NODE})\.(?P<metric>[A-Za-z0-9_-]+))")
_EXPR = re.compile(r"\s*(?P<operand>\S+?)\s*(?:(?P<op>==|!=|>=|<=|>|<)\s*(?P<literal>.+?))?\s*")


@dataclass(frozen=True)
class Condition:
    """One parsed condition. `param` is set for a pipeline parameter, `node`/`metric` for a metric;
    `op` and `value` are None for a bare operand (true when the operand is true)."""

    text: str
    param: str | None = None
    node: str | None = None
    metric: str | None = None
    op: str | None = None
    value: Any = None

    @property
    def subject(self) -> str:
        return f"parameter '{self.param}'" if self.param is not None else f"metric '{self.metric}' of '{self.node}'"

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "param": self.param,
            "node": self.node,
            "metric": self.metric,
            "op": self.op,
            "value": self.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Condition | None:
        if data is None:
            return None
        return cls(
            text=data["text"],
            param=data.get("param"),
            node=data.get("node"),
            metric=data.get("metric"),
            op=data.get("op"),
            value=data.get("value"),
        )


def _literal(text: str) -> tuple[Any, str | None]:
    """A JSON literal (number, true, false, null, "string") or a 'single-quoted' string."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1], None
    try:
        value = json.loads(text)
    except ValueError:
        return None, f"{text!r} is not a number, true, false or a quoted string"
    if isinstance(value, (dict, list)):
        return None, f"{text!r} is not a number, true, false or a quoted string"
    return value, None


def parse(text: Any) -> tuple[Condition | None, str | None]:
    """(condition, None) or (None, what is wrong), for a node's `condition` field."""
    if not isinstance(text, str):
        return None, 'must be a string such as "evaluate.accuracy >= 0.9"'
    if not text.strip():
        return None, "is empty"
    if len(text) > CONDITION_MAX:
        return None, f"is longer than {CONDITION_MAX} characters"
    expr = _EXPR.fullmatch(text)
    operand = _OPERAND.fullmatch(expr.group("operand")) if expr is not None else None
    if expr is None or operand is None:
        return None, (
            f"{text.strip()!r} is not '<node>.<metric> <op> <value>' or 'params.<name> <op> <value>' "
            f"(op one of {' '.join(OPERATORS)})"
        )
    op, value = expr.group("op"), None
    if op is not None:
        value, problem = _literal(expr.group("literal"))
        if problem is not None:
            return None, problem
        if op in ORDERING and not _is_number(value):
            return None, f"'{op}' compares numbers, and {expr.group('literal')} is not a number"
    return (
        Condition(
            text=text.strip(),
            param=operand.group("param"),
            node=operand.group("node"),
            metric=operand.group("metric"),
            op=op,
            value=value,
        ),
        None,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else type(value).__name__


def check_param(cond: Condition, ptype: str) -> str | None:
    """What is wrong with comparing a pipeline parameter of type `ptype` as `cond` does, or None."""
    numeric = ptype in ("number", "integer")
    if cond.op is None:
        if ptype != "boolean":
            return f"parameter '{cond.param}' is a {ptype}; compare it with a value (e.g. params.{cond.param} == ...)"
        return None
    if cond.op in ORDERING:
        if not numeric:
            return f"'{cond.op}' compares numbers, and parameter '{cond.param}' is a {ptype}"
        return None
    if ptype in ("array", "object"):
        return f"parameter '{cond.param}' is an {ptype}; conditions compare numbers, strings and booleans"
    literal = _type_of(cond.value)
    if cond.value is not None and not (numeric and literal == "number") and literal != ptype:
        return f"parameter '{cond.param}' is a {ptype}, but {json.dumps(cond.value)} is a {literal}"
    return None


def evaluate(cond: Condition, parameters: dict[str, Any], metrics: dict[str, Any]) -> tuple[bool, str]:
    """(holds, why) for one run: `parameters` are the run's values, `metrics` those of the node the
    condition names. `why` says what was compared, for a skipped step's reason."""
    if cond.param is not None:
        if cond.param not in parameters:
            return False, f"parameter '{cond.param}' has no value"
        actual = parameters[cond.param]
    else:
        if cond.metric not in metrics:
            return False, f"step '{cond.node}' recorded no metric '{cond.metric}'"
        actual = metrics[cond.metric]
    shown = json.dumps(actual, default=str)
    if cond.op is None:
        return actual is True, f"{cond.subject} is {shown}"
    if cond.op in ORDERING:
        if not _is_number(actual):
            return False, f"{cond.subject} is {shown}, not a number"
        holds = {
            ">=": actual >= cond.value,
            "<=": actual <= cond.value,
            ">": actual > cond.value,
            "<": actual < cond.value,
        }[cond.op]
    else:
        equal = actual == cond.value and _type_of(actual) == _type_of(cond.value)
        holds = equal if cond.op == "==" else not equal
    return holds, f"{cond.subject} is {shown}"

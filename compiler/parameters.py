"""Pipeline parameters: their types, and the check of the values given to one run.

Pure: a run's values are checked against the plan alone (each step carries the JSON Schemas of
its module parameters that are bound to pipeline parameters), never against the catalog.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from compiler.plan import Plan, is_binding

# type name -> the exact Python types of a JSON value of that type (a bool is not a number)
PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def bound_schemas(plan: Plan) -> dict[str, list[tuple[str, Any]]]:
    """For each pipeline parameter, (where, JSON Schema) of every module parameter bound to it."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for step in plan.steps:
        for name, value in step.params.items():
            if is_binding(value):
                schema = step.param_schemas.get(name)
                out.setdefault(value["$param"], []).append(
                    (f"node '{step.node}' parameter '{name}'", schema if schema else {})
                )
    return out


def check_run_parameters(plan: Plan, given: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A run's pipeline parameter values (the given ones over the defaults) and the problems with
    them, each naming `parameters.<name>`: unknown, missing, of the wrong type, or outside a bound
    module parameter's schema. No problems means the values can run."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return {}, [{"field": "parameters", "message": "must be an object"}]
    declared = {p.name: p for p in plan.parameters}
    problems: list[dict[str, str]] = [
        {"field": f"parameters.{n}", "message": "is not a parameter of this pipeline"}
        for n in sorted(set(given) - set(declared))
    ]
    values = plan.parameter_values({k: v for k, v in given.items() if k in declared})
    bound = bound_schemas(plan)
    for name, param in declared.items():
        value = values[name]
        if value is None:
            if bound.get(name):
                problems.append({"field": f"parameters.{name}", "message": "is required (it has no default)"})
            continue
        allowed = PARAMETER_TYPES.get(param.type)
        if allowed is not None and type(value) not in allowed:
            article = "an" if param.type[0] in "aeiou" else "a"
            problems.append(
                {"field": f"parameters.{name}", "message": f"must be {article} {param.type}, not {value!r}"}
            )
            continue
        if name in given:
            for where, schema in bound.get(name, []):
                error = best_match(Draft202012Validator(schema).iter_errors(value))
                if error is not None:
                    problems.append({"field": f"parameters.{name}", "message": f"{error.message} (for {where})"})
                    break
    return values, problems

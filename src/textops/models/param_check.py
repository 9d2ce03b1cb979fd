"""Checking an estimator's parameters against a table, without importing scikit-learn.

Linting the sweep's candidates must stay cheap (``textops graph`` lints every
step), but building 15 estimators imports scikit-learn and takes seconds. So
the candidates of :mod:`textops.models.candidates` are checked against
:data:`textops.models.estimator_table.ESTIMATOR_PARAMS`: for each known class,
whether it is a classifier and, per parameter, the values it accepts, taken
from scikit-learn's own ``_parameter_constraints`` by :func:`table_from_sklearn`
(a test keeps the table equal to the installed scikit-learn's). A value outside
the table's kinds gets scikit-learn's message shape: ``The 'alpha' parameter
of RidgeClassifier must be a float in the range [0, inf). Got -1 instead.``

An accepted value is one of these tuples::

    ("any",)                         anything (arrays, callables, estimators...)
    ("none",) ("bool",) ("dict",) ("list",)
    ("int" | "real" | "float", low, high, closed)   a number in an interval
    ("str", options)                 a str among ``options``, or any str if None
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Accepts", "check_value", "describe", "render_table", "table_from_sklearn"]

Accepts = tuple[Any, ...]

_BRACKETS = {"left": "[)", "right": "(]", "both": "[]", "neither": "()"}


def check_value(value: Any, accepts: Sequence[Accepts]) -> bool:
    """Whether ``value`` is one of the ``accepts`` kinds."""
    return any(_matches(value, kind) for kind in accepts)


def _matches(value: Any, kind: Accepts) -> bool:
    name = kind[0]
    if name == "any":
        return True
    if name == "none":
        return value is None
    if name == "bool":
        return isinstance(value, bool)
    if name == "dict":
        return isinstance(value, Mapping)
    if name == "list":
        return isinstance(value, list)
    if name == "str":
        return isinstance(value, str) and (kind[1] is None or value in kind[1])
    # numbers: bool is an int, as for scikit-learn's own intervals
    numeric = {"int": int, "real": int | float, "float": float}[name]
    if not isinstance(value, numeric) or (name == "float" and isinstance(value, bool)):
        return False
    return _in_interval(float(value), kind[1], kind[2], kind[3])


def _in_interval(value: float, low: float | None, high: float | None, closed: str) -> bool:
    if math.isnan(value):
        return False
    if low is not None and (value < low or (value == low and closed in ("right", "neither"))):
        return False
    return high is None or not (value > high or (value == high and closed in ("left", "neither")))


def describe(accepts: Sequence[Accepts]) -> str:
    """What the ``accepts`` kinds allow, in scikit-learn's words."""
    parts = [_describe(kind) for kind in accepts]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"


def _describe(kind: Accepts) -> str:
    name = kind[0]
    if name in ("any", "none"):
        return {"any": "anything", "none": "None"}[name]
    if name in ("bool", "dict", "list"):
        return f"an instance of '{name}'"
    if name == "str":
        return "an instance of 'str'" if kind[1] is None else f"a str among {set(kind[1])}"
    low = "-inf" if kind[1] is None else _number(kind[1])
    high = "inf" if kind[2] is None else _number(kind[2])
    left, right = _BRACKETS[kind[3]][0], _BRACKETS[kind[3]][1]
    noun = {"int": "an int", "real": "a float", "float": "a float (not an int)"}[name]
    return f"{noun} in the range {left}{low}, {high}{right}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def table_from_sklearn(
    paths: Sequence[str],
) -> dict[str, tuple[bool, dict[str, tuple[Accepts, ...]]]]:
    """The table rows of ``paths`` (class paths), from the installed scikit-learn."""
    import importlib

    from sklearn.base import ClassifierMixin

    table = {}
    for path in paths:
        module, _, name = path.rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        constraints = getattr(cls, "_parameter_constraints", {})
        params = {
            param: tuple(_kinds(constraints.get(param, [])))
            for param in sorted(cls._get_param_names())
        }
        table[path] = (issubclass(cls, ClassifierMixin), params)
    return table


def _kinds(constraints: Sequence[Any]) -> list[Accepts]:
    kinds: list[Accepts] = []
    for constraint in constraints:
        for kind in _kind(constraint):
            if kind not in kinds:
                kinds.append(kind)
    return kinds if kinds and ("any",) not in kinds else [("any",)]


def _kind(constraint: Any) -> list[Accepts]:
    from numbers import Integral, Real

    from sklearn.utils._param_validation import Hidden, Interval, RealNotInt, StrOptions

    if isinstance(constraint, Hidden):
        # a hidden class (a tree Criterion object) is never a config value; hidden
        # options (deprecated spellings) still are
        inner = constraint.constraint
        return [] if isinstance(inner, type) else _kind(inner)
    if constraint is None:
        return [("none",)]
    named: dict[str, list[Accepts]] = {
        "boolean": [("bool",)],
        "random_state": [("int", 0, 2**32 - 1, "both"), ("none",)],
        "verbose": [("int", 0, None, "left"), ("bool",)],
        "array-like": [("list",)],  # what YAML can give of one
    }
    if isinstance(constraint, str):
        return named.get(constraint, [("any",)])
    if isinstance(constraint, StrOptions):
        return [("str", tuple(sorted(constraint.options)))]
    if isinstance(constraint, Interval):
        kind = {Integral: "int", Real: "real", RealNotInt: "float"}[constraint.type]
        low, high = (_finite(constraint.left), _finite(constraint.right))
        return [(kind, low, high, constraint.closed)]
    return _type_kind(constraint)


def _type_kind(constraint: Any) -> list[Accepts]:
    from numbers import Integral, Real

    import numpy as np

    types = {
        str: ("str", None),
        dict: ("dict",),
        list: ("list",),
        np.ndarray: ("list",),
        Integral: ("int", None, None, "neither"),
        Real: ("real", None, None, "neither"),
    }
    if isinstance(constraint, type) and constraint in types:
        return [types[constraint]]
    if constraint is callable or (
        isinstance(constraint, type) and constraint.__module__.startswith(("sklearn.", "numpy"))
    ):
        return []  # a function or a library object: never a value a config can hold
    return [("any",)]  # estimators (HasMethods) and whatever else scikit-learn accepts


def _finite(bound: Any) -> float | None:
    return None if bound is None or math.isinf(bound) else bound


def render_table(paths: Sequence[str]) -> str:
    """The body of :mod:`textops.models.estimator_table` for ``paths``, from the installed
    scikit-learn: paste it below that module's ``# fmt: off``."""
    from importlib.metadata import version

    lines = [
        f'SKLEARN_VERSION = "{version("scikit-learn")}"',
        "",
        "ESTIMATOR_PARAMS: dict[str, tuple[bool, dict[str, tuple[Accepts, ...]]]] = {",
    ]
    for path, (is_classifier, params) in table_from_sklearn(paths).items():
        lines.append(f'    "{path}": ({is_classifier}, {{')
        for name, kinds in params.items():
            lines += _render_param(name, kinds)
        lines.append("    }),")
    return "\n".join([*lines, "}"]) + "\n"


def _render_param(name: str, kinds: tuple[Accepts, ...]) -> list[str]:
    line = f'        "{name}": {_literal(kinds)},'
    if len(line) < 100:
        return [line]
    lines = [f'        "{name}": (']
    for kind in kinds:
        line = f"            {_literal(kind)},"
        if len(line) < 100:
            lines.append(line)
            continue
        lines.append(f'            ("{kind[0]}", (')
        row = " " * 16
        for option in kind[1]:
            word = f"{_literal(option)}, "
            if len(row) + len(word) > 100:
                lines.append(row.rstrip())
                row = " " * 16
            row += word
        lines += [row.rstrip(), "            )),"]
    return [*lines, "        ),"]


def _literal(value: Any) -> str:
    return repr(value).replace("'", '"')

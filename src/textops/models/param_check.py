"""Checking an estimator's parameters against a table, without importing scikit-learn.

Linting the sweep's candidates must stay cheap (``textops graph`` lints every
step), but building 15 estimators imports scikit-learn and takes seconds. So
the candidates of :mod:`textops.models.candidates` are checked against
:data:`textops.models.estimator_table.ESTIMATOR_PARAMS`: for each known class,
whether it is a classifier and, per parameter, the values it accepts, taken
from scikit-learn's own ``_parameter_constraints`` by ``tests/support/sklearn_table.py``
(a test keeps the table equal to the installed scikit-learn's). A value outside
the table's kinds gets scikit-learn's message shape: ``The 'alpha' parameter
of RidgeClassifier must be a float in the range [0, inf). Got -1 instead.``

An accepted value is one of these tuples::

    ("any",)                         anything (a constraint the table cannot express)
    ("none",) ("bool",) ("dict",) ("list",)
    ("array",)                       an array-like: a list or a tuple
    ("int" | "real" | "float", low, high, closed)   a number in an interval
    ("str", options)                 a str among ``options``, or any str if None
    ("among", options)               a value among ``options`` (e.g. -inf, inf)
    ("estimator",)                   a nested ``{estimator: <class path>, params: {...}}``
    ("callable",)                    a function: nothing a config can give matches it
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["Accepts", "check_value", "describe"]

Accepts = tuple[Any, ...]

_BRACKETS = {"left": "[)", "right": "(]", "both": "[]", "neither": "()"}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "bool": bool,
    "dict": Mapping,
    "list": list,
    "array": (list, tuple),
}
_WORDS = {
    "any": "anything",
    "none": "None",
    "array": "an array-like (a list)",
    "estimator": "an estimator, given as {estimator: <class path>, params: {...}}",
    "callable": "a callable (which a config cannot give)",
}


def check_value(value: Any, accepts: Sequence[Accepts]) -> bool:
    """Whether ``value`` is one of the ``accepts`` kinds."""
    return any(_matches(value, kind) for kind in accepts)


def _matches(value: Any, kind: Accepts) -> bool:
    name = kind[0]
    if name in ("any", "none", "callable"):
        return {"any": True, "none": value is None, "callable": False}[name]
    if name in _TYPES:
        return isinstance(value, _TYPES[name])
    if name == "estimator":
        return isinstance(value, Mapping) and isinstance(value.get("estimator"), str)
    if name == "str":
        return isinstance(value, str) and (kind[1] is None or value in kind[1])
    if name == "among":
        return not isinstance(value, str) and value in kind[1]
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
    if name in _WORDS:
        return _WORDS[name]
    if name in _TYPES:
        return f"an instance of '{name}'"
    if name == "str":
        return "an instance of 'str'" if kind[1] is None else f"a str among {set(kind[1])}"
    if name == "among":
        return f"a value among {set(kind[1])}"
    low = "-inf" if kind[1] is None else _number(kind[1])
    high = "inf" if kind[2] is None else _number(kind[2])
    left, right = _BRACKETS[kind[3]][0], _BRACKETS[kind[3]][1]
    noun = {"int": "an int", "real": "a float", "float": "a float (not an int)"}[name]
    return f"{noun} in the range {left}{low}, {high}{right}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)

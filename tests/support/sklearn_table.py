"""Generating :mod:`textops.models.estimator_table` from the installed scikit-learn.

The table holds, per class, whether it is a classifier and the kinds of value
(see :mod:`textops.models.param_check`) each parameter accepts, read from
scikit-learn's own ``_parameter_constraints``. A unit test checks that the
committed table equals :func:`table_from_sklearn`'s; after upgrading
scikit-learn, rewrite it with ``python tests/support/sklearn_table.py``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from textops.models import estimator_table
from textops.models.param_check import Accepts

Table = dict[str, tuple[bool, dict[str, tuple[Accepts, ...]]]]

_START, _END = "# fmt: off\n", "# fmt: on\n"


def table_from_sklearn(paths: Sequence[str]) -> Table:
    """The table rows of ``paths`` (class paths), from the installed scikit-learn."""
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

    from sklearn.utils._param_validation import (
        HasMethods,
        Hidden,
        Interval,
        Options,
        RealNotInt,
        StrOptions,
    )

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
        "array-like": [("array",)],  # what YAML (or Python) can give of one
    }
    if isinstance(constraint, str):
        return named.get(constraint, [("any",)])
    if isinstance(constraint, StrOptions):
        return [("str", tuple(sorted(constraint.options)))]
    if isinstance(constraint, Options):
        return [("among", tuple(sorted(constraint.options)))]
    if isinstance(constraint, Interval):
        kind = {Integral: "int", Real: "real", RealNotInt: "float"}[constraint.type]
        low, high = (_finite(constraint.left), _finite(constraint.right))
        return [(kind, low, high, constraint.closed)]
    if isinstance(constraint, HasMethods):
        return [("estimator",)]  # only a nested spec builds an object with methods
    if constraint is callable:
        return [("callable",)]
    return _type_kind(constraint)


def _type_kind(constraint: Any) -> list[Accepts]:
    from numbers import Integral, Real

    types: dict[type, Accepts] = {
        str: ("str", None),
        dict: ("dict",),
        list: ("list",),
        Integral: ("int", None, None, "neither"),
        Real: ("real", None, None, "neither"),
    }
    if isinstance(constraint, type) and constraint in types:
        return [types[constraint]]
    if isinstance(constraint, type) and constraint.__module__.startswith(("sklearn.", "numpy")):
        return []  # a library object (an ndarray, a DistanceMetric): never a config value
    return [("any",)]  # whatever else scikit-learn accepts


def _finite(bound: Any) -> float | None:
    return None if bound is None or math.isinf(bound) else bound


def render_table(paths: Sequence[str]) -> str:
    """The body of :mod:`textops.models.estimator_table` for ``paths``, from the installed
    scikit-learn: what follows that module's ``# fmt: off``."""
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
    """``value`` as Python source, double-quoted, infinities as ``float("inf")``."""
    if isinstance(value, tuple):
        items = [_literal(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, float) and math.isinf(value):
        return 'float("inf")' if value > 0 else '-float("inf")'
    return repr(value).replace("'", '"')


def rewrite_table(module_file: Path) -> None:
    """Rewrite ``module_file`` (the table module) between its ``# fmt: off`` and
    ``# fmt: on`` for the installed scikit-learn, keeping its classes."""
    text = module_file.read_text(encoding="utf-8")
    head = text[: text.index(_START) + len(_START)]
    tail = text[text.index(_END) :]
    body = render_table(list(estimator_table.ESTIMATOR_PARAMS))
    module_file.write_text(head + body + tail, encoding="utf-8")


if __name__ == "__main__":
    rewrite_table(Path(estimator_table.__file__))

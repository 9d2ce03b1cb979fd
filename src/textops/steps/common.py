"""What the steps share: which parts a step's data scope fits and evaluates on."""

from __future__ import annotations


def scope_parts(scope: str) -> tuple[str, str]:
    """The (fit, evaluate) parts for a step's ``data`` scope: ``subset`` or ``full``."""
    return ("train_subset", "test_subset") if scope == "subset" else ("train", "test")

"""fANOVA importances from the trials table: the parameter that drives the objective ranks first."""

from __future__ import annotations

import numpy as np
import pytest

from textops.tuning.importance import fanova_importances


def _trials(n: int = 60, seed: int = 0) -> tuple[list[dict[str, object]], list[float]]:
    """The objective follows the learning rate (log scale) and the architecture; dim is noise."""
    rng = np.random.default_rng(seed)
    params, values = [], []
    for _ in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        architecture = str(rng.choice(["fasttext", "mlp"]))
        dim = int(rng.integers(16, 257))
        params.append({"lr": lr, "architecture": architecture, "dim": dim})
        values.append(0.7 + 0.05 * (4 + np.log10(lr)) + (0.03 if architecture == "mlp" else 0.0)
                      + float(rng.normal(0, 0.002)))
    return params, values


def test_the_parameters_that_drive_the_objective_rank_first_and_shares_sum_to_one() -> None:
    importances = fanova_importances(*_trials())
    assert list(importances)[-1] == "dim"
    assert set(list(importances)[:2]) == {"lr", "architecture"}
    assert sum(importances.values()) == pytest.approx(1.0)


def test_a_parameter_some_trials_lack_or_with_one_value_is_not_judged() -> None:
    params, values = _trials()
    for i, row in enumerate(params):
        row["constant"] = 3
        if i % 2:
            row["hidden"] = 128  # as an mlp-only parameter would be
    assert set(fanova_importances(params, values)) == {"lr", "architecture", "dim"}


def test_too_few_trials_or_nothing_to_judge_gives_nothing() -> None:
    params, values = _trials(n=4)
    assert fanova_importances(params, values) == {}
    assert fanova_importances([{"a": 1}] * 10, [0.5] * 10) == {}
    flat = [{"a": i % 3, "b": "x" if i % 2 else "y"} for i in range(10)]
    assert fanova_importances(flat, [0.5] * 10) == {}  # no variance to share out

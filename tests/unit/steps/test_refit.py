"""The refit step alone: the sweep's ranking in, a cross-validated, exported linear model out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from textops.config.schema import DataConfig
from textops.execution.context import step_context
from textops.records import Leaderboard
from textops.steps.clean import Params as CleanParams
from textops.steps.clean import clean
from textops.steps.ingest import ingest
from textops.steps.refit import Params, refit

# "what"/"who" carry the class: the configured cleaning drops them as stop words
ROWS = pd.DataFrame({
    "text": [f"{'what' if i % 2 else 'who'} was the order {i}" for i in range(120)],
    "label": ["thing" if i % 2 else "person" for i in range(120)],
})
RANKING = [
    {"name": "ridge", "estimator": "sklearn.linear_model.RidgeClassifier"},
    {"name": "knn", "estimator": "sklearn.neighbors.KNeighborsClassifier"},
    {"name": "centroid", "estimator": "sklearn.neighbors.NearestCentroid"},
]


def test_refit_chooses_model_and_cleaning_on_train_folds_and_exports_it(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    ROWS.to_csv(tmp_path / "landing" / "rows.csv", index=False)
    store = tmp_path / "store"
    dataset = ingest.fn(step_context(store, name="ingest"),
                        DataConfig(source=str(tmp_path / "landing")))["dataset"]
    cleaned = clean.fn(step_context(store, name="clean"), CleanParams(), dataset=dataset)["cleaned"]
    board = Leaderboard(location="runs/x/sweep", metric="accuracy", best="ridge", best_value=0.5,
                        ranking=RANKING, tfidf={"stop_words": "english"})

    ctx = step_context(store, name="refit")
    model = refit.fn(ctx, Params(top_k=2, folds=3), cleaned=cleaned, leaderboard=board)["model"]

    assert model.family == "linear" and model.estimator in {"ridge", "centroid"}  # knn: no ONNX
    assert model.selection["cleaning"] == "raw" and model.cleaning is None
    assert model.metrics["accuracy"] == 1.0
    assert model.onnx_parity_max_abs_diff < 1e-6
    assert ctx.catalog.is_intact(model)
    graph, featurizer = ctx.catalog.model(model)
    assert len(graph) > 0 and featurizer
    (table,) = [rows for name, rows in ctx.reports if name == "refit"]
    assert set(table["candidate"]) == {"ridge", "centroid"}
    # the configured cleaning leaves no term here (stop words, numbers, "order" everywhere):
    # its contenders lose with the reason instead of sinking the step
    configured = table[table["cleaning"] == "configured"]
    assert configured["error"].str.contains("no usable term").all()

"""sweep: the scikit-learn bake-off, each candidate a child run, and a leaderboard.

Features are computed once (TF-IDF on the cleaned text) and scattered to the
executor once; the candidates fit as tasks there (a Dask cluster by default).
Workers only fit and score: the driver logs every returned result, one child
run per candidate, so a worker never needs the tracking server and a failed
worker cannot leave a half-logged run behind.
"""

from __future__ import annotations

import json
from typing import Any

from textops.models.sweep import SweepSettings
from textops.records import CleanedData, Leaderboard, Record
from textops.steps.base import StepContext, StepParams, step
from textops.steps.common import scope_parts


class Params(StepParams, SweepSettings):
    """The candidates, TF-IDF settings, seed, ranking metric and per-candidate memory bound."""


def _check(params: Params) -> None:
    from textops.models.candidates import validate_candidates

    validate_candidates(params.candidates)


@step("sweep", outputs={"leaderboard": Leaderboard}, compute="cluster", environment="sklearn",
      data="subset", check=_check)
def sweep(ctx: StepContext, params: Params, *, cleaned: CleanedData) -> dict[str, Record]:
    """Fit the candidates on the train part, score them on the test part, rank them."""
    from textops.models.features import build_features
    from textops.models.sweep import leaderboard, run_sweep

    fit_part, eval_part = scope_parts(ctx.scope)
    train = ctx.catalog.load(cleaned, part=fit_part)
    test = ctx.catalog.load(cleaned, part=eval_part)
    features = build_features(
        train["text"].to_numpy(), train["label"].to_numpy(),
        test["text"].to_numpy(), test["label"].to_numpy(), settings=params.tfidf,
    )
    ctx.tracker.log(params={"fit_part": fit_part, "eval_part": eval_part},
                    metrics={k: float(v) for k, v in features.describe().items()})
    results = run_sweep(
        features, params.candidates, ctx.executor, seed=params.seed,
        memory_limit=params.memory_limit, save_skops=params.save_skops,
        n_threads=params.n_threads, on_result=_CandidateLog(ctx, params),
    )
    board = leaderboard(results, metric=params.metric)
    ctx.catalog.save(ctx.out, Leaderboard, board)
    ctx.report("sweep", board.assign(
        dataset_name=cleaned.dataset.name, dataset_version=cleaned.dataset.version,
        fit_part=fit_part, eval_part=eval_part, metric=params.metric,
    ))
    ctx.tracker.log_text(board.to_csv(index=False), "leaderboard.csv")
    return {"leaderboard": _summary(ctx, params, board)}


def _summary(ctx: StepContext, params: Params, board: Any) -> Leaderboard:
    ok = board[board["status"] == "ok"]
    best = ok.iloc[0] if len(ok) else None
    if best is not None:
        ctx.tracker.log(metrics={f"best_{params.metric}": float(best[params.metric])},
                        tags={"textops.best_candidate": str(best["name"])})
    specs = {spec.name: spec for spec in params.candidates}
    return Leaderboard(
        location=ctx.out.location, metric=params.metric,
        best=None if best is None else str(best["name"]),
        best_value=None if best is None else float(best[params.metric]),
        failed=[str(name) for name in board.loc[board["status"] != "ok", "name"]],
        ranking=[specs[str(name)].model_dump(mode="json") for name in ok["name"]],
        tfidf=params.tfidf.model_dump(mode="json"),
    )


class _CandidateLog:
    """In the driver, as each candidate's result arrives: its child run, then the progress."""

    def __init__(self, ctx: StepContext, params: Params) -> None:
        self.ctx, self.metric, self.total = ctx, params.metric, len(params.candidates)
        self.done = 0
        self.best: tuple[float, str] | None = None

    def __call__(self, result: dict[str, Any]) -> None:
        _log_candidate(self.ctx, result)
        self.done += 1
        value = (result.get("metrics") or {}).get(self.metric)
        if result["status"] == "ok" and value is not None and (
                self.best is None or float(value) > self.best[0]):
            self.best = (float(value), str(result["name"]))
        note = "" if self.best is None else f"best {self.best[1]} {self.metric} {self.best[0]:.4f}"
        self.ctx.progress.advance("candidates", self.done, self.total, note=note)


def _log_candidate(ctx: StepContext, result: dict[str, Any]) -> None:
    """One child run per candidate, logged in the driver as each result comes back."""
    artifacts: dict[str, bytes] = {}
    if result.get("confusion"):
        artifacts["confusion_matrix.json"] = json.dumps(result["confusion"]).encode()
        artifacts["confusion_matrix.html"] = _confusion_html(result["name"], result["confusion"])
    if result.get("pipeline_pickle"):
        artifacts["model/pipeline.pkl"] = result["pipeline_pickle"]
    if result.get("pipeline_skops"):
        artifacts["model/pipeline.skops"] = result["pipeline_skops"]
    timings = {k: result[k] for k in ("fit_seconds", "predict_seconds", "score_seconds")
               if result.get(k) is not None}
    tags = {"textops.candidate": result["name"], "textops.estimator": str(result.get("estimator")),
            "textops.status": result["status"], "textops.worker": str(result.get("worker"))}
    if result.get("error"):
        tags["textops.error"] = str(result["error"])[:5000]
    if result.get("skops_untrusted_types"):
        tags["textops.skops_untrusted_types"] = ",".join(result["skops_untrusted_types"])
    ctx.tracker.child(
        result["name"], params=result.get("params") or {}, metrics={**result["metrics"], **timings},
        tags=tags, artifacts=artifacts, status="FINISHED" if result["status"] == "ok" else "FAILED",
        start_time_ms=int(result["started_at"] * 1000),
        end_time_ms=int(result["finished_at"] * 1000) if result.get("finished_at") else None,
    )


def _confusion_html(name: str, confusion: dict[str, Any]) -> bytes:
    """The matrix as a shaded HTML table: a page that needs no script and opens offline."""
    from html import escape

    labels, matrix = [str(x) for x in confusion["labels"]], confusion["matrix"]
    peak = max((max(row) for row in matrix if row), default=0) or 1
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    rows = []
    for label, row in zip(labels, matrix, strict=True):
        cells = "".join(
            f'<td style="background:rgba(31,119,180,{count / peak:.3f})">{count}</td>'
            for count in row
        )
        rows.append(f"<tr><th>{escape(label)}</th>{cells}</tr>")
    title = escape(f"{name}: confusion matrix")
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}</style></head><body>"
        f"<h1>{title}</h1><p>rows: true class; columns: predicted class; cells: test documents"
        f'</p><table><tr><th>true \\ predicted</th>{head}</tr>{"".join(rows)}</table>'
        "</body></html>\n"
    )
    return page.encode()

"""The dashboard's models and monitoring charts: the sweep, tuning, the champion, traffic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textops.dashboard.charts import figure

if TYPE_CHECKING:
    import pandas as pd

#: the dataset versions a leaderboard compares (the latest ones)
LEADERBOARD_VERSIONS = 3


def leaderboard(sweep: pd.DataFrame) -> Any | None:
    """Each candidate's score in the latest sweep of the last few dataset versions."""
    if sweep.empty or "metric" not in sweep.columns:
        return None
    latest = sweep[sweep["run_id"] == sweep.groupby("dataset_version")["run_id"].transform("max")]
    latest = latest[latest["status"] == "ok"]
    metric = str(latest["metric"].iloc[-1]) if len(latest) else "f1_macro"
    versions = latest.sort_values("run_id")["dataset_version"].unique()[-LEADERBOARD_VERSIONS:]
    fig = figure(f"Sweep leaderboard ({metric})",
                 x=f"{metric} (0 to 1)", y="candidate")
    for version in versions:
        rows = latest[latest["dataset_version"] == version].sort_values(metric)
        fig.add_bar(name=f"version {version}", orientation="h", y=rows["name"], x=rows[metric])
    fig.update_layout(barmode="group", height=max(380, 26 * latest["name"].nunique() + 160))
    return fig


def latest_study(trials: pd.DataFrame) -> pd.DataFrame:
    if trials.empty or "study" not in trials.columns:
        return trials
    last = trials.sort_values("run_id")["study"].iloc[-1]
    return trials[trials["study"] == last].drop_duplicates("number", keep="last")


def tuning_history(trials: pd.DataFrame) -> Any | None:
    """Every trial's objective in the latest study, and the best so far."""
    study = latest_study(trials)
    done = study[study["state"] == "COMPLETE"].sort_values("number") if len(study) else study
    if done.empty:
        return None
    fig = figure(f"Tuning history of study {study['study'].iloc[0]}",
                 x="trial number", y="objective (validation metric, 0 to 1)")
    fig.add_scatter(name="trial", x=done["number"], y=done["value"], mode="markers")
    fig.add_scatter(name="best so far", x=done["number"], y=done["value"].cummax(),
                    mode="lines", line_shape="hv")
    pruned = study[study["state"] == "PRUNED"]
    if len(pruned):
        fig.add_scatter(name="pruned (no final value)", x=pruned["number"],
                        y=[done["value"].min()] * len(pruned), mode="markers",
                        marker_symbol="x", marker_color="#9e9e9e")
    return fig


def parameter_importance(trials: pd.DataFrame) -> Any | None:
    """Each parameter's importance in the latest study.

    Optuna's fANOVA on the study rebuilt from the trials table
    (:func:`textops.tuning.importance.fanova_importances`): each parameter's
    share of the objective's variance. Where fANOVA has nothing to judge (fewer
    than five complete trials, no parameter every trial has), a model-free
    reading instead: the absolute Spearman rank correlation for numeric
    parameters, the correlation ratio (eta) for the others, both 0 to 1. The
    axis says which.
    """
    import pandas as pd

    from textops.tuning.importance import fanova_importances

    study = latest_study(trials)
    done = study[study["state"] == "COMPLETE"] if len(study) else study
    if len(done) < 3:
        return None
    rows = [json.loads(p) if isinstance(p, str) else dict(p or {}) for p in done["params"]]
    scores = fanova_importances(rows, done["value"].astype(float).tolist())
    axis = "importance (fANOVA: share of the objective's variance, 0 to 1)"
    if not scores:
        params = pd.DataFrame(rows, index=done.index)
        scores = {name: _association(params[name], done["value"]) for name in params.columns}
        scores = {k: v for k, v in scores.items() if v == v}
        axis = "importance (|Spearman rho| or eta, 0 to 1)"
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1])
    fig = figure("Parameter importance (latest study)", x=axis, y="parameter")
    fig.add_bar(orientation="h", y=[k for k, _ in ranked], x=[v for _, v in ranked],
                name="importance")
    return fig


def _association(values: pd.Series, objective: pd.Series) -> float:
    import pandas as pd

    if values.nunique(dropna=True) < 2:
        return float("nan")
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all() and not pd.api.types.is_bool_dtype(values):
        return abs(float(numeric.rank().corr(objective.rank())))
    groups = objective.groupby(values.astype(str))
    total = float(((objective - objective.mean()) ** 2).sum())
    between = float((groups.size() * (groups.mean() - objective.mean()) ** 2).sum())
    return (between / total) ** 0.5 if total > 0 else float("nan")


def champion_history(events: pd.DataFrame) -> Any | None:
    """Which version was champion when, and every gate decision, from the registry's trail."""
    if events.empty:
        return None
    fig = figure("Champion history and gate decisions",
                 x="time (UTC)", y="model version")
    promoted = events[events["event"] == "promoted"].sort_values("time")
    if len(promoted):
        fig.add_scatter(name="champion", x=promoted["time"], y=promoted["model_version"],
                        mode="lines+markers", line_shape="hv", text=promoted["reason"],
                        hovertemplate="v%{y} champion<br>%{text}<extra></extra>")
    for kind, symbol in (("registered", "circle-open"), ("challenger", "diamond"),
                         ("demoted", "x")):
        rows = events[events["event"] == kind]
        if len(rows):
            fig.add_scatter(name=kind, x=rows["time"], y=rows["model_version"], mode="markers",
                            marker_symbol=symbol, marker_size=10, text=rows["reason"],
                            hovertemplate=f"v%{{y}} {kind}<br>%{{text}}<extra></extra>")
    fig.update_yaxes(dtick=1)
    return fig


def confusion(matrix: dict[str, Any], title: str) -> Any:
    """A confusion matrix (``labels``, ``matrix``) as a heatmap."""
    import plotly.graph_objects as go

    fig = figure(title, x="predicted class", y="true class")
    fig.add_trace(go.Heatmap(z=matrix["matrix"], x=matrix["labels"], y=matrix["labels"],
                             colorscale="Blues", colorbar={"title": "documents"},
                             hovertemplate="true %{y}<br>predicted %{x}<br>%{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return fig


def monitoring_trends(rows: pd.DataFrame) -> list[Any]:
    """Each numeric column of the monitoring table over time (at most six)."""
    import pandas as pd

    times = [c for c in rows.columns if c in ("time", "window_start", "timestamp", "created")]
    if rows.empty or not times:
        return []
    time = times[0]
    rows = rows.assign(**{time: pd.to_datetime(rows[time], utc=True)}).sort_values(time)
    numeric = [c for c in rows.select_dtypes("number").columns if c != time][:6]
    figures = []
    for column in numeric:
        fig = figure(f"Monitoring: {column} over time", x="time (UTC)", y=column)
        fig.add_scatter(name=column, x=rows[time], y=rows[column], mode="lines+markers")
        figures.append(fig)
    return figures

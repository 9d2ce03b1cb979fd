"""The dashboard's runs and data charts: Plotly figures from reporting tables.

Every figure has a title, labelled axes and their units. A function returns
None when its table holds nothing to draw, and the page says so instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

STATUS_COLOURS = {"completed": "#2e7d32", "cached": "#64b5f6", "pending": "#e0e0e0",
                  "failed": "#c62828", "skipped": "#bdbdbd", "ok": "#2e7d32",
                  "insufficient": "#9e9e9e",
                  "warn": "#ef6c00", "fail": "#c62828"}
#: the headline statistics of ``profile_summary`` and the unit of each
STATISTICS = {
    "rows": "documents", "duplicate_rate": "share of documents", "english_share":
    "share of judged documents", "vocabulary_size": "distinct terms", "char_count_median":
    "characters", "word_count_median": "words", "sentiment_mean": "VADER compound, -1 to 1",
    "stop_word_rate_mean": "share of words",
}
SHARES = {"duplicate_rate", "english_share", "stop_word_rate_mean"}
PARTS = ("full", "train", "test")
DRIFT_ORDER = ("ok", "insufficient", "warn", "fail")


def figure(title: str, *, x: str, y: str) -> Any:
    import plotly.graph_objects as go

    from textops.quality.chart_style import template

    fig = go.Figure(layout={"template": template()})  # replaces plotly's default template
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y,
                      height=380, margin={"l": 60, "r": 20, "t": 50, "b": 60},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def run_timeline(runs: pd.DataFrame) -> Any | None:
    """Each step of each run as a bar from its start (seconds into its run), by status."""
    import pandas as pd

    if runs.empty or "step_started" not in runs.columns:
        return None
    start = pd.to_datetime(runs["step_started"], utc=True, format="ISO8601")
    rows = runs.assign(offset=(start - start.groupby(runs["run_id"]).transform("min"))
                       .dt.total_seconds().fillna(0))
    fig = figure("Run timeline: each step from its start, by status",
                 x="time since the run started (s)", y="run")
    for status, group in rows.groupby("status", sort=True):
        fig.add_bar(
            name=str(status), orientation="h", y=group["run_id"], base=group["offset"],
            x=group["wall_seconds"].fillna(0).clip(lower=0.05),
            marker_color=STATUS_COLOURS.get(str(status), "#616161"),
            customdata=group[["step", "wall_seconds"]].to_numpy(),
            hovertemplate="%{y}<br>%{customdata[0]}: %{customdata[1]:.2f} s<extra></extra>",
        )
    fig.update_layout(barmode="overlay",
                      height=max(300, 28 * runs["run_id"].nunique() + 140))
    return fig


def step_durations(runs: pd.DataFrame) -> Any | None:
    """Stacked wall time of each step, per run."""
    if runs.empty:
        return None
    fig = figure("Wall time per step and run", x="run", y="wall time (s)")
    for step, group in runs.groupby("step", sort=False):
        fig.add_bar(name=str(step), x=group["run_id"], y=group["wall_seconds"])
    fig.update_layout(barmode="stack")
    return fig


def cache_hits(runs: pd.DataFrame) -> Any | None:
    """How many steps of each run ran, were reused from the cache, or failed."""
    if runs.empty:
        return None
    counts = runs.groupby(["run_id", "status"]).size().unstack(fill_value=0)
    fig = figure("Steps per run by status (cached: reused)",
                 x="run", y="steps (count)")
    for status in counts.columns:
        fig.add_bar(name=str(status), x=list(counts.index), y=counts[status],
                    marker_color=STATUS_COLOURS.get(str(status), "#616161"))
    fig.update_layout(barmode="stack")
    return fig


def by_version(summary: pd.DataFrame) -> pd.DataFrame:
    """One profile summary row per dataset version (its latest), oldest version first."""
    if summary.empty:
        return summary
    ordered = summary.sort_values(["created", "run_id"] if "run_id" in summary else ["created"])
    return ordered.drop_duplicates(["dataset_name", "version"], keep="last")


def statistic_trend(summary: pd.DataFrame, statistic: str) -> Any | None:
    """One profile statistic across versions, a line per dataset part."""
    columns = [f"{part}_{statistic}" for part in PARTS if f"{part}_{statistic}" in summary]
    if summary.empty or not columns:
        return None
    unit = STATISTICS[statistic]
    is_share = statistic in SHARES
    fig = figure(f"{statistic.replace('_', ' ')} across dataset versions",
                 x="dataset version (oldest first)", y=f"{unit} (%)" if is_share else unit)
    for column in columns:
        fig.add_scatter(name=column.split("_", 1)[0], x=summary["version"], y=summary[column],
                        mode="lines+markers")
    if is_share:
        fig.update_layout(yaxis_tickformat=".1%")
    fig.update_xaxes(type="category")
    return fig


def class_shares(summary: pd.DataFrame) -> Any | None:
    """Each class's share of the whole dataset, per version (stacked to 100 %)."""
    columns = [c for c in summary.columns if c.startswith("full_class_share_")]
    if summary.empty or not columns:
        return None
    fig = figure("Class shares across dataset versions (whole dataset)",
                 x="dataset version (oldest first)", y="share of documents (%)")
    for column in columns:
        fig.add_bar(name=column.removeprefix("full_class_share_"), x=summary["version"],
                    y=summary[column].fillna(0))
    fig.update_layout(barmode="stack", yaxis_tickformat=".0%")
    fig.update_xaxes(type="category")
    return fig


def drift_matrix(drift: pd.DataFrame) -> Any | None:
    """The worst status of each check per version, from each version's latest validation."""
    if drift.empty or "check_name" not in drift.columns:
        return None
    latest = drift.groupby("version")["run_id"].transform("max")
    rows = drift[drift["run_id"] == latest].assign(
        level=lambda f: f["status"].map({s: i for i, s in enumerate(DRIFT_ORDER)}).fillna(0))
    order = rows.drop_duplicates("version")["version"].tolist()
    worst = rows.groupby(["check_name", "version"])["level"].max().unstack()
    worst = worst.reindex(columns=order)
    import plotly.graph_objects as go

    fig = figure("Drift status per check and version (worst)",
                 x="dataset version (oldest first)", y="check")
    colours = [STATUS_COLOURS[s] for s in DRIFT_ORDER]
    width = 1 / len(colours)  # one band of the scale per status: a discrete legend
    scale: list[tuple[float, str]] = [
        (min(i * width + d, 1.0), c) for i, c in enumerate(colours) for d in (0.0, width)
    ]
    fig.add_trace(go.Heatmap(
        z=worst.to_numpy(), x=list(worst.columns), y=list(worst.index), zmin=-0.5,
        zmax=len(DRIFT_ORDER) - 0.5, colorscale=scale,
        colorbar={"title": "status", "tickvals": list(range(len(DRIFT_ORDER))),
                  "ticktext": list(DRIFT_ORDER)},
        hovertemplate="%{y} in %{x}: level %{z}<extra></extra>",
    ))
    fig.update_xaxes(type="category")
    fig.update_layout(height=max(320, 24 * len(worst.index) + 140))
    return fig

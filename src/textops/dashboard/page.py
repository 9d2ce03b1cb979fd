"""The dashboard page: sections of charts and tables, with plotly.js inlined once.

The page is one file that opens from disk with no network: the library is
embedded in its head and every chart's data in its body. The library is
plotly.js's cartesian bundle (``vendor/``, 1.5 MB) when every chart uses only
its trace types and the installed plotly.js has its major version, else the
installed ``plotly`` package's full bundle (4.8 MB), which headless Chromium
took about 1 s longer to load and draw (``bench/report.py``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textops.dashboard import charts, models

if TYPE_CHECKING:
    import pandas as pd

    from textops.dashboard.data import DashboardData

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1300px;
       padding: 0 1rem; color: #212121; }
nav a { margin-right: 1rem; } .meta { color: #616161; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr));
          gap: 0.5rem; }
.note { color: #616161; font-style: italic; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #e0e0e0; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f5f5f5; }
"""


#: the vendored cartesian bundle, and the trace types it holds (vendor/README.md)
CARTESIAN_JS = Path(__file__).parent / "vendor" / "plotly-cartesian.min.js"
CARTESIAN_TRACES = frozenset({
    "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
    "image", "pie", "scatter", "scatterternary", "violin",
})
_TRACES = re.compile(r'<div class="chart" data-traces="([a-z0-9,]*)">')


@dataclass
class Section:
    key: str
    title: str
    parts: list[str]


def chart_html(fig: Any) -> str:
    """The chart's div and script; the div names its trace types (for :func:`plotly_js`)."""
    import plotly.io as pio

    types = ",".join(sorted({str(trace.type) for trace in fig.data}))
    return f'<div class="chart" data-traces="{types}">' + str(pio.to_html(
        fig, full_html=False, include_plotlyjs=False,
        config={"displaylogo": False, "responsive": True})) + "</div>"


def charts_html(figures: list[Any], empty: str) -> str:
    drawn = [chart_html(f) for f in figures if f is not None]
    if not drawn:
        return f'<p class="note">{html.escape(empty)}</p>'
    return f'<div class="charts">{"".join(drawn)}</div>'


def table_html(frame: pd.DataFrame, columns: list[str], *, limit: int = 50) -> str:
    present = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in present)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row[c]))}</td>" for c in present) + "</tr>"
        for _, row in frame[present].tail(limit).iterrows()
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)[:300]


def runs_section(data: DashboardData) -> Section:
    runs = data.table("runs")
    parts = [charts_html([charts.run_timeline(runs), charts.step_durations(runs),
                          charts.cache_hits(runs)], "No run has been recorded in this store.")]
    failed = runs[runs["status"] == "failed"] if "status" in runs.columns else runs
    if len(failed):
        parts += ["<h3>Failed steps</h3>",
                  table_html(failed, ["run_id", "step", "dataset_version", "error"])]
    return Section("runs", "Runs", parts)


def data_section(data: DashboardData) -> Section:
    summary = charts.by_version(data.table("profile_summary"))
    figures = [charts.statistic_trend(summary, name) for name in charts.STATISTICS]
    figures += [charts.class_shares(summary), charts.drift_matrix(data.table("drift"))]
    return Section("data", "Data", [charts_html(
        figures, "No dataset version has been profiled or validated yet.")])


def models_section(data: DashboardData) -> Section:
    parts = [charts_html([models.leaderboard(data.table("sweep")),
                          models.tuning_history(data.table("trials")),
                          models.parameter_importance(data.table("trials"))],
                         "No sweep or tuning has been recorded yet.")]
    view = data.models
    if view is None or view.events.empty:
        reason = view.note if view is not None and view.note else "no registry events"
        parts.append(f'<p class="note">Champion history: {html.escape(reason)}.</p>')
    else:
        parts += [charts_html([models.champion_history(view.events)], ""),
                  f"<h3>Registrations and alias moves of {html.escape(view.model_name)}</h3>",
                  table_html(view.events, ["time", "event", "model_version", "family", "by_whom",
                                           "metric", "candidate", "champion", "reason"])]
    if view is not None and view.confusion is not None:
        parts.append(charts_html([models.confusion(view.confusion, view.confusion_title)], ""))
    elif view is not None and view.confusion_note:
        parts.append(f'<p class="note">{html.escape(view.confusion_note)}</p>')
    return Section("models", "Models", parts)


def monitoring_section(data: DashboardData) -> Section:
    rows = data.table("monitoring")
    if rows.empty:
        return Section("monitoring", "Monitoring", [
            '<p class="note">No production traffic has been logged to this store '
            "(reporting/monitoring is absent).</p>"])
    return Section("monitoring", "Monitoring", [charts_html(
        models.monitoring_trends(rows), "reporting/monitoring has no time column to chart.")])


def plotly_js(body: str) -> tuple[str, str]:
    """(the plotly.js to inline, what it is) for a page whose charts are in ``body``."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    used = {name for found in _TRACES.findall(body) for name in found.split(",") if name}
    installed = get_plotlyjs_version()
    if used <= CARTESIAN_TRACES and CARTESIAN_JS.is_file():
        bundle = CARTESIAN_JS.read_text(encoding="utf-8")
        version = re.search(r"plotly\.js \(cartesian - minified\) v(\d+)\.", bundle[:200])
        if version and version.group(1) == installed.split(".")[0]:
            return bundle, "plotly.js cartesian bundle"
    return get_plotlyjs(), f"plotly.js {installed}"


def render(data: DashboardData) -> str:
    """The whole page for ``data``: a complete, self-contained HTML document."""
    sections = [runs_section(data), data_section(data), models_section(data),
                monitoring_section(data)]
    run_ids = data.run_ids
    span = f"{len(run_ids)} run(s)" + (f", {run_ids[0]} to {run_ids[-1]}" if run_ids else "")
    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    nav = "".join(f'<a href="#{s.key}">{s.title}</a>' for s in sections)
    body = "".join(f'<h2 id="{s.key}">{s.title}</h2>{"".join(s.parts)}' for s in sections)
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in data.notes)
    script, library = plotly_js(body)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>textops dashboard</title><style>{_STYLE}</style>"
        f'<!-- {library} --><script type="text/javascript">{script}</script></head><body>'
        f"<h1>textops dashboard</h1><p class=\"meta\">store <code>{html.escape(data.store_url)}"
        f"</code> &middot; built from {html.escape(span)} &middot; {built}</p>{notes}"
        f"<nav>{nav}</nav>{body}</body></html>\n"
    )

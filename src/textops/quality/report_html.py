"""A readable HTML page per dataset part: its profile against the baseline.

:func:`render_report_html` returns the page as a string (this package does
no file I/O): hard-check errors, the drift table with statuses, and Plotly
charts of the class shares, every statistic's histogram and the top terms,
each next to the baseline's. Plotly's JavaScript is embedded once
(``plotlyjs="inline"``), loaded from a path relative to the page
(``"../assets/plotly.min.js"``: both work offline) or from its CDN (``"cdn"``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from textops.quality.baseline import Baseline
from textops.quality.checks import Finding
from textops.quality.distances import shares
from textops.quality.drift import CheckResult, worst_status
from textops.quality.profile import HISTOGRAM_EDGES, DatasetProfile

_COLOURS = {"ok": "#2e7d32", "warn": "#ef6c00", "fail": "#c62828", "error": "#c62828"}
_CURRENT, _BASELINE = "#1f77b4", "#9e9e9e"
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #212121; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
.meta { color: #616161; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #e0e0e0;
         vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { color: white; border-radius: 0.25rem; padding: 0.05rem 0.45rem; font-weight: 600;
         font-size: 0.85rem; }
.errors { border-left: 4px solid #c62828; background: #ffebee; padding: 0.5rem 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
          gap: 0.5rem; }
"""


def _badge(status: str) -> str:
    colour = _COLOURS.get(status, "#616161")
    return f'<span class="badge" style="background:{colour}">{html.escape(status)}</span>'


def _bin_labels(edges: list[float]) -> list[str]:
    def fmt(x: float) -> str:
        return f"{x:g}"

    labels = [f"[{fmt(a)}, {fmt(b)})" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return [*labels, f"≥ {fmt(edges[-1])}"]


def _figure_html(fig: Any, include_js: bool | str) -> str:
    import plotly.io as pio

    from textops.quality.chart_style import template

    fig.layout.template = template()  # replaces plotly's default template (a merge would keep it)
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        height=320,
        legend={"orientation": "h", "y": -0.25},
    )
    return str(
        pio.to_html(
            fig, full_html=False, include_plotlyjs=include_js, config={"displaylogo": False}
        )
    )


def _bars(
    title: str,
    x: list[str],
    current: list[float],
    reference: list[float] | None,
    *,
    ref_name: str,
    x_title: str,
) -> Any:
    """Grouped bars of this dataset's shares beside the reference's (when there is one)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(name="this dataset", x=x, y=current, marker_color=_CURRENT)
    if reference is not None:
        fig.add_bar(name=ref_name, x=x, y=reference, marker_color=_BASELINE)
    fig.update_layout(title=title, barmode="group", yaxis_tickformat=".0%",
                      xaxis_title=x_title, yaxis_title="share of documents (%)")
    return fig


def _figures(profile: DatasetProfile, baseline: Baseline | None) -> list[Any]:
    ref_name = "baseline"
    figures = []
    labels = list(
        dict.fromkeys([*(baseline.classes.allowed if baseline else []), *profile.class_counts])
    )
    if labels:
        current = [profile.class_shares.get(k, 0.0) for k in labels]
        reference = (
            [baseline.classes.expected_shares.get(k, 0.0) for k in labels] if baseline else None
        )
        figures.append(_bars("Class shares", labels, current, reference, ref_name=ref_name,
                             x_title="class"))
    for name, summary in profile.statistics.items():
        edges = HISTOGRAM_EDGES[name]
        reference = None
        if baseline is not None and name in baseline.statistics:
            ref = baseline.statistics[name].histogram
            reference = list(ref.shares) if list(ref.edges) == edges else None
        mean = f" (mean {summary.mean:.3g})" if summary.mean is not None else ""
        figures.append(
            _bars(
                f"{name}{mean}",
                _bin_labels(edges),
                shares(summary.histogram),
                reference,
                ref_name=ref_name,
                x_title=f"{name} (bin)",
            )
        )
    top = list(profile.term_shares().items())[:25]
    if top:
        terms = [t for t, _ in top]
        reference = [baseline.vocabulary.top_terms.get(t, 0.0) for t in terms] if baseline else None
        fig = _bars(
            "Top terms (share of documents' terms)",
            terms,
            [s for _, s in top],
            reference,
            ref_name=ref_name,
            x_title="term",
        )
        fig.update_layout(yaxis_tickformat=".1%", yaxis_title="share of terms (%)")
        figures.append(fig)
    return figures


def _findings_html(findings: Sequence[Finding]) -> str:
    if not findings:
        return "<p>No hard-check errors.</p>"
    items = "".join(
        f"<li><b>{html.escape(f.check)}</b>: {html.escape(f.message)}</li>" for f in findings
    )
    head = f"<p><b>{len(findings)} error(s) stop the pipeline:</b></p>"
    return f'<div class="errors">{head}<ul>{items}</ul></div>'


def _results_html(results: Sequence[CheckResult]) -> str:
    if not results:
        return "<p>No drift checks were run.</p>"
    order = {"fail": 0, "warn": 1, "ok": 2}
    rows = []
    for r in sorted(results, key=lambda r: (order.get(r.status, 3), r.reference, r.check, r.test)):
        rows.append(
            f"<tr><td>{_badge(r.status)}</td><td>{html.escape(r.check)}</td><td>{html.escape(r.test)}</td>"
            f'<td class="num">{r.value:.4g}</td>'
            f'<td class="num">{r.threshold_warn:g} / {r.threshold_fail:g}</td>'
            f"<td>{html.escape(r.reference)}</td><td>{html.escape(r.detail)}</td></tr>"
        )
    head = (
        "<tr><th>status</th><th>check</th><th>test</th><th>value</th><th>warn / fail</th>"
        "<th>against</th><th>detail</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _overview_html(profile: DatasetProfile) -> str:
    english = "n/a" if profile.english_share is None else f"{profile.english_share:.2%}"
    cells = [
        ("rows", f"{profile.n_rows:,}"),
        ("null / empty texts", f"{profile.n_null_text} / {profile.n_empty_text}"),
        ("null / empty labels", f"{profile.n_null_label} / {profile.n_empty_label}"),
        ("duplicate rate", f"{profile.duplicate_rate:.2%}"),
        ("English share (judged rows)", f"{english} of {profile.n_language_judged:,}"),
        ("vocabulary size", f"{profile.vocabulary_size:,}"),
        (
            "languages",
            ", ".join(
                f"{html.escape(k)}: {v}" for k, v in list(profile.language_counts.items())[:8]
            ),
        ),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in cells)
    return f"<table>{rows}</table>"


def render_report_html(
    profile: DatasetProfile,
    *,
    baseline: Baseline | None = None,
    results: Sequence[CheckResult] = (),
    findings: Sequence[Finding] = (),
    title: str | None = None,
    baseline_hash: str | None = None,
    plotlyjs: str = "inline",
) -> str:
    """The HTML page (a complete document) of one dataset part's validation."""
    if plotlyjs not in ("inline", "cdn") and not plotlyjs.endswith(".js"):
        raise ValueError(
            f"plotlyjs must be 'inline', 'cdn' or a path ending in '.js'. Got {plotlyjs!r} instead."
        )
    own = [r for r in results if r.dataset == profile.name]
    errors = [f for f in findings if f.dataset == profile.name]
    status = "error" if errors else worst_status(own)
    heading = html.escape(title or f"Dataset '{profile.name}'")
    meta = f"overall: {_badge(status)}"
    if baseline_hash:
        meta += f" &middot; baseline sha256 <code>{html.escape(baseline_hash[:12])}</code>"
    charts = []
    for i, fig in enumerate(_figures(profile, baseline)):
        include: bool | str = (True if plotlyjs == "inline" else plotlyjs) if i == 0 else False
        charts.append(f"<div>{_figure_html(fig, include)}</div>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{heading}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{heading}</h1><p class="meta">{meta}</p>'
        f"<h2>Errors</h2>{_findings_html(errors)}"
        f"<h2>Drift</h2>{_results_html(own)}"
        f"<h2>Overview</h2>{_overview_html(profile)}"
        f'<h2>Distributions</h2><div class="charts">{"".join(charts)}</div>'
        "</body></html>\n"
    )

"""The monitor's verdict as one HTML page: no script, no external file, so it opens offline."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textops.monitoring.compare import Judgement
    from textops.quality.profile import DatasetProfile

_COLOURS = {"ok": "#1a7f37", "insufficient": "#6e7781", "warn": "#9a6700", "fail": "#cf222e"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:72rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}.num{text-align:right}
.badge{color:#fff;padding:.1rem .5rem;border-radius:.3rem;font-weight:600}
"""


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{_COLOURS.get(status, "#6e7781")}">' \
           f"{escape(status)}</span>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _shares(traffic: DatasetProfile | None, reference: DatasetProfile) -> str:
    """Predicted class shares beside the training class shares."""
    current = traffic.class_shares if traffic is not None else {}
    labels = list(reference.class_shares) + [k for k in current if k not in reference.class_shares]
    rows = [[escape(k), f'<span class="num">{reference.class_shares.get(k, 0.0):.1%}</span>',
             f'<span class="num">{current.get(k, 0.0):.1%}</span>'] for k in labels]
    return _table(["class", "training share", "predicted share in traffic"], rows)


def render_monitor_html(
    judgement: Judgement, reference: DatasetProfile, *, context: Mapping[str, object]
) -> str:
    """The page: verdict, what was compared, every test (worst first), class shares."""
    from textops.quality.drift import STATUSES

    title = f"textops monitor: {context.get('model', '')}"
    facts = [[escape(str(k)), escape(str(v))] for k, v in context.items()]
    facts.append(["texts in the window", str(judgement.rows)])
    ordered = sorted(judgement.results, key=lambda r: -STATUSES.index(r.status))
    tests = [[escape(f"{r.check}.{r.test}"), _badge(r.status), f"{r.value:.4g}",
              f"{r.threshold_warn:g} / {r.threshold_fail:g}", escape(r.reference),
              escape(r.detail)] for r in ordered]
    header = ["test", "status", "value", "warn / fail", "against", "detail"]
    notes = "".join(f"<li>{escape(n)}</li>" for n in judgement.notes)
    worst = "".join(f"<li>{escape(w)}</li>" for w in judgement.worst_checks())
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<p>Verdict: {_badge(judgement.status)}</p>"
        + (f"<h2>Worst checks</h2><ul>{worst}</ul>" if worst else "")
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>What was compared</h2>{_table(['', ''], facts)}"
        f"<h2>Class shares</h2>{_shares(judgement.traffic, reference)}"
        f"<h2>Tests</h2>{_table(header, tests)}"
        "</body></html>\n"
    )

"""One ``index.html`` per dataset version: every HTML page its runs wrote, with their status.

``reports/<dataset>/<version>/index.html`` is rewritten after each run of that
version (dataset versions themselves are never rewritten, so it lives beside
them, not in them). It links, by relative paths that work from disk, each
run's pages (``runs/<run_id>/<step>/*.html``), shows the run's status, and for
validation pages the part's worst status (an error stops the run; drift is ok,
insufficient, warn or fail), read from the step's ``report.json``.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from textops.store.assets import relative_link
from textops.store.reporting import ReportingTables

if TYPE_CHECKING:
    from textops.store.store import Store

_ORDER = ("error", "fail", "warn", "insufficient", "ok")
_COLOURS = {"ok": "#2e7d32", "insufficient": "#616161", "warn": "#ef6c00", "fail": "#c62828",
            "error": "#c62828", "failed": "#c62828", "completed": "#2e7d32"}


def version_runs(store: Store, dataset: str, version: str) -> list[tuple[str, str]]:
    """(run_id, run status) of every recorded run of this version, oldest first."""
    runs = ReportingTables(store).read("runs")
    if runs.empty:
        return []
    rows = runs[(runs["dataset_name"] == dataset) & (runs["dataset_version"] == version)]
    first = rows.drop_duplicates("run_id").sort_values("run_id")
    return [(str(r.run_id), str(r.run_status)) for r in first.itertuples()]


def part_statuses(report: dict[str, Any]) -> dict[str, str]:
    """The worst status of each dataset part in a validation ``report.json``."""
    found: dict[str, list[str]] = {}
    for result in report.get("drift", []):
        found.setdefault(str(result["dataset"]), []).append(str(result["status"]))
    for finding in report.get("findings", []):
        found.setdefault(str(finding["dataset"]), []).append("error")
    return {part: min(sts, key=lambda s: _ORDER.index(s) if s in _ORDER else len(_ORDER))
            for part, sts in found.items()}


def _pages(store: Store, run_id: str) -> list[tuple[str, str, str | None]]:
    """(step, page path, status) of every HTML page a run wrote in its step folders."""
    out: list[tuple[str, str, str | None]] = []
    for step in sorted(store.listdir("runs", run_id)):
        names = [n for n in store.listdir("runs", run_id, step) if n.endswith(".html")]
        statuses: dict[str, str] = {}
        if names and store.exists("runs", run_id, step, "report.json"):
            statuses = part_statuses(json.loads(store.read_bytes("runs", run_id, step,
                                                                 "report.json")))
        out += [(step, f"runs/{run_id}/{step}/{n}", statuses.get(n.removesuffix(".html")))
                for n in sorted(names)]
    return out


def _link(path: str, folder: str) -> str:
    href = html.escape(relative_link(path, from_folder=folder))
    return f'<a href="{href}">{html.escape(path.rsplit("/", 1)[-1])}</a>'


def _badge(status: str | None) -> str:
    if status is None:
        return ""
    colour = _COLOURS.get(status, "#616161")
    return (f'<span style="background:{colour};color:white;border-radius:.25rem;'
            f'padding:0 .4rem">{html.escape(status)}</span>')


def write_version_index(store: Store, dataset: str, version: str) -> str:
    """Write the index of ``dataset`` at ``version``; its store-relative path."""
    folder = f"reports/{dataset}/{version}"
    sections = []
    for run_id, status in version_runs(store, dataset, version):
        if not store.exists("runs", run_id):
            continue
        items = "".join(
            f"<li>{html.escape(step)}: {_link(path, folder)} {_badge(page_status)}</li>"
            for step, path, page_status in _pages(store, run_id)
        ) or "<li>no pages (its steps were reused from an earlier run)</li>"
        sections.append(f"<h2>run {html.escape(run_id)} {_badge(status)}</h2><ul>{items}</ul>")
    title = html.escape(f"{dataset}@{version}")
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:900px}"
        "</style></head><body>"
        f"<h1>Reports of {title}</h1><p>Every page the runs of this dataset version wrote, "
        f"newest run last.</p>{''.join(sections) or '<p>No runs recorded.</p>'}</body></html>\n"
    )
    store.write_text(page, *folder.split("/"), "index.html")
    return f"{folder}/index.html"

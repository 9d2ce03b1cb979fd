"""A real browser opens every page textops writes, from disk with the network refused.

Headless Chromium (Debian's ``chromium``, installed by ``.ci/run``) loads the
dashboard and each kind of report page: no console message, every chart drawn
(a trace in each chart's SVG), and a screenshot that differs from the blank
render of the same page without its charts. Screenshots are kept under
``$TEXTOPS_SCREENSHOTS`` (CI artifacts) or the test's tmp folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from support.browser import find_chromium, render, undrawn_charts
from textops.api.reporting import build_report
from textops.dashboard.synthetic import fill_store
from textops.quality.profile import profile_parts
from textops.quality.report_html import render_report_html
from textops.steps.sweep import _confusion_html
from textops.store.outputs import StepOutputs
from textops.store.reports import write_version_index
from textops.store.store import Store


@pytest.fixture(scope="module")
def browser() -> str:
    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


def _pages(root: Path) -> dict[str, Path]:
    """A store with the dashboard and one page of every kind the pipeline writes."""
    store = Store(str(root / ".textops"))
    fill_store(store, runs=4, versions=2)
    out = StepOutputs(store, "20260101T000000-000000", "validate")
    frame = pl.DataFrame({"id": [str(i) for i in range(40)],
                          "text": ["a good day to you all", "a bad thing happened here"] * 20,
                          "label": ["pos", "neg"] * 20})
    profile = profile_parts({"train": frame}, with_language=False)["train"]
    out.write_text("train.html", render_report_html(profile, plotlyjs=out.plotly_src()))
    out.write_json("report.json", {"drift": [], "findings": []})
    confusion = {"labels": ["neg", "pos"], "matrix": [[18, 2], [3, 17]]}
    sweep = StepOutputs(store, "20260101T000000-000000", "sweep")
    sweep.write_bytes("confusion_matrix.html", _confusion_html("ridge", confusion))
    index = write_version_index(store, "demo", "v000")
    dashboard = build_report(None, ["tracking.enabled=false", f"store.url={root / '.textops'}"],
                             out=root / "dashboard.html")
    assert dashboard.local_path is not None
    return {"dashboard": dashboard.local_path, "validation": root / ".textops" / out.location
            / "train.html", "confusion": root / ".textops" / sweep.location
            / "confusion_matrix.html", "index": root / ".textops" / index}


def _screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TEXTOPS_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_every_page_opens_offline_with_every_chart_drawn(
    browser: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = pytest.importorskip("PIL.Image", reason="Pillow compares the screenshots")
    from PIL import ImageChops

    monkeypatch.chdir(tmp_path)
    shots = _screenshots(tmp_path)
    for name, page in _pages(tmp_path).items():
        loaded = render(browser, page)
        assert loaded.console == [], (name, loaded.console)
        assert "<body" in loaded.dom, name
        assert undrawn_charts(loaded.dom) == [], name
        if 'class="plotly-graph-div' not in page.read_text():
            continue
        shot, blank = shots / f"{name}.png", shots / f"{name}-blank.png"
        render(browser, page, screenshot=shot)
        chartless = tmp_path / f"{name}-blank.html"
        chartless.write_text(page.read_text().replace("Plotly.newPlot(", "(function(){})("))
        render(browser, chartless, screenshot=blank)
        changed = ImageChops.difference(image.open(shot).convert("L"),
                                        image.open(blank).convert("L")).point(lambda v: v > 16)
        share = sum(changed.histogram()[1:]) / (changed.width * changed.height)
        assert share > 0.02, f"{name}: the charts drew almost nothing ({share:.2%} of pixels)"

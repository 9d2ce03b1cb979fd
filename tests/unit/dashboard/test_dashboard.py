"""The dashboard page: every section drawn from a store's tables, offline, titled and labelled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from textops import api
from textops.api.reporting import build_report
from textops.dashboard.data import DashboardData, load_tables
from textops.dashboard.page import render
from textops.dashboard.synthetic import fill_store
from textops.store.store import Store


def _figures(page: str) -> list[dict]:
    """The layout of every chart on the page (Plotly.newPlot's third argument)."""
    layouts = []
    pattern = r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{\"displaylogo"
    for call in re.findall(pattern, page, flags=re.S):
        layouts.append({"data": json.loads(call[0]), "layout": json.loads(call[1])})
    return layouts


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("store")
    fill_store(Store(str(root)), runs=6, versions=3)
    return render(DashboardData(store_url=str(root), tables=load_tables(Store(str(root)))))


def test_every_chart_has_data_a_title_and_labelled_axes(page: str) -> None:
    figures = _figures(page)
    assert len(figures) >= 14
    for fig in figures:
        layout = fig["layout"]
        assert layout["title"]["text"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
        assert any(len(trace.get("x") or trace.get("z") or []) for trace in fig["data"])


def test_the_page_is_offline_and_says_what_it_was_built_from(page: str, tmp_path: Path) -> None:
    assert "<script src=" not in page and not re.search(r"<script[^>]+src=", page)
    # the library, inlined once (full or cartesian bundle)
    assert len(re.findall(r"\* plotly\.js (\(cartesian - minified\) )?v\d", page)) == 1
    assert "built from 6 run(s), 20260101T000000-000000 to 20260101T050000-000005" in page
    assert "reporting/monitoring is absent" in page


def test_build_report_writes_into_the_store_without_tracking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fill_store(Store(str(tmp_path / ".textops")), runs=2, versions=1)
    result = build_report(None, ["tracking.enabled=false"])
    assert result.local_path == tmp_path / ".textops" / "reports" / "dashboard.html"
    assert result.runs == 2 and result.bytes == result.local_path.stat().st_size
    assert "Tracking is off" in result.local_path.read_text()
    assert api.config(None, ["tracking.enabled=false"]).tracking.enabled is False


def test_an_empty_store_gives_a_page_that_says_so(tmp_path: Path) -> None:
    page = render(DashboardData(store_url=str(tmp_path), tables={}))
    assert "No run has been recorded in this store." in page
    assert "No dataset version has been profiled or validated yet." in page
    assert _figures(page) == []


def test_the_page_inlines_the_cartesian_bundle_when_its_charts_allow_it(page: str) -> None:
    from plotly.offline import get_plotlyjs_version

    from textops.dashboard.page import CARTESIAN_JS, CARTESIAN_TRACES, plotly_js

    used = {t["type"] for fig in _figures(page) for t in fig["data"]}
    assert used and used <= CARTESIAN_TRACES
    if get_plotlyjs_version().split(".")[0] == "4":  # the vendored bundle's major version
        assert "<!-- plotly.js cartesian bundle -->" in page
        assert len(page) < 2_500_000 and CARTESIAN_JS.read_text()[:300] in page
    # a chart of another type (a 3-D scatter) takes the full bundle
    other = '<div class="chart" data-traces="scatter,scatter3d">'
    assert plotly_js(other)[1] == f"plotly.js {get_plotlyjs_version()}"


def test_parameter_importance_is_optunas_fanova_on_the_latest_study(page: str) -> None:
    (chart,) = [f for f in _figures(page)
                if f["layout"]["title"]["text"] == "Parameter importance (latest study)"]
    assert chart["layout"]["xaxis"]["title"]["text"].startswith("importance (fANOVA")
    (bars,) = chart["data"]
    assert set(bars["y"]) == {"lr", "architecture"} and sum(bars["x"]) == pytest.approx(1.0)

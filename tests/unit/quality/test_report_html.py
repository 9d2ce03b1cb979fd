"""The HTML page of one dataset part."""

from __future__ import annotations

import polars as pl
import pytest

from textops.quality.baseline import parse_baseline, render_baseline_yaml
from textops.quality.checks import run_hard_checks
from textops.quality.drift import run_drift
from textops.quality.profile import profile_parts
from textops.quality.report_html import render_report_html

from ._data import small_frame


@pytest.fixture(scope="module")
def validated():
    train = small_frame(40)
    test = small_frame(30, labels=("pos", "<script>alert(1)</script>")).with_columns(
        text=pl.when(pl.col("id") == 2).then(None).otherwise(pl.col("text"))
    )
    parts = {"train": train, "test": test}
    profiles = profile_parts(parts)
    text = render_baseline_yaml(profiles["train"], dataset="demo")
    baseline = parse_baseline(text)
    findings = run_hard_checks(parts, baseline)
    results = run_drift(profiles, baseline)
    return profiles, baseline, findings, results


def test_page_has_errors_drift_and_charts(validated) -> None:
    profiles, baseline, findings, results = validated
    page = render_report_html(
        profiles["test"],
        baseline=baseline,
        results=results,
        findings=findings,
        baseline_hash="f" * 64,
    )
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Dataset &#x27;test&#x27;" in page
    assert ">error</span>" in page  # overall status: the hard checks failed
    assert "[null_text]" not in page and "null_text" in page
    assert "class_balance" in page and "js_distance" in page
    assert page.count('class="plotly-graph-div"') == 1 + len(profiles["test"].statistics) + 1
    assert "<script>alert(1)</script>" not in page  # labels are escaped
    assert "ffffffffffff" in page
    assert page.count("plotly.js v") <= 2  # the library is embedded once


def test_cdn_and_bad_option(validated) -> None:
    profiles, *_ = validated
    page = render_report_html(profiles["train"], plotlyjs="cdn")
    assert "cdn.plot.ly" in page
    assert "No hard-check errors." in page and "No drift checks were run." in page
    with pytest.raises(ValueError, match="plotlyjs must be 'inline', 'cdn' or a path ending"):
        render_report_html(profiles["train"], plotlyjs="web")


def test_relative_plotly_path_loads_the_library_once_from_beside_the_store(validated) -> None:
    profiles, *_ = validated
    page = render_report_html(profiles["train"], plotlyjs="../../../assets/plotly.min.js")
    assert page.count('src="../../../assets/plotly.min.js"') == 1
    assert "cdn.plot.ly" not in page and "plotly.js v" not in page
    assert page.count('"text":"share of documents (%)"') >= 1  # every chart labels its axes

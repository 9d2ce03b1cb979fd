"""The look of every chart in the HTML pages: plotly's ``plotly_white``, layout only.

Plotly's own template also carries defaults for every trace type (about 7 KB of
JSON in each chart), which plotly.js parses and merges into every trace of
every chart on the page, for nothing these pages draw. This keeps the part the
pages show (white background, light grid, the colour sequence, the font).
"""

from __future__ import annotations

from typing import Any

__all__ = ["template"]

_GRID = "#EBF0F8"
_AXIS = {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID, "zerolinewidth": 2,
         "ticks": "", "automargin": True, "title": {"standoff": 15}}


def template() -> dict[str, Any]:
    """A plotly template (as a dict) with ``plotly_white``'s layout and no trace defaults."""
    return {"layout": {
        "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
        "hovermode": "closest", "hoverlabel": {"align": "left"}, "title": {"x": 0.05},
        "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3",
                     "#FF6692", "#B6E880", "#FF97FF", "#FECB52"],
        "xaxis": dict(_AXIS), "yaxis": dict(_AXIS),
    }}

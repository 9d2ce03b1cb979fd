"""Shared static files of the store's HTML pages: one copy of plotly.js for all of them.

Every page the pipeline writes into the store loads Plotly from
``assets/plotly-<version>.min.js`` by a relative link, so pages open from disk
with no network and the 4.6 MB library is stored once, not once per page. The
file comes from the installed ``plotly`` package and is named by its version:
it is written once and never rewritten.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textops.store.store import Store

ASSETS = "assets"


def plotly_version() -> str:
    from plotly import __version__

    return str(__version__)


def plotly_js_bytes() -> bytes:
    """The minified plotly.js bundled with the installed ``plotly`` package (no network)."""
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs()).encode("utf-8")


def ensure_plotly_js(store: Store) -> str:
    """Write ``assets/plotly-<version>.min.js`` unless it is there; its store-relative path."""
    name = f"plotly-{plotly_version()}.min.js"
    if not store.exists(ASSETS, name):
        store.write_bytes(plotly_js_bytes(), ASSETS, name)
    return f"{ASSETS}/{name}"


def relative_link(target: str, *, from_folder: str) -> str:
    """The link from a page in ``from_folder`` to ``target`` (both store-relative, '/')."""
    return posixpath.relpath(target, start=from_folder or ".")

"""Headless Chromium from the command line, offline: a page's DOM, console and screenshot.

The browser runs with every network request refused (an unreachable proxy and
a resolver that finds no host), so a page that needs the network shows it:
a script that does not load leaves its charts undrawn and logs to the console.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
OFFLINE = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
           "--proxy-bypass-list=<-loopback>"]


@dataclass
class Render:
    dom: str
    console: list[str]
    seconds: float


def find_chromium() -> tuple[str | None, str]:
    """The browser's path, or None and why it cannot be used."""
    path = next((p for p in map(shutil.which, NAMES) if p), None)
    if path is None:
        return None, "no chromium on PATH (Debian: apt-get install chromium)"
    try:
        probe = subprocess.run([path, *_flags(), "--dump-dom", "about:blank"],
                               capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"chromium cannot start: {exc}"
    if "<html" not in probe.stdout:
        return None, f"chromium cannot start: {probe.stderr.strip()[-300:]}"
    return path, ""


def _flags(width: int = 1400, height: int = 3000) -> list[str]:
    return ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0", f"--window-size={width},{height}", *OFFLINE]


def render(browser: str, page: Path, *, screenshot: Path | None = None,
           budget_ms: int = 10_000) -> Render:
    """Load ``page`` from file://, let its scripts run, and return its DOM (and a screenshot)."""
    action = [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    started = time.perf_counter()
    done = subprocess.run(
        [browser, *_flags(), f"--virtual-time-budget={budget_ms}", *action, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    seconds = time.perf_counter() - started
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Render(dom=done.stdout, console=console, seconds=seconds)


def undrawn_charts(dom: str) -> list[int]:
    """The indexes of the page's Plotly charts that hold no drawn trace."""
    chunks = dom.split('class="plotly-graph-div')[1:]
    return [i for i, chunk in enumerate(chunks)
            if not re.search(r'class="trace |<image|class="hm"', chunk)]

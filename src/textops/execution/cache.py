"""Cache keys: a step's key is the hash of its inputs, parameters, code and environment.

An unchanged key means the step would compute the same outputs, so the runner
reuses the stored ones. The index lives at ``runs/_cache/<key>.json``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

from textops.pipeline.step import StepSpec


@cache
def code_version(spec: StepSpec) -> str:
    """textops' version plus a hash of the step's own module source."""
    from textops import __version__

    source_file = inspect.getsourcefile(spec.fn)
    digest = hashlib.sha256(Path(source_file).read_bytes()).hexdigest()[:12] if source_file else "0"
    return f"{__version__}+{digest}"


def cache_key(
    *,
    step_name: str,
    spec: StepSpec,
    params: Any,
    inputs: dict[str, Any],
    environment_hash: str,
    fingerprint: str | None,
) -> str:
    payload = {
        "step": step_name,
        "kind": spec.kind,
        "params": params.model_dump(mode="json") if hasattr(params, "model_dump") else params,
        "inputs": inputs,
        "code": code_version(spec),
        "environment": environment_hash,
        "fingerprint": fingerprint,
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]

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

from textops.steps.base import StepSpec


@cache
def _package_digest() -> str:
    """A hash of every module of the textops package: a step's outputs depend on the
    library modules it calls (cleaning, checks, models), not only on its own file."""
    import textops

    root = Path(textops.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@cache
def code_version(spec: StepSpec) -> str:
    """textops' version and code, plus the step's own module when it lives outside the package."""
    from textops import __version__

    version = f"{__version__}+{_package_digest()}"
    source_file = inspect.getsourcefile(spec.fn)
    if source_file and not spec.fn.__module__.startswith("textops."):
        version += "+" + hashlib.sha256(Path(source_file).read_bytes()).hexdigest()[:12]
    return version


def cache_key(
    *,
    step_name: str,
    spec: StepSpec,
    params: Any,
    inputs: dict[str, Any],
    environment_hash: str,
    fingerprint: str | None,
    context: dict[str, Any] | None = None,
) -> str:
    """``context`` holds what else shapes the outputs: the data scope, the compute
    target's device and resources, and where (whether) models are tracked."""
    payload = {
        "context": context or {},
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

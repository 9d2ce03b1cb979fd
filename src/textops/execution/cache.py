"""Cache keys: a step's key is the hash of its inputs, parameters, code and environment.

An unchanged key means the step would compute the same outputs, so the runner
reuses the stored ones. The index lives at ``runs/_cache/<key>.json``. The code
part is the step's own code version (``execution.codeversion``): its module and
the textops (or user) modules it imports, not the whole package.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from textops.execution.codeversion import code_modules, code_version

if TYPE_CHECKING:
    from textops.steps.base import StepSpec

__all__ = ["cache_key", "code_modules", "code_version"]


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

"""An ASGI middleware that measures every request and, with a key set, refuses those without it.

Plain ASGI rather than a Starlette ``BaseHTTPMiddleware``, which costs a task
and a stream copy per request. The key is compared in constant time and never
logged; the health routes answer without it.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from textops.serving.metrics import ServiceMetrics

__all__ = ["HEALTH_ROUTES", "ROUTES", "Guard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_ROUTES = frozenset({"/healthz", "/readyz"})
ROUTES = HEALTH_ROUTES | {
    "/v1/classify", "/v1/model", "/metrics", "/admin/reload", "/openapi.json", "/docs",
}
_UNAUTHORIZED = json.dumps(
    {"detail": "this route needs the API key: send 'Authorization: Bearer <TEXTOPS_API_KEY>'"}
).encode()


class Guard:
    """Counts and times requests by route and status; checks the bearer key when one is set."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, api_key: str | None) -> None:
        self.app = app
        self.metrics = metrics
        self._key = api_key.encode("utf-8") if api_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = path if path in ROUTES else "other"
        status = 500
        start = time.perf_counter()

        async def measured_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            if path not in HEALTH_ROUTES and not self._allowed(scope):
                await _refuse(measured_send)
            else:
                await self.app(scope, receive, measured_send)
        finally:
            self.metrics.observe_request(route, status, time.perf_counter() - start)

    def _allowed(self, scope: Scope) -> bool:
        if self._key is None:
            return True
        presented = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = bytes(value).partition(b" ")
                presented = token.strip() if scheme.lower() == b"bearer" else b""
                break
        return hmac.compare_digest(presented, self._key)


async def _refuse(send: Send) -> None:
    await send({
        "type": "http.response.start", "status": 401,
        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                    (b"content-length", str(len(_UNAUTHORIZED)).encode())],
    })
    await send({"type": "http.response.body", "body": _UNAUTHORIZED})

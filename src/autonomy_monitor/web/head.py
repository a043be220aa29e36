"""HEAD requests answered like GET: same status and headers, no body (RFC 9110 section 9.3.2).

FastAPI registers ``@app.get`` routes for GET only, so ``curl -I`` and link checkers got 405.
This pure ASGI middleware runs a HEAD request as a GET through the whole app (the page caches
then serve it) and drops the body bytes; ``content-length`` stays the GET body's length.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Route HEAD as GET and send only the response start (status and headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)

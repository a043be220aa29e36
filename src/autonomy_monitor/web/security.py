"""Security headers on every response, and the interface language of each request.

The Content-Security-Policy allows scripts from the app's own origin only (no inline script,
no eval: vega-embed runs with the expression interpreter), forbids framing and plugins.
Inline styles are allowed because Vega's SVG renderer and its tooltip set style attributes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autonomy_monitor.i18n import LANGUAGES, check_language

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
LANGUAGE_COOKIE = "lang"


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in HEADERS]
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def language_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """``?lang=`` (validated, remembered in a cookie), else the cookie, else English."""
    asked = request.query_params.get("lang")
    if asked is not None and asked not in LANGUAGES:
        return HTMLResponse(
            f"<!doctype html><title>422</title><p>Unknown language: choose one of {', '.join(LANGUAGES)}.</p>",
            status_code=422,
        )
    request.state.lang = asked or check_language(request.cookies.get(LANGUAGE_COOKIE))
    response = await call_next(request)
    if asked is not None and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(LANGUAGE_COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response

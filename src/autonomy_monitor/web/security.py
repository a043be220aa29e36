"""Security headers on every response, and the interface language of each request (one ASGI
middleware).

The Content-Security-Policy allows scripts from the app's own origin only (no inline script,
no eval: vega-embed runs with the expression interpreter), forbids framing and plugins.
Inline styles are allowed because Vega's SVG renderer and its tooltip set style attributes.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autonomy_monitor.i18n import LANGUAGES, check_language

CONTENT_SECURITY_POLICY = "; ".join(
    [
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
    ]
)
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
    """Pure ASGI middleware: the interface language of the request and :data:`HEADERS` on every
    response.

    The language is ``?lang=`` (validated: anything else is a 422 page; remembered in a
    cookie), else the cookie, else English; handlers read it as ``request.state.lang``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        if asked is not None and asked not in LANGUAGES:
            response = HTMLResponse(
                "<!doctype html><html lang=en><title>422</title><h1>Error 422</h1>"
                f"<p>Unknown language: choose one of {', '.join(LANGUAGES)}.</p>",
                status_code=422,
            )
            await response(scope, receive, self.sender(send, None))
            return
        scope.setdefault("state", {})["lang"] = asked or check_language(
            request.cookies.get(LANGUAGE_COOKIE)
        )
        remember = (
            asked if asked is not None and request.cookies.get(LANGUAGE_COOKIE) != asked else None
        )
        await self.app(scope, receive, self.sender(send, remember))

    @staticmethod
    def sender(send: Send, remember: str | None) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() not in HEADERS
                ]
                headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
                if remember is not None:
                    cookie = (
                        f"{LANGUAGE_COOKIE}={remember}; "
                        f"Max-Age={365 * 24 * 3600}; Path=/; SameSite=lax; HttpOnly"
                    )
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        return send_with_headers

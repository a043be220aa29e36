"""The one HTTP client every live connector uses.

- httpx with explicit timeouts and a user agent naming the project and its version;
- retries with exponential back-off (5 tries, waits of 1 to 16 s plus jitter) on HTTP 429 and
  5xx, on timeouts, cut connections, truncated bodies and bodies a connector's validator calls
  transient; ``Retry-After`` (seconds or an HTTP date) is honoured instead of the back-off;
- a per-host rate limit (minimum interval between requests to the same host);
- conditional requests (``If-None-Match`` / ``If-Modified-Since``) from the previous
  snapshot's ETag and Last-Modified; a 304 reuses the stored snapshot;
- every body goes straight into the snapshot store through a temporary file, so a download cut
  off halfway leaves nothing behind.

The design's stack names stamina for retries; it is not used because its waits call
``time.sleep`` directly and its test switch is process-wide state. The policy here is the same
(capped exponential back-off with jitter) and the ``sleep``, ``clock`` and ``jitter`` callables
are injected, so tests run the full retry paths without waiting.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from autonomy_monitor.errors import SourceError, SourceUnreachable
from autonomy_monitor.pipeline.rawstore import RawRecord, RawStore, client_version, utc_now

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
OFFLINE_HINT = (
    "check the network, or build from stored snapshots with --offline "
    "or from bulk files with --source-dir"
)


class TransientContent(Exception):
    """Raised by a validator when a body looks cut off or garbled; the request is retried."""


Validator = Callable[[Path, httpx.Response], None]
T = TypeVar("T")


@dataclass(frozen=True)
class ResourceRequest:
    """One file to fetch: ``resource`` names it within its source (e.g. ``NY.GDP.MKTP.CD/p1``)."""

    source: str
    resource: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    ok_statuses: frozenset[int] = frozenset({200})
    method: str = "GET"
    form: Mapping[str, str] | None = None  # a POSTed form (the OECD code-list page)

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or self.url


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    wait_initial: float = 1.0
    wait_max: float = 16.0
    wait_jitter: float = 1.0
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, jitter: float) -> float:
        """Wait after failed try number ``attempt`` (1-based), jitter in [0, 1)."""
        base = min(self.wait_max, self.wait_initial * 2 ** (attempt - 1))
        return min(self.wait_max, base + self.wait_jitter * jitter)


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class HttpClient:
    """Fetches ``ResourceRequest``s into a ``RawStore``; see the module docstring."""

    def __init__(
        self,
        *,
        rate_limits: Mapping[str, float] | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.rate_limits = dict(rate_limits or {})
        self.sleep, self.clock, self.jitter = sleep, clock, jitter
        self._last_request: dict[str, float] = {}
        self._http = httpx.Client(
            timeout=timeout or httpx.Timeout(60.0, connect=15.0),
            headers={"User-Agent": user_agent()},
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def fetch(
        self,
        store: RawStore,
        request: ResourceRequest,
        *,
        validate: Validator | None = None,
        previous: RawRecord | None = None,
    ) -> RawRecord:
        """Fetch one resource into ``store``, retrying transient failures; return its record."""
        return self._with_retries(
            request, lambda: self._attempt(store, request, validate, previous)
        )

    def _with_retries(self, request: ResourceRequest, attempt_once: Callable[[], T]) -> T:
        """``attempt_once()`` until it succeeds, waiting between tries; one clear error after
        the last try."""
        last: _Retry | None = None
        for attempt in range(1, self.retry.attempts + 1):
            self._respect_rate_limit(request.host)
            try:
                return attempt_once()
            except _Retry as retry:
                last = retry
                if attempt < self.retry.attempts:
                    self.sleep(self._wait_for(retry, attempt, request))
        assert last is not None
        raise SourceError(
            f"{request.host} kept failing for {request.source} {request.resource} "
            f"({last.reason}) after {self.retry.attempts} tries; try again later, or build from "
            "stored snapshots with --offline."
        )

    def page(self, request: ResourceRequest) -> httpx.Response:
        """A page read but not stored (a form to fill before the real download), with the same
        retries, rate limit and error messages as ``fetch``; cookies stay in the client."""
        return self._with_retries(request, lambda: self._read_page(request))

    def _read_page(self, request: ResourceRequest) -> httpx.Response:
        try:
            response = self._http.request(
                request.method,
                request.url,
                params=dict(request.params),
                headers=dict(request.headers),
                data=dict(request.form) if request.form is not None else None,
            )
        except httpx.ConnectError as exc:
            raise SourceUnreachable(
                f"cannot reach {request.host} for {request.source} ({_short(exc)}); {OFFLINE_HINT}."
            ) from exc
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retry(f"{type(exc).__name__}: {_short(exc)}") from exc
        self._check_status(request, response)
        return response

    # --- one try ---------------------------------------------------------------------------

    def _attempt(
        self,
        store: RawStore,
        request: ResourceRequest,
        validate: Validator | None,
        previous: RawRecord | None,
    ) -> RawRecord:
        headers = {**request.headers, **_conditional_headers(previous)}
        try:
            with self._http.stream(
                request.method,
                request.url,
                params=dict(request.params),
                headers=headers,
                data=dict(request.form) if request.form is not None else None,
            ) as response:
                if response.status_code == 304 and previous is not None:
                    return previous
                self._check_status(request, response)
                return self._store_body(store, request, response, validate)
        except httpx.ConnectError as exc:
            raise SourceUnreachable(
                f"cannot reach {request.host} for {request.source} ({_short(exc)}); {OFFLINE_HINT}."
            ) from exc
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise _Retry(f"{type(exc).__name__}: {_short(exc)}") from exc

    def _check_status(self, request: ResourceRequest, response: httpx.Response) -> None:
        status = response.status_code
        if status in request.ok_statuses:
            return
        if status in RETRY_STATUSES:
            raise _Retry(f"HTTP {status}", wait=_retry_after(response, utc_now()))
        response.read()
        raise SourceError(
            f"{request.host} answered HTTP {status} to {response.url} "
            f"({_snippet(response.text)}); check the parameters in "
            f"catalog/sources/{request.source}.yaml."
        )

    def _store_body(
        self,
        store: RawStore,
        request: ResourceRequest,
        response: httpx.Response,
        validate: Validator | None,
    ) -> RawRecord:
        with store.pending() as pending:
            for chunk in response.iter_bytes():
                pending.write(chunk)
            _check_complete(response, pending.size)
            if validate is not None:
                try:
                    validate(pending.path, response)
                except TransientContent as exc:
                    raise _Retry(str(exc)) from exc
            return store.commit(
                pending,
                source=request.source,
                resource=request.resource,
                url=request.url,
                params=dict(request.params),
                fetched_at=utc_now(),
                status=response.status_code,
                media_type=response.headers.get("content-type"),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )

    # --- waits -----------------------------------------------------------------------------

    def _wait_for(self, retry: _Retry, attempt: int, request: ResourceRequest) -> float:
        if retry.wait is None:
            return self.retry.backoff(attempt, self.jitter())
        if retry.wait > self.retry.max_retry_after:
            raise SourceError(
                f"{request.host} asks to wait {retry.wait:.0f} s before the next request "
                f"({retry.reason}); try again later, or use --offline."
            )
        return retry.wait

    def _respect_rate_limit(self, host: str) -> None:
        per_second = self.rate_limits.get(host)
        if per_second:
            last = self._last_request.get(host)
            if last is not None:
                wait = last + 1.0 / per_second - self.clock()
                if wait > 0:
                    self.sleep(wait)
        self._last_request[host] = self.clock()


def user_agent() -> str:
    return f"autonomy-monitor/{client_version()} (Strategic Autonomy Monitor; python-httpx)"


def _conditional_headers(previous: RawRecord | None) -> dict[str, str]:
    if previous is None:
        return {}
    headers = {}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _retry_after(response: httpx.Response, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), else None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _check_complete(response: httpx.Response, received: int) -> None:
    declared = response.headers.get("content-length")
    if declared is None or response.headers.get("content-encoding"):
        return
    if declared.isdigit() and int(declared) != received:
        raise _Retry(f"truncated body: {received} of {declared} bytes")


_TAG = re.compile(r"<(style|script|title)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _snippet(text: str, limit: int = 160) -> str:
    """A short readable excerpt of an error body: for an HTML/XHTML page (the World Bank's
    400 "Request Error" page starts with a byte-order mark and an XML declaration), its title
    and visible text; otherwise the first characters."""
    text = text.lstrip("\ufeff")
    title = _TITLE.search(text)
    if title or "<html" in text[:500].lower():
        visible = " ".join(_TAG.sub(" ", text).split())
        heading = " ".join(title.group(1).split()) if title else ""
        text = f"HTML page {heading!r}: {visible}" if heading else f"HTML page: {visible}"
    flat = " ".join(text.split())
    return flat[:limit] + ("..." if len(flat) > limit else "") if flat else "empty body"


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]

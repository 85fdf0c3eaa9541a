"""Per-request plumbing: the X-Request-ID correlation id and request metrics."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

from eventkit.correlation import accept_or_new, bind, unbind

REQUEST_ID_HEADER = "X-Request-ID"
# A longer query string is refused with 414; the server reads longer request heads (server.py), so the
# app answers that, in problem+json, rather than the HTTP parser.
MAX_QUERY_BYTES = 64 * 1024

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def install_request_hooks(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.correlation_id = accept_or_new(request.headers.get(REQUEST_ID_HEADER))
        g.correlation_token = bind(g.correlation_id)
        # Werkzeug enforces MAX_CONTENT_LENGTH only when a body is read; refuse a declared
        # oversize body up front so no route can forget it. (Chunked bodies are caught on read.)
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge(f"The request body is larger than the limit of {limit} bytes.")
        if len(request.query_string) > MAX_QUERY_BYTES:
            raise RequestURITooLarge(f"The query string is longer than the limit of {MAX_QUERY_BYTES} bytes.")

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        # Threads are reused across requests: the id must not leak into the next one.
        token = g.pop("correlation_token", None)
        if token is not None:
            unbind(token)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("correlation_id") or ""
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            HTTP_LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        return response

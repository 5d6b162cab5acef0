"""The plumbing the provider fakes share: a threaded HTTP server on loopback, the table of
routes a fake serves, request recording (and of requests to routes it does not serve), and
injected failures. Nothing here knows Stripe or Paystack."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

DISCONNECT = object()  # a handler result: drop the connection without answering


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": "application/json", **(headers or {})})


@dataclass
class Failure:
    """One injected failure; ``times=None`` means until ``clear_failures()``."""

    status: int | None
    times: int | None
    method: str | None
    path: str | None  # a regular expression searched in the request path
    body: object | None
    headers: dict[str, str]
    disconnect: bool
    delay: float

    def matches(self, request: Request) -> bool:
        if self.method and self.method.upper() != request.method:
            return False
        return not self.path or re.search(self.path, request.path) is not None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: the connection was dropped

    def json(self):
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections give their thread back eventually
    server: _Server

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle holds the body until the
        # client ACKs the headers, and on a kept-alive connection the client delays that ACK
        # (40 ms), so every request of a client that reuses connections stalled.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        fake = self.server.fake
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        result = fake._dispatch(request)
        if result is DISCONNECT:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(result.status)
        for name, value in result.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, fake):
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class FakeServer:
    """Base class: subclasses list their ``ROUTES`` and implement ``handle(request) -> Response``
    and ``_reset_state()``.

    ``start()`` binds 127.0.0.1 on a free port (never another interface); ``stop()`` shuts the
    server, closes every kept-alive connection and joins the serving thread.

    A fake serves only the provider routes the code calls. A request to any other route is
    answered as the provider answers an unknown URL (by ``handle``) and is also kept in
    ``unserved``; ``assert_all_served()`` fails on it, and the fixtures call it after every test,
    so a call the fake does not serve fails the test that made it.
    """

    name = "fake"
    # (method, path regular expression matched in full, name of the handler method): the routes
    # the fake serves. The named groups of the expression are passed to the handler.
    ROUTES: tuple[tuple[str, str, str], ...] = ()

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.RLock()
        self._failures: list[Failure] = []
        self.requests: list[RecordedRequest] = []
        self.unserved: list[RecordedRequest] = []
        self._reset_state()

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self):
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}"

    def reset(self):
        """Forget every object, idempotency record, recorded request and pending failure."""
        with self.lock:
            self._failures.clear()
            self.requests.clear()
            self.unserved.clear()
            self._reset_state()

    def _reset_state(self):
        raise NotImplementedError

    # --- routes ----------------------------------------------------------------------------------
    def route(self, method: str, path: str):
        """``(handler, path parameters)`` of the route serving ``method path``, or None."""
        for route_method, pattern, handler in self.ROUTES:
            if route_method == method and (match := re.fullmatch(pattern, path)):
                return getattr(self, handler), match.groupdict()
        return None

    def serves(self, method: str, path: str) -> bool:
        return self.route(method, path) is not None

    def assert_all_served(self):
        """Fail if any request since the last ``reset()`` went to a route this fake does not serve:
        the code calls the provider somewhere the fake does not answer as the provider would."""
        with self.lock:
            unserved = sorted({f"{r.method} {r.path}" for r in self.unserved})
        if unserved:
            raise AssertionError(
                f"{self.name}: requests to routes the fake does not serve: {', '.join(unserved)}. "
                "Serve the route in the fake (as the provider answers it) or fix the call."
            )

    # --- injected failures ---------------------------------------------------------------------
    def fail_next(
        self,
        status: int | None = 500,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        body=None,
        headers: dict[str, str] | None = None,
        disconnect: bool = False,
        delay: float = 0.0,
    ):
        """Make the next ``times`` matching requests fail before they reach the fake API.

        ``path`` is a regular expression searched in the request path ("/refund$", "^/v1/refunds").
        ``disconnect=True`` drops the connection without an answer (the client sees a connection
        error); ``delay`` sleeps first (to trip client timeouts). ``body`` replaces the provider's
        default error body. Injected failures change no state and are not recorded for idempotency.
        """
        with self.lock:
            self._failures.append(
                Failure(
                    status=status,
                    times=times,
                    method=method,
                    path=path,
                    body=body,
                    headers=dict(headers or {}),
                    disconnect=disconnect,
                    delay=delay,
                )
            )

    def clear_failures(self):
        with self.lock:
            self._failures.clear()

    def _take_failure(self, request: Request) -> Failure | None:
        with self.lock:
            for failure in self._failures:
                if failure.matches(request):
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._failures.remove(failure)
                    return failure
        return None

    def _failure_response(self, failure: Failure) -> Response:
        raise NotImplementedError

    # --- dispatch ------------------------------------------------------------------------------
    def _dispatch(self, request: Request):
        failure = self._take_failure(request)
        if failure is not None:
            if failure.delay:
                time.sleep(failure.delay)
            result = DISCONNECT if failure.disconnect else self._failure_response(failure)
        else:
            try:
                result = self.handle(request)
            except Exception as exc:  # a bug in the fake: answer like a provider outage, loudly
                result = self._internal_error(exc)
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            body=request.body,
            status=None if result is DISCONNECT else result.status,
        )
        served = self.serves(request.method, request.path)
        with self.lock:
            self.requests.append(recorded)
            if not served:
                self.unserved.append(recorded)
        return result

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def _internal_error(self, exc: Exception) -> Response:
        return Response.json(500, {"error": f"{type(exc).__name__}: {exc}"})

    def requests_to(self, path_regex: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests whose path matches ``path_regex`` (and ``method``), oldest first."""
        with self.lock:
            return [
                r
                for r in self.requests
                if re.search(path_regex, r.path) and (method is None or r.method == method.upper())
            ]

"""Fault injection: an HTTP proxy on 127.0.0.1 that answers chosen AWS calls with AWS errors.

The proxy sits in front of the sandbox's moto endpoint. It names each request by its
service (from the SigV4 credential scope) and operation (X-Amz-Target for JSON protocols,
Action for query protocols, method and path matched against the botocore model for REST
protocols), then applies its rules in order. Latency rules delay the call and let the
next rule decide; the first other rule that fires answers with the error exactly as the
service's protocol shapes it, or drops the connection. Calls no rule fires on pass through.

Whether a rule with a rate below 1 fires is a hash of the seed, the rule, the request and
how many times that same request was seen before, so a run replays the same faults
whatever order concurrent calls arrive in.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import botocore.session
from aiohttp import web

log = logging.getLogger(__name__)

LATENCY = "latency"
THROTTLE = "throttle"
DENY = "deny"
ERROR_500 = "error_500"
ERROR_503 = "error_503"
DROP = "drop"
EXPIRE = "expire"

FAULTS = frozenset({LATENCY, THROTTLE, DENY, ERROR_500, ERROR_503, DROP, EXPIRE})


# (error code, HTTP status) of each fault, by protocol, as AWS answers it.
ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    THROTTLE: {
        "json": ("ThrottlingException", 400),
        "rest-json": ("ThrottlingException", 429),
        "query": ("Throttling", 400),
        "ec2": ("RequestLimitExceeded", 503),
        "rest-xml": ("SlowDown", 503),
    },
    DENY: {
        "json": ("AccessDeniedException", 400),
        "rest-json": ("AccessDeniedException", 403),
        "query": ("AccessDenied", 403),
        "ec2": ("UnauthorizedOperation", 403),
        "rest-xml": ("AccessDenied", 403),
    },
    ERROR_500: {
        "json": ("InternalFailure", 500),
        "rest-json": ("ServiceException", 500),
        "query": ("InternalFailure", 500),
        "ec2": ("InternalError", 500),
        "rest-xml": ("InternalError", 500),
    },
    ERROR_503: {
        "json": ("ServiceUnavailable", 503),
        "rest-json": ("ServiceUnavailableException", 503),
        "query": ("ServiceUnavailable", 503),
        "ec2": ("Unavailable", 503),
        "rest-xml": ("ServiceUnavailable", 503),
    },
    EXPIRE: {
        "json": ("ExpiredTokenException", 400),
        "rest-json": ("ExpiredTokenException", 403),
        "query": ("ExpiredToken", 403),
        "ec2": ("RequestExpired", 400),
        "rest-xml": ("ExpiredToken", 400),
    },
}

# Services that spell a fault their own way.
OWN_SPELLING: dict[tuple[str, str], tuple[str, int]] = {
    (DENY, "sns"): ("AuthorizationError", 403),
    (THROTTLE, "lambda"): ("TooManyRequestsException", 429),
    (THROTTLE, "sqs"): ("RequestThrottled", 400),
}

MESSAGES = {
    THROTTLE: "Rate exceeded",
    DENY: "User is not authorized to perform this operation (injected fault)",
    ERROR_500: "We encountered an internal error. Please try again.",
    ERROR_503: "Service is unavailable. Please try again.",
    EXPIRE: "The security token included in the request is expired",
}

# botocore reads a JSON error from its body whichever x-amz-json version is named.
JSON_TYPE = "application/x-amz-json-1.1"
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
HOP_BY_HOP = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A fault for calls of one service and operation ("*" for any)."""

    fault: str
    service: str = "*"  # botocore client name, e.g. "efs", not the signing name
    operation: str = "*"  # API operation name, e.g. "GetKeyPolicy"
    rate: float = 1.0  # share of matching calls it fires on
    after: int = 0  # matching calls let through before it starts to fire
    delay: float = 0.0  # seconds, for LATENCY
    contains: str = ""  # only calls whose path, query or body contain this text

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault: {self.fault}")

    def matches(self, call: Call) -> bool:
        # A call of a service the proxy cannot name has no error shape it could answer with.
        return (
            bool(call.protocol)
            and self.service in ("*", call.service)
            and self.operation in ("*", call.operation)
            and self.contains in call.text
        )


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the proxy names it."""

    service: str
    region: str
    operation: str
    protocol: str
    text: str  # method, path, query and body: what makes two requests the same request


@dataclass(frozen=True, slots=True)
class Injected:
    """A fault the proxy answered with instead of the sandbox."""

    service: str
    region: str
    operation: str
    fault: str
    code: str


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern
    query_keys: frozenset[str]
    operation: str
    weight: int


@dataclass(frozen=True, slots=True)
class _Model:
    name: str
    protocol: str
    routes: tuple[_Route, ...]


def scanned_services() -> tuple[str, ...]:
    """The botocore client names of every service the scanner calls."""
    from scanner.collectors import COLLECTORS

    return tuple(sorted({module.CLIENT for module in COLLECTORS.values()} | {"ec2", "kms", "sts"}))


@cache
def _models(services: tuple[str, ...]) -> dict[str, _Model]:
    """The botocore models of the given services, by signing name."""
    session = botocore.session.get_session()
    models = {}
    for name in services:
        model = session.get_service_model(name)
        routes = _routes(model) if model.protocol.startswith("rest") else ()
        models[model.signing_name] = _Model(name, model.protocol, routes)

    return models


def _routes(model: Any) -> tuple[_Route, ...]:
    routes = []
    for operation in model.operation_names:
        http = model.operation_model(operation).http
        path, _, query = http["requestUri"].partition("?")
        keys = frozenset(part.split("=", 1)[0] for part in query.split("&") if part)
        literal = re.sub(r"\{[^}]*\}", "", path)
        weight = len(literal) + 10 * len(keys)
        routes.append(_Route(http["method"], _path_pattern(path), keys, operation, weight))

    return tuple(sorted(routes, key=lambda route: -route.weight))


def _path_pattern(path: str) -> re.Pattern:
    parts = []
    for piece in re.split(r"(\{[^}]*\})", path.rstrip("/") or "/"):
        if piece.endswith("+}"):
            parts.append(".+")
        elif piece.startswith("{"):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(piece))

    return re.compile("".join(parts) + "/?")


def identify(
    method: str, raw_path: str, headers: Any, body: bytes, clients: tuple[str, ...] = ()
) -> Call:
    """The service, region and operation of a request; no protocol for services it cannot name.

    Requests are matched against the models of the given botocore clients, by default every
    client the scanner uses (one per signing name).
    """
    scope = CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    region, signing = scope.groups() if scope else ("", "")
    model = _models(clients or scanned_services()).get(signing)
    text = f"{method} {raw_path} {body.decode('utf-8', 'replace')}"
    if model is None:
        return Call(signing, region, "", "", text)

    operation = _operation(model, method, raw_path, headers, body)
    return Call(model.name, region, operation, model.protocol, text)


def _operation(model: _Model, method: str, raw_path: str, headers: Any, body: bytes) -> str:
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]

    parts = urlsplit(raw_path)
    query = parse_qs(parts.query, keep_blank_values=True)
    if model.protocol in ("query", "ec2"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return (form.get("Action") or query.get("Action") or [""])[0]

    for route in model.routes:
        if (
            route.method == method
            and route.query_keys <= query.keys()
            and route.pattern.fullmatch(parts.path)
        ):
            return route.operation

    return ""


def error_of(fault: str, call: Call) -> tuple[str, int]:
    """The error code and HTTP status a service answers a fault with."""
    return OWN_SPELLING.get((fault, call.service)) or ERRORS[fault][call.protocol]


def error_response(fault: str, call: Call) -> web.Response:
    """The error a service answers with for a fault, shaped as its protocol shapes errors."""
    protocol = call.protocol
    code, status = error_of(fault, call)
    message = MESSAGES[fault]
    request_id = hashlib.sha256(call.text.encode()).hexdigest()[:32]
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id}
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message})
        return web.Response(status=status, text=body, headers=headers, content_type=JSON_TYPE)

    if protocol == "rest-json":
        headers["x-amzn-ErrorType"] = code
        body = json.dumps({"message": message})
        return web.Response(
            status=status, text=body, headers=headers, content_type="application/json"
        )

    return web.Response(
        status=status,
        text=_xml_error(protocol, code, message, request_id),
        headers=headers,
        content_type="text/xml",
    )


def _xml_error(protocol: str, code: str, message: str, request_id: str) -> str:
    error = f"<Code>{code}</Code><Message>{message}</Message>"
    if protocol == "ec2":
        return (
            f"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error>{error}"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )

    if protocol == "rest-xml":
        return (
            f"<?xml version='1.0' encoding='UTF-8'?><Error>{error}"
            f"<RequestId>{request_id}</RequestId></Error>"
        )

    return (
        f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


class FaultProxy:
    """The proxy, served from its own thread and event loop so any caller can use it."""

    def __init__(self, upstream: str, rules: tuple[Rule, ...] = (), seed: int = 0):
        self.upstream = upstream.rstrip("/")
        self.endpoint = ""
        self.rules: tuple[Rule, ...] = ()
        self.seed = 0
        self.seen: Counter = Counter()  # (service, operation) of every request
        self.injected: list[Injected] = []
        self._repeats: Counter = Counter()
        self._fired: Counter = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.configure(rules, seed)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def configure(self, rules: tuple[Rule, ...] | list[Rule] = (), seed: int = 0) -> None:
        """Replace the rules and the seed, and forget every call seen so far."""
        with self._lock:
            self.rules = tuple(rules)
            self.seed = seed
            self.seen = Counter()
            self.injected = []
            self._repeats = Counter()
            self._fired = Counter()

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """An SDK environment (such as the sandbox's) sent through the proxy instead."""
        return {**base, "AWS_ENDPOINT_URL": self.endpoint}

    def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1."""
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait()
        log.info("fault proxy on %s in front of %s", self.endpoint, self.upstream)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop = None

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.run_until_complete(self._open())
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _open(self) -> None:
        self._client = aiohttp.ClientSession(auto_decompress=True)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.endpoint = f"http://127.0.0.1:{port}"

    async def _close(self) -> None:
        await self._runner.cleanup()
        await self._client.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        call = identify(request.method, request.raw_path, request.headers, body)
        for rule in self._decide(call):
            if rule.fault == LATENCY:
                await asyncio.sleep(rule.delay)
                continue

            return self._inject(rule, call, request)

        return await self._forward(request, body)

    def _decide(self, call: Call) -> list[Rule]:
        """The latency rules that fire on a call, then the fault that answers it, if any."""
        with self._lock:
            self.seen[(call.service, call.operation)] += 1
            repeat = self._repeats[(call.region, call.text)]
            self._repeats[(call.region, call.text)] += 1
            chosen = []
            for index, rule in enumerate(self.rules):
                if not rule.matches(call):
                    continue

                self._fired[index] += 1
                if self._fired[index] <= rule.after or not self._fires(index, call, repeat):
                    continue

                chosen.append(rule)
                if rule.fault != LATENCY:
                    break

            return chosen

    def _fires(self, index: int, call: Call, repeat: int) -> bool:
        rule = self.rules[index]
        if rule.rate >= 1:
            return True

        token = f"{self.seed}|{index}|{call.region}|{call.text}|{repeat}".encode()
        draw = int.from_bytes(hashlib.sha256(token).digest()[:8], "big") / 2**64
        return draw < rule.rate

    def _inject(self, rule: Rule, call: Call, request: web.Request) -> web.StreamResponse:
        if rule.fault == DROP:
            code, response = "ConnectionDropped", _dropped(request)
        else:
            code, response = error_of(rule.fault, call)[0], error_response(rule.fault, call)

        injected = Injected(call.service, call.region, call.operation, rule.fault, code)
        with self._lock:
            self.injected.append(injected)

        log.debug("injected %s", injected)
        return response

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        url = self.upstream + request.raw_path
        async with self._client.request(
            request.method, url, headers=headers, data=body, allow_redirects=False
        ) as reply:
            data = await reply.read()
            kept = {k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=reply.status, body=data, headers=kept)


def _dropped(request: web.Request) -> web.Response:
    # Closing the socket before any byte of a response is what a dropped connection looks like.
    if request.transport is not None:
        request.transport.close()

    return web.Response(status=500)

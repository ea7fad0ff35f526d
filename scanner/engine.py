"""The async engine: clients, paging, bounded concurrency and error handling, written once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import FIRST_COMPLETED
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aioboto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from scanner import catalog, errors
from scanner.records import Resource

log = logging.getLogger(__name__)

USER_AGENT = "aws-managed-key-scanner/0.1"

# Raised once the SDK's retries are spent on a connection that failed or was dropped.
NETWORK_ERRORS = (ConnectionError, HTTPClientError)


@dataclass(slots=True)
class Limits:
    """Concurrency bounds and the SDK's retry settings."""

    max_calls: int = 48  # API calls in flight across the whole run
    per_service: int = 8  # detail calls in flight per account, region and service
    retry_mode: str = "standard"
    max_attempts: int = 6
    connect_timeout: float = 10
    read_timeout: float = 60


@dataclass(slots=True)
class CallLog:
    """Every operation the scanner called, with its parameters: for tests and the benchmark."""

    calls: list[tuple[str, str, str, dict]] = field(default_factory=list)

    def record(self, region: str, service: str, operation: str, params: dict) -> None:
        self.calls.append((region, service, operation, dict(params)))

    def counts(self) -> Counter:
        return Counter((service, operation) for _, service, operation, _ in self.calls)


class Aws:
    """One account's session: clients per region and service, created once and shared."""

    def __init__(
        self,
        session: aioboto3.Session,
        limits: Limits | None = None,
        call_log: CallLog | None = None,
    ):
        self.session = session
        self.limits = limits or Limits()
        self.call_log = call_log
        self.calls = asyncio.Semaphore(self.limits.max_calls)
        # Set when AWS refuses the credentials mid-scan: what was read stays, marked partial.
        self.credentials_refused = ""
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = asyncio.Lock()
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Aws:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()

    def _config(self) -> Config:
        return Config(
            retries={"mode": self.limits.retry_mode, "max_attempts": self.limits.max_attempts},
            max_pool_connections=self.limits.max_calls,
            connect_timeout=self.limits.connect_timeout,
            read_timeout=self.limits.read_timeout,
            user_agent_extra=USER_AGENT,
        )

    async def client(self, name: str, region: str) -> Any:
        """A client for a service in a region, shared by every caller."""
        async with self._lock:
            client = self._clients.get((name, region))
            if client is None:
                client = await self._stack.enter_async_context(
                    self.session.client(name, region_name=region, config=self._config())
                )
                self._watch(client, name, region)
                self._clients[(name, region)] = client

        return client

    def _watch(self, client: Any, name: str, region: str) -> None:
        if self.call_log is None:
            return

        call_log = self.call_log

        def record(params: dict, model: Any, **_: Any) -> None:
            call_log.record(region, name, model.name, params)

        client.meta.events.register("before-parameter-build.*.*", record)


@dataclass(slots=True, frozen=True)
class Reply:
    """A detail call's response, or the error code that kept it from being read."""

    data: dict | None
    error_code: str = ""


class Scope:
    """What a collector sees: one account, region and service, and calls that handle errors."""

    def __init__(self, aws: Aws, account_id: str, region: str, service: str, client: Any):
        self.aws = aws
        self.account_id = account_id
        self.region = region
        self.service = service
        self.client = client

    async def call(self, operation: str, **params: Any) -> dict:
        """One API call; a ClientError propagates to the engine."""
        async with self.aws.calls:
            log.debug("%s %s %s.%s", self.account_id, self.region, self.service, operation)
            return await getattr(self.client, operation)(**params)

    async def pages(self, operation: str, result_key: str, **params: Any) -> AsyncIterator[Any]:
        """The items of every page of a paged listing."""
        paginator = self.client.get_paginator(operation)
        pages = paginator.paginate(**params).__aiter__()
        while True:
            async with self.aws.calls:
                try:
                    page = await pages.__anext__()
                except StopAsyncIteration:
                    return

            for item in page.get(result_key, []):
                yield item

    async def detail(self, operation: str, tolerate: Iterable[str] = (), **params: Any) -> Reply:
        """A per-resource call: denied, throttled, 5xx or unreachable becomes an error code."""
        try:
            return Reply(await self.call(operation, **params))
        except ClientError as error:
            code = errors.error_code(error)
            if code in errors.EXPIRED:
                self.aws.credentials_refused = code
                return self._failed(operation, code)

            if code in tolerate:
                return Reply(None, code)

            if code in errors.ACCESS_DENIED or code in errors.THROTTLED or _server_error(error):
                return self._failed(operation, code)

            raise
        except NETWORK_ERRORS as error:
            # One resource's unreachable detail must not cost the rest of the scan.
            return self._failed(operation, type(error).__name__)

    def _failed(self, operation: str, code: str) -> Reply:
        log.warning(
            "%s %s %s.%s failed: %s", self.account_id, self.region, self.service, operation, code
        )
        return Reply(None, code)

    async def each(
        self, fetch: Callable[[Any], Awaitable[Any]], items: Iterable[Any]
    ) -> AsyncIterator[Any]:
        """Run fetch over items, a few at a time, yielding results as they complete."""
        limit = self.aws.limits.per_service
        pending: set[asyncio.Future] = set()
        try:
            for item in items:
                if len(pending) >= limit:
                    done, pending = await asyncio.wait(pending, return_when=FIRST_COMPLETED)
                    for task in done:
                        yield task.result()

                pending.add(asyncio.ensure_future(fetch(item)))

            while pending:
                done, pending = await asyncio.wait(pending, return_when=FIRST_COMPLETED)
                for task in done:
                    yield task.result()
        finally:
            for task in pending:
                task.cancel()

    def resource(
        self,
        resource_type: str,
        resource_id: str,
        arn: str,
        hint: str,
        key_reference: str | None = None,
        detail: str = "",
        error_code: str = "",
    ) -> Resource:
        """A record of one resource in this scope."""
        return Resource(
            account_id=self.account_id,
            region=self.region,
            service=self.service,
            resource_type=resource_type,
            resource_id=resource_id,
            resource_arn=arn,
            hint=hint,
            key_reference=key_reference or None,
            detail=detail,
            error_code=error_code,
        )

    async def with_client(self, client: str) -> Scope | None:
        """This scope through another client of the same service (Lex V1, Redshift Serverless).

        None where botocore's endpoint data says that client's API is not offered here.
        """
        if catalog.absent_from(self.region, client, partition(self.region)):
            return None

        other = await self.aws.client(client, self.region)
        return Scope(self.aws, self.account_id, self.region, self.service, other)

    def arn(self, service: str, resource: str) -> str:
        """An ARN in this scope's account and region."""
        return f"arn:{partition(self.region)}:{service}:{self.region}:{self.account_id}:{resource}"


async def together(*steps: Awaitable[Any]) -> list[Any]:
    """Run steps concurrently; when one fails, cancel and await the rest before raising.

    Nothing may outlive the failure: a step still running would open clients after the
    session has closed them, and leave their connections behind.
    """
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()

        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _server_error(error: ClientError) -> bool:
    # A 5xx still failing after the SDK's retries: the service's fault, not the request's.
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500


def partition(region: str) -> str:
    """The partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"

    if region.startswith("us-gov-"):
        return "aws-us-gov"

    return "aws"

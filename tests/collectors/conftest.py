"""Run one collector on its own: on the sandbox, or on stubbed responses with no network.

Stubbed clients answer from responses that botocore validates against the service model;
their endpoint is a closed port on 127.0.0.1, so a request the stubber missed fails here.
"""

from __future__ import annotations

import asyncio
from types import ModuleType

import aioboto3
import pytest
from aiobotocore.stub import AioStubber

from scanner import sandbox as sandbox_module
from scanner.engine import Aws, Limits, Scope
from scanner.records import Resource

ACCOUNT_ID = sandbox_module.ACCOUNT_ID
NOWHERE = "http://127.0.0.1:9"
EMPTY_REGION = "us-west-2"  # a region the sandbox seeds nothing in


def _limits(per_service: int = 8) -> Limits:
    # One attempt: a stubbed error must reach the collector, not be retried.
    return Limits(max_attempts=1, per_service=per_service)


async def _collect(aws: Aws, module: ModuleType, region: str, stub=None) -> list[Resource]:
    client = await aws.client(module.CLIENT, region)
    scope = Scope(aws, ACCOUNT_ID, region, module.SERVICE, client)
    if stub is None:
        return [resource async for resource in module.collect(scope)]

    with AioStubber(client) as stubber:
        stub(stubber)
        found = [resource async for resource in module.collect(scope)]
        stubber.assert_no_pending_responses()

    return found


@pytest.fixture
def on_sandbox(sandbox, monkeypatch):
    """Collect one service in one region of the seeded sandbox."""
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)

    def collect(module: ModuleType, region: str) -> list[Resource]:
        async def run() -> list[Resource]:
            async with Aws(aioboto3.Session(), _limits()) as aws:
                return await _collect(aws, module, region)

        return asyncio.run(run())

    return collect


@pytest.fixture
def stubbed(monkeypatch):
    """Collect one service from stubbed responses; stub(stubber) queues them in call order."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", NOWHERE)

    def collect(module: ModuleType, stub, region: str = "us-east-1") -> list[Resource]:
        async def run() -> list[Resource]:
            session = aioboto3.Session(
                region_name=region, aws_access_key_id="x", aws_secret_access_key="y"
            )
            # One detail call at a time, so that calls meet their stubs in order.
            async with Aws(session, _limits(per_service=1)) as aws:
                return await _collect(aws, module, region, stub)

        return asyncio.run(run())

    return collect


@pytest.fixture
def summary():
    """What a test compares: type, id, hint and key reference of each resource."""

    def summarise(resources: list[Resource]) -> set[tuple[str, str, str, str | None]]:
        return {(r.resource_type, r.resource_id, r.hint, r.key_reference) for r in resources}

    return summarise


@pytest.fixture
def key_arn(sandbox):
    """The ARN of the key an alias names in a sandbox region, read from moto directly."""
    from moto.kms.models import kms_backends

    def find(region: str, alias: str) -> str:
        backend = kms_backends[ACCOUNT_ID][region]
        return next(key.arn for key in backend.keys.values() if alias in key.aliases)

    return find

"""Timestream: databases, and every request of the scan stays on the sandbox."""

import asyncio

import aioboto3

from scanner import catalog
from scanner.collectors import timestream
from scanner.engine import Aws, Scope
from scanner.records import CoverageStatus, Hint
from scanner.scan import run_collector


def test_sandbox_databases(on_sandbox, summary, key_arn):
    assert summary(on_sandbox(timestream, "us-east-1")) == {
        ("database", "metrics-managed", Hint.KMS, key_arn("us-east-1", "alias/aws/timestream")),
        ("database", "metrics-customer", Hint.KMS, key_arn("us-east-1", "alias/sandbox-app")),
    }


def test_requests_go_only_to_the_sandbox(sandbox, monkeypatch):
    # The SDK sends Timestream calls where DescribeEndpoints points; that must be the sandbox.
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    urls: list[str] = []

    async def run() -> None:
        async with Aws(aioboto3.Session()) as aws:
            client = await aws.client(timestream.CLIENT, "eu-west-1")
            client.meta.events.register(
                "before-send", lambda request, **_: urls.append(request.url)
            )
            scope = Scope(aws, "123456789012", "eu-west-1", timestream.SERVICE, client)
            assert len([r async for r in timestream.collect(scope)]) == 2

    asyncio.run(run())

    assert urls
    assert all(url.startswith(sandbox.endpoint) for url in urls), urls


def test_region_without_the_service_is_not_available(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    missing = sorted(set(catalog.all_regions()) - catalog.available_regions("timestream-write"))

    async def run():
        async with Aws(aioboto3.Session(aws_access_key_id="x", aws_secret_access_key="y")) as aws:
            return await run_collector(aws, "123456789012", missing[0], timestream, None)

    found, coverage = asyncio.run(run())

    assert found == []
    assert coverage.status == CoverageStatus.NOT_AVAILABLE
    assert coverage.error_code == "NoEndpointInRegion"


def test_pages_are_followed(stubbed, summary):
    def stub(stubber):
        stubber.add_response(
            "list_databases", {"Databases": [{"DatabaseName": "first"}], "NextToken": "more"}
        )
        stubber.add_response(
            "list_databases", {"Databases": [{"DatabaseName": "second"}]}, {"NextToken": "more"}
        )

    assert summary(stubbed(timestream, stub)) == {
        ("database", "first", Hint.KMS, None),
        ("database", "second", Hint.KMS, None),
    }

"""OpenSearch Service: each domain's encryption at rest; enabled with no key means aws/es."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "es"
CLIENT = "opensearch"

BATCH = 5  # DescribeDomains takes at most five names


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Domains, described five at a time."""
    listing = await scope.call("list_domain_names")
    names = [domain["DomainName"] for domain in listing.get("DomainNames", [])]
    batches = [names[start : start + BATCH] for start in range(0, len(names), BATCH)]
    async for resources in scope.each(lambda batch: _domains(scope, batch), batches):
        for resource in resources:
            yield resource


async def _domains(scope: Scope, names: list[str]) -> list[Resource]:
    reply = await scope.detail("describe_domains", DomainNames=names)
    if reply.error_code:
        return [
            scope.resource(
                "domain",
                name,
                scope.arn("es", f"domain/{name}"),
                Hint.UNREADABLE,
                error_code=reply.error_code,
            )
            for name in names
        ]

    return [_domain(scope, status) for status in reply.data.get("DomainStatusList", [])]


def _domain(scope: Scope, status: dict) -> Resource:
    name = status["DomainName"]
    arn = status.get("ARN") or scope.arn("es", f"domain/{name}")
    options = status.get("EncryptionAtRestOptions", {})
    if options.get("Enabled"):
        return scope.resource("domain", name, arn, Hint.KMS, options.get("KmsKeyId"))

    return scope.resource("domain", name, arn, Hint.NOT_ENCRYPTED)

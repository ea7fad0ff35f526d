"""Systems Manager Parameter Store: SecureString parameters carry a key; others none."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "ssm"
CLIENT = "ssm"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Parameters of every type; String and StringList ones are not encrypted."""
    # 50 a page, the most the API allows; the SDK's default is 10.
    async for parameter in scope.pages("describe_parameters", "Parameters", MaxResults=50):
        name = parameter["Name"]
        arn = parameter.get("ARN") or scope.arn("ssm", "parameter/" + name.lstrip("/"))
        kind = parameter.get("Type", "")
        if kind == "SecureString":
            yield scope.resource("parameter", name, arn, Hint.KMS, parameter.get("KeyId"))
        else:
            yield scope.resource("parameter", name, arn, Hint.NOT_ENCRYPTED, detail=f"Type={kind}")

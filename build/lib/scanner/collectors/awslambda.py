"""Lambda: the key of each function's environment variables and SnapStart snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "lambda"
CLIENT = "lambda"


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Functions; KMSKeyArn is present only when a customer managed key was chosen."""
    async for function in scope.pages("list_functions", "Functions"):
        name, arn = function["FunctionName"], function["FunctionArn"]
        key = function.get("KMSKeyArn")
        if key:
            yield scope.resource("function", name, arn, Hint.KMS, key)
        else:
            yield scope.resource("function", name, arn, Hint.KMS_AMBIGUOUS)

"""One module per AWS service; each lists its resources and where their key reference sits.

A collector module defines SERVICE (the name in alias/aws/<name>), CLIENT (the boto3
client name) and an async generator collect(scope) that yields Resource records.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from scanner import catalog

# Every collector module, by file name: each is a service of the catalog.
NAMES = (
    "acm", "appflow", "awslambda", "backup", "cloud9", "codeartifact", "codecommit", "connect",
    "dax", "dms", "dynamodb", "ebs", "ecr", "efs", "eks", "elasticache", "fsx", "glue",
    "imagebuilder", "kafka", "kendra", "kinesis", "kinesisvideo", "lex", "lightsail", "mq",
    "opensearch", "rds", "redshift", "s3", "secretsmanager", "ses", "sns", "sqs", "ssm",
    "timestream", "translate", "workspaces", "xray",
)  # fmt: skip

MODULES: tuple[ModuleType, ...] = tuple(
    import_module(f"scanner.collectors.{name}") for name in NAMES
)

COLLECTORS: dict[str, ModuleType] = {module.SERVICE: module for module in MODULES}

unknown = {module.SERVICE for module in MODULES} - set(catalog.BY_NAME)
if unknown:
    raise ImportError(f"collectors for services missing from the catalog: {sorted(unknown)}")


def tested_on(service: str) -> str:
    """Where a collector's tests run: the sandbox, or recorded responses moto cannot give."""
    from scanner.sandbox import ANSWERED_BY_SANDBOX

    if service not in COLLECTORS:
        return "no collector"

    return "stubbed responses" if service in ANSWERED_BY_SANDBOX else "sandbox"


def markdown_table() -> str:
    """The services table as Markdown, for the README."""
    lines = [
        "| service | alias | resource types | key link | tested on |",
        "|---|---|---|---|---|",
    ]
    for entry in catalog.SERVICES:
        types = ", ".join(entry.resource_types)
        state = tested_on(entry.name)
        lines.append(f"| {entry.title} | `{entry.alias}` | {types} | {entry.key_link} | {state} |")

    return "\n".join(lines)

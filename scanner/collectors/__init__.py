"""One module per AWS service; each lists its resources and where their key reference sits.

A collector module defines SERVICE (the name in alias/aws/<name>), CLIENT (the boto3
client name) and an async generator collect(scope) that yields Resource records.
"""

from __future__ import annotations

from types import ModuleType

from scanner import catalog
from scanner.collectors import (
    acm,
    appflow,
    awslambda,
    backup,
    cloud9,
    codeartifact,
    codecommit,
    connect,
    dax,
    dms,
    dynamodb,
    ebs,
    ecr,
    efs,
    eks,
    elasticache,
    fsx,
    glue,
    imagebuilder,
    kafka,
    kendra,
    kinesis,
    kinesisvideo,
    lex,
    lightsail,
    mq,
    opensearch,
    rds,
    redshift,
    s3,
    secretsmanager,
    ses,
    sns,
    sqs,
    ssm,
    timestream,
    translate,
    workspaces,
    xray,
)

MODULES: tuple[ModuleType, ...] = (
    acm,
    awslambda,
    backup,
    connect,
    dax,
    dms,
    dynamodb,
    ebs,
    ecr,
    efs,
    eks,
    elasticache,
    fsx,
    glue,
    kafka,
    kinesis,
    kinesisvideo,
    lex,
    mq,
    opensearch,
    rds,
    redshift,
    s3,
    secretsmanager,
    ses,
    sns,
    sqs,
    ssm,
    timestream,
    workspaces,
)

# Written and tested on stubbed responses, but not run by a scan yet: the sandbox (moto)
# has no backend or no call for them, so a sandbox scan would report them as errors.
# TODO(#3): move each into MODULES once the sandbox answers its calls.
AWAITING_SANDBOX: tuple[ModuleType, ...] = (
    appflow,
    cloud9,
    codeartifact,
    codecommit,
    imagebuilder,
    kendra,
    lightsail,
    translate,
    xray,
)

COLLECTORS: dict[str, ModuleType] = {module.SERVICE: module for module in MODULES}

unknown = {module.SERVICE for module in MODULES + AWAITING_SANDBOX} - set(catalog.BY_NAME)
if unknown:
    raise ImportError(f"collectors for services missing from the catalog: {sorted(unknown)}")


def collector_state(service: str) -> str:
    """Whether a scan runs the service's collector, only its stubbed tests do, or neither."""
    if service in COLLECTORS:
        return "scanned"

    if service in {module.SERVICE for module in AWAITING_SANDBOX}:
        return "stubbed tests only"

    return "not yet"


def markdown_table() -> str:
    """The services table as Markdown, for the README."""
    lines = [
        "| service | alias | resource types | key link | collector |",
        "|---|---|---|---|---|",
    ]
    for entry in catalog.SERVICES:
        types = ", ".join(entry.resource_types)
        state = collector_state(entry.name)
        lines.append(f"| {entry.title} | `{entry.alias}` | {types} | {entry.key_link} | {state} |")

    return "\n".join(lines)

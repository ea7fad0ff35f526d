"""One module per AWS service; each lists its resources and where their key reference sits.

A collector module defines SERVICE (the name in alias/aws/<name>), CLIENT (the boto3
client name) and an async generator collect(scope) that yields Resource records.
"""

from __future__ import annotations

from types import ModuleType

from scanner import catalog
from scanner.collectors import (
    awslambda,
    dynamodb,
    ebs,
    ecr,
    efs,
    kinesis,
    rds,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
)

MODULES: tuple[ModuleType, ...] = (
    awslambda,
    dynamodb,
    ebs,
    ecr,
    efs,
    kinesis,
    rds,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
)

COLLECTORS: dict[str, ModuleType] = {module.SERVICE: module for module in MODULES}

unknown = set(COLLECTORS) - set(catalog.BY_NAME)
if unknown:
    raise ImportError(f"collectors for services missing from the catalog: {sorted(unknown)}")

"""The 39 services that have an AWS managed key, and how each one shows its key."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import botocore.session

RESOLVED = "resolved"  # the API names the key, or says none was given for a KMS default
AMBIGUOUS = "ambiguous"  # an absent key may be AWS owned or AWS managed
INFERRED = "inferred"  # the API names no key: the documented service default is assumed


@dataclass(frozen=True, slots=True)
class Service:
    name: str  # the part after alias/aws/
    title: str
    endpoint: str  # botocore service name, for regional availability
    resource_types: tuple[str, ...]
    key_link: str = RESOLVED
    is_global: bool = False

    @property
    def alias(self) -> str:
        return f"alias/aws/{self.name}"


SERVICES: tuple[Service, ...] = (
    Service("acm", "Certificate Manager", "acm", ("certificate",), INFERRED),
    Service("appflow", "AppFlow", "appflow", ("flow",), AMBIGUOUS),
    Service("backup", "Backup", "backup", ("backup_vault", "recovery_point")),
    Service("cloud9", "Cloud9", "cloud9", ("environment",), INFERRED),
    Service("codeartifact", "CodeArtifact", "codeartifact", ("domain",)),
    Service("codecommit", "CodeCommit", "codecommit", ("repository",)),
    Service("connect", "Connect", "connect", ("instance_storage_config",)),
    Service("dax", "DynamoDB Accelerator", "dax", ("cluster",), INFERRED),
    Service(
        "dms",
        "Database Migration Service",
        "dms",
        ("replication_instance", "endpoint", "replication_config"),
    ),
    Service("dynamodb", "DynamoDB", "dynamodb", ("table",)),
    Service("ebs", "EBS", "ec2", ("volume", "snapshot", "default_key")),
    Service("ecr", "ECR", "ecr", ("repository",)),
    Service("eks", "EKS", "eks", ("cluster",)),
    Service(
        "elasticache",
        "ElastiCache",
        "elasticache",
        ("replication_group", "serverless_cache", "snapshot"),
    ),
    Service("elasticfilesystem", "EFS", "efs", ("file_system",)),
    Service("es", "OpenSearch Service", "es", ("domain",)),
    Service("fsx", "FSx", "fsx", ("file_system", "backup")),
    Service("glue", "Glue", "glue", ("data_catalog", "security_configuration")),
    Service("imagebuilder", "EC2 Image Builder", "imagebuilder", ("component", "image_recipe")),
    Service("kafka", "MSK", "kafka", ("cluster",)),
    Service("kendra", "Kendra", "kendra", ("index",)),
    Service("kinesis", "Kinesis Data Streams", "kinesis", ("stream",)),
    Service("kinesisvideo", "Kinesis Video Streams", "kinesisvideo", ("stream",)),
    Service("lambda", "Lambda", "lambda", ("function",), AMBIGUOUS),
    Service("lex", "Lex", "lexv2-models", ("bot_alias", "v1_bot_alias"), AMBIGUOUS),
    Service("lightsail", "Lightsail", "lightsail", ("instance", "disk", "database"), INFERRED),
    Service("mq", "MQ", "mq", ("broker",)),
    Service(
        "rds", "RDS", "rds", ("db_instance", "db_cluster", "db_snapshot", "db_cluster_snapshot")
    ),
    Service("redshift", "Redshift", "redshift", ("cluster", "snapshot", "serverless_namespace")),
    Service("s3", "S3", "s3", ("bucket",)),
    Service("secretsmanager", "Secrets Manager", "secretsmanager", ("secret",)),
    Service("ses", "SES", "ses", ("receipt_rule",)),
    Service("sns", "SNS", "sns", ("topic",)),
    Service("sqs", "SQS", "sqs", ("queue",)),
    Service("ssm", "Systems Manager", "ssm", ("parameter",)),
    Service("timestream", "Timestream", "timestream-write", ("database",)),
    Service("translate", "Translate", "translate", ("terminology", "parallel_data"), AMBIGUOUS),
    Service("workspaces", "WorkSpaces", "workspaces", ("workspace",)),
    Service("xray", "X-Ray", "xray", ("encryption_config",)),
)

BY_NAME = {service.name: service for service in SERVICES}


def get(name: str) -> Service:
    """The catalog entry for a service name, as in alias/aws/<name>."""
    return BY_NAME[name]


@cache
def available_regions(endpoint: str, partition: str = "aws") -> frozenset[str]:
    """Regions where botocore's endpoint data says the service exists."""
    session = botocore.session.get_session()
    return frozenset(session.get_available_regions(endpoint, partition_name=partition))


def absent_from(region: str, endpoint: str, partition: str = "aws") -> bool:
    """Whether the endpoint data says the service does not exist in the region.

    Some services (EC2 Image Builder, for one) have no entry in botocore's endpoint data at
    all; for those nothing is known, so the scan tries every region and goes by the answer.
    """
    regions = available_regions(endpoint, partition)
    return bool(regions) and region not in regions


@cache
def all_regions(partition: str = "aws") -> tuple[str, ...]:
    """Every region botocore knows in a partition, from its endpoint data."""
    session = botocore.session.get_session()
    return tuple(session.get_available_regions("ec2", partition_name=partition))

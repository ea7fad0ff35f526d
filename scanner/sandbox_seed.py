"""The sandbox account: a few resources per service, in two regions, on every kind of key.

Each resource is created through the service's API, the way a user would. Where moto would
show something AWS never shows (a literal placeholder, a missing field), the resource is
created with what AWS returns instead, usually the AWS managed key's ARN.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

from scanner import sandbox
from scanner.policy import fill_placeholders
from scanner.reference import load_dataset

log = logging.getLogger(__name__)

US, EU = sandbox.REGIONS
CUSTOMER_ALIAS = "alias/sandbox-app"
HIDDEN = (EU, "alias/aws/secretsmanager")  # in use, but left out of ListKeys
OLDER_POLICY = (EU, "alias/aws/sns", "auto-sns-1")


class Seeder:
    """Creates one region's resources; keeps the keys it made for later resources."""

    def __init__(self, box: sandbox.Sandbox, region: str):
        self.box = box
        self.region = region
        self.kms = box.client("kms", region)
        self.cmk = self.kms.create_key(Description="sandbox customer managed key")["KeyMetadata"]
        self.kms.create_alias(AliasName=CUSTOMER_ALIAS, TargetKeyId=self.cmk["KeyId"])

    def client(self, name: str) -> Any:
        return self.box.client(name, self.region)

    def managed(self, service: str) -> str:
        """The ARN of the service's AWS managed key, created as the service would on first use."""
        backend = sandbox._backend(sandbox.ACCOUNT_ID, self.region)
        alias = f"alias/aws/{service}"
        for key in backend.keys.values():
            if alias in key.aliases:
                return key.arn

        return sandbox.create_managed_key(backend, alias).arn


def seed(box: sandbox.Sandbox) -> None:
    """Create the sandbox account's resources in both regions."""
    box.client("iam").create_role(
        RoleName="sandbox-lambda",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    for region in sandbox.REGIONS:
        seeder = Seeder(box, region)
        for step in STEPS:
            step(seeder)

    hide_keys()
    _age_policy()
    log.info("sandbox seeded in %s", ", ".join(sandbox.REGIONS))


def hide_keys() -> None:
    """Leave the hidden key out of ListKeys again, as before any DescribeKey named it."""
    region, alias = HIDDEN
    _key(region, alias).hidden = True


def _age_policy() -> None:
    region, alias, version = OLDER_POLICY
    older = next(p for p in load_dataset().history("sns") if p["Id"] == version)
    _key(region, alias).policy = json.dumps(fill_placeholders(older, sandbox.ACCOUNT_ID, region))


def _key(region: str, alias: str) -> Any:
    backend = sandbox._backend(sandbox.ACCOUNT_ID, region)
    return next(key for key in backend.keys.values() if alias in key.aliases)


def _name(seeder: Seeder, base: str) -> str:
    return f"{base}-{seeder.region}"


def s3(seeder: Seeder) -> None:
    client = seeder.client("s3")
    rules = {
        "managed-implicit": {"SSEAlgorithm": "aws:kms"},
        "managed-alias": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"},
        "managed-explicit": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": seeder.managed("s3")},
        "customer": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": seeder.cmk["Arn"]},
        "sse-s3": {"SSEAlgorithm": "AES256"},
        "no-config": None,
    }
    for suffix, rule in rules.items():
        bucket = f"sandbox-{suffix}-{seeder.region}"
        config = (
            {}
            if seeder.region == US
            else {"CreateBucketConfiguration": {"LocationConstraint": seeder.region}}
        )
        client.create_bucket(Bucket=bucket, **config)
        if rule:
            client.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": rule}]
                },
            )


def ebs(seeder: Seeder) -> None:
    ec2 = seeder.client("ec2")
    zone = f"{seeder.region}a"
    # With no key, moto creates alias/aws/ebs itself, which the sandbox makes AWS managed.
    implicit = ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=True)
    ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=True, KmsKeyId=seeder.cmk["Arn"])
    ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=False)
    ec2.create_snapshot(VolumeId=implicit["VolumeId"], Description="sandbox snapshot")
    if seeder.region == EU:
        ec2.enable_ebs_encryption_by_default()
        ec2.modify_ebs_default_kms_key_id(KmsKeyId=seeder.cmk["Arn"])


def rds(seeder: Seeder) -> None:
    client = seeder.client("rds")
    managed = seeder.managed("rds")
    common = {
        "DBInstanceClass": "db.t3.micro",
        "Engine": "postgres",
        "AllocatedStorage": 20,
        "MasterUsername": "admin",
        "MasterUserPassword": "sandbox-password",
    }
    client.create_db_instance(
        DBInstanceIdentifier="db-managed", StorageEncrypted=True, KmsKeyId=managed, **common
    )
    client.create_db_instance(
        DBInstanceIdentifier="db-customer",
        StorageEncrypted=True,
        KmsKeyId=seeder.cmk["Arn"],
        **common,
    )
    client.create_db_instance(DBInstanceIdentifier="db-plain", StorageEncrypted=False, **common)
    client.create_db_snapshot(
        DBInstanceIdentifier="db-managed", DBSnapshotIdentifier="db-managed-snap"
    )
    client.create_db_cluster(
        DBClusterIdentifier="neptune-managed",
        Engine="neptune",
        StorageEncrypted=True,
        KmsKeyId=managed,
    )


def lambda_(seeder: Seeder) -> None:
    client = seeder.client("lambda")
    role = f"arn:aws:iam::{sandbox.ACCOUNT_ID}:role/sandbox-lambda"
    code = {"ZipFile": _zip("def handler(event, context):\n    return event\n")}
    common = {"Runtime": "python3.12", "Role": role, "Handler": "index.handler", "Code": code}
    client.create_function(FunctionName="fn-default", **common)
    client.create_function(FunctionName="fn-customer", KMSKeyArn=seeder.cmk["Arn"], **common)
    if seeder.region == US:
        seeder.managed("lambda")  # the account has used aws/lambda here


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def sqs(seeder: Seeder) -> None:
    client = seeder.client("sqs")
    seeder.managed("sqs")
    client.create_queue(QueueName="queue-managed", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    client.create_queue(
        QueueName="queue-customer", Attributes={"KmsMasterKeyId": seeder.cmk["Arn"]}
    )
    client.create_queue(QueueName="queue-sse-sqs", Attributes={"SqsManagedSseEnabled": "true"})
    client.create_queue(QueueName="queue-plain", Attributes={"SqsManagedSseEnabled": "false"})


def sns(seeder: Seeder) -> None:
    client = seeder.client("sns")
    seeder.managed("sns")
    client.create_topic(Name="topic-managed", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    client.create_topic(Name="topic-customer", Attributes={"KmsMasterKeyId": seeder.cmk["Arn"]})
    client.create_topic(Name="topic-plain")


def secretsmanager(seeder: Seeder) -> None:
    client = seeder.client("secretsmanager")
    seeder.managed("secretsmanager")
    client.create_secret(Name="secret-default", SecretString="sandbox")
    client.create_secret(Name="secret-customer", SecretString="sandbox", KmsKeyId=seeder.cmk["Arn"])


def ssm(seeder: Seeder) -> None:
    client = seeder.client("ssm")
    seeder.managed("ssm")
    client.put_parameter(Name="/sandbox/secure-default", Value="x", Type="SecureString")
    client.put_parameter(
        Name="/sandbox/secure-customer", Value="x", Type="SecureString", KeyId=seeder.cmk["Arn"]
    )
    client.put_parameter(Name="/sandbox/plain", Value="x", Type="String")


def dynamodb(seeder: Seeder) -> None:
    client = seeder.client("dynamodb")
    table = {
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    client.create_table(TableName="table-owned", **table)
    # With SSE on and no key, moto creates alias/aws/dynamodb and returns its ARN, as AWS does.
    client.create_table(TableName="table-managed", SSESpecification={"Enabled": True}, **table)
    client.create_table(
        TableName="table-customer",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": seeder.cmk["Arn"]},
        **table,
    )


def kinesis(seeder: Seeder) -> None:
    client = seeder.client("kinesis")
    seeder.managed("kinesis")
    for name, key in (
        ("stream-managed", "alias/aws/kinesis"),
        ("stream-customer", seeder.cmk["Arn"]),
        ("stream-plain", None),
    ):
        client.create_stream(StreamName=name, ShardCount=1)
        if key:
            client.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key)


def ecr(seeder: Seeder) -> None:
    client = seeder.client("ecr")
    client.create_repository(repositoryName="repo-sse-s3")
    client.create_repository(
        repositoryName="repo-managed",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": seeder.managed("ecr")},
    )
    client.create_repository(
        repositoryName="repo-customer",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": seeder.cmk["Arn"]},
    )


def efs(seeder: Seeder) -> None:
    client = seeder.client("efs")
    managed = seeder.managed("elasticfilesystem")
    client.create_file_system(CreationToken="fs-managed", Encrypted=True, KmsKeyId=managed)
    client.create_file_system(
        CreationToken="fs-customer", Encrypted=True, KmsKeyId=seeder.cmk["Arn"]
    )
    client.create_file_system(CreationToken="fs-plain", Encrypted=False)


STEPS = (s3, ebs, rds, lambda_, sqs, sns, secretsmanager, ssm, dynamodb, kinesis, ecr, efs)

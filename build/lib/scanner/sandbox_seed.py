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

    @property
    def account_id(self) -> str:
        return self.box.account_id

    def bucket(self, suffix: str) -> str:
        """A bucket name; bucket names are global, so other sandbox accounts add their id."""
        owner = "" if self.account_id == sandbox.ACCOUNT_ID else f"-{self.account_id}"
        return f"sandbox-{suffix}{owner}-{self.region}"

    def managed(self, service: str) -> str:
        """The ARN of the service's AWS managed key, created as the service would on first use."""
        backend = sandbox._backend(self.account_id, self.region)
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

    hide_keys(box.account_id)
    _age_policy(box.account_id)
    log.info("sandbox seeded in %s", ", ".join(sandbox.REGIONS))


def hide_keys(account_id: str = sandbox.ACCOUNT_ID) -> None:
    """Leave the hidden key out of ListKeys again, as before any DescribeKey named it."""
    region, alias = HIDDEN
    _key(account_id, region, alias).hidden = True


def _age_policy(account_id: str) -> None:
    region, alias, version = OLDER_POLICY
    older = next(p for p in load_dataset().history("sns") if p["Id"] == version)
    filled = fill_placeholders(older, account_id, region)
    _key(account_id, region, alias).policy = json.dumps(filled)


def _key(account_id: str, region: str, alias: str) -> Any:
    backend = sandbox._backend(account_id, region)
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
        bucket = seeder.bucket(suffix)
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
    role = f"arn:aws:iam::{seeder.account_id}:role/sandbox-lambda"
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


def _subnets(seeder: Seeder) -> tuple[str, list[str]]:
    """A VPC with two subnets, for the services that need a network."""
    ec2 = seeder.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"{seeder.region}{zone}"
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab")
    ]
    return vpc, subnets


def acm(seeder: Seeder) -> None:
    # ACM creates aws/acm with the region's first certificate; the API never names it.
    seeder.managed("acm")
    seeder.client("acm").request_certificate(DomainName=f"{seeder.region}.sandbox.example.com")


def dax(seeder: Seeder) -> None:
    client = seeder.client("dax")
    seeder.managed("dax")
    role = f"arn:aws:iam::{seeder.account_id}:role/sandbox-lambda"
    common = {"NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": role}
    client.create_cluster(ClusterName="dax-encrypted", SSESpecification={"Enabled": True}, **common)
    client.create_cluster(ClusterName="dax-plain", **common)


def dms(seeder: Seeder) -> None:
    client = seeder.client("dms")
    for suffix, key in (("managed", seeder.managed("dms")), ("customer", seeder.cmk["Arn"])):
        client.create_replication_instance(
            ReplicationInstanceIdentifier=f"dms-{suffix}",
            ReplicationInstanceClass="dms.t3.micro",
            KmsKeyId=key,
        )
        client.create_endpoint(
            EndpointIdentifier=f"endpoint-{suffix}",
            EndpointType="source",
            EngineName="postgres",
            KmsKeyId=key,
        )


def eks(seeder: Seeder) -> None:
    client = seeder.client("eks")
    role = f"arn:aws:iam::{seeder.account_id}:role/sandbox-lambda"
    common = {"roleArn": role, "resourcesVpcConfig": {}}
    client.create_cluster(name="eks-owned", **common)
    for suffix, key in (("managed", seeder.managed("eks")), ("customer", seeder.cmk["Arn"])):
        client.create_cluster(
            name=f"eks-{suffix}",
            encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}],
            **common,
        )


def elasticache(seeder: Seeder) -> None:
    client = seeder.client("elasticache")
    common = {"ReplicationGroupDescription": "sandbox", "CacheNodeType": "cache.t3.micro"}
    client.create_replication_group(ReplicationGroupId="cache-plain", **common)
    client.create_replication_group(
        ReplicationGroupId="cache-owned", AtRestEncryptionEnabled=True, **common
    )
    client.create_replication_group(
        ReplicationGroupId="cache-customer",
        AtRestEncryptionEnabled=True,
        KmsKeyId=seeder.cmk["Arn"],
        **common,
    )


def opensearch(seeder: Seeder) -> None:
    client = seeder.client("opensearch")
    for suffix, options in (
        ("managed", {"Enabled": True, "KmsKeyId": seeder.managed("es")}),
        ("customer", {"Enabled": True, "KmsKeyId": seeder.cmk["Arn"]}),
        ("plain", {"Enabled": False}),
    ):
        client.create_domain(DomainName=f"search-{suffix}", EncryptionAtRestOptions=options)


def fsx(seeder: Seeder) -> None:
    client = seeder.client("fsx")
    _, subnets = _subnets(seeder)
    for key in (seeder.managed("fsx"), seeder.cmk["Arn"]):
        client.create_file_system(
            FileSystemType="WINDOWS",
            StorageCapacity=32,
            SubnetIds=subnets[:1],
            KmsKeyId=key,
            WindowsConfiguration={"ThroughputCapacity": 8},
        )


def glue(seeder: Seeder) -> None:
    client = seeder.client("glue")
    managed = seeder.managed("glue")
    catalog_key = managed if seeder.region == US else seeder.cmk["Arn"]
    client.put_data_catalog_encryption_settings(
        DataCatalogEncryptionSettings={
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": catalog_key}
        }
    )
    client.create_security_configuration(
        Name="glue-security",
        EncryptionConfiguration={
            "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": seeder.cmk["Arn"]}],
            "CloudWatchEncryption": {"CloudWatchEncryptionMode": "DISABLED"},
            "JobBookmarksEncryption": {
                "JobBookmarksEncryptionMode": "CSE-KMS",
                "KmsKeyArn": managed,
            },
        },
    )
    client.create_security_configuration(
        Name="glue-sse-s3",
        EncryptionConfiguration={"S3Encryption": [{"S3EncryptionMode": "SSE-S3"}]},
    )


def kafka(seeder: Seeder) -> None:
    client = seeder.client("kafka")
    _, subnets = _subnets(seeder)
    # moto's CreateClusterV2 drops EncryptionInfo; the v1 call keeps it.
    for suffix, key in (("managed", seeder.managed("kafka")), ("customer", seeder.cmk["Arn"])):
        client.create_cluster(
            ClusterName=f"msk-{suffix}",
            BrokerNodeGroupInfo={"InstanceType": "kafka.t3.small", "ClientSubnets": subnets},
            KafkaVersion="3.6.0",
            NumberOfBrokerNodes=2,
            EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": key}},
        )
    client.create_cluster_v2(
        ClusterName="msk-serverless", Serverless={"VpcConfigs": [{"SubnetIds": subnets}]}
    )


def kinesisvideo(seeder: Seeder) -> None:
    client = seeder.client("kinesisvideo")
    for suffix, key in (
        ("managed", seeder.managed("kinesisvideo")),
        ("customer", seeder.cmk["Arn"]),
    ):
        client.create_stream(StreamName=f"video-{suffix}", KmsKeyId=key)


def mq(seeder: Seeder) -> None:
    client = seeder.client("mq")
    seeder.managed("mq")
    common = {
        "AutoMinorVersionUpgrade": True,
        "DeploymentMode": "SINGLE_INSTANCE",
        "EngineType": "ACTIVEMQ",
        "EngineVersion": "5.17.6",
        "HostInstanceType": "mq.t3.micro",
        "PubliclyAccessible": False,
        "Users": [{"Username": "sandbox", "Password": "sandbox-password"}],
    }
    for suffix, options in (
        ("owned", {"UseAwsOwnedKey": True}),
        ("managed", {"UseAwsOwnedKey": False}),
        ("customer", {"UseAwsOwnedKey": False, "KmsKeyId": seeder.cmk["Arn"]}),
    ):
        client.create_broker(BrokerName=f"mq-{suffix}", EncryptionOptions=options, **common)


def redshift(seeder: Seeder) -> None:
    client = seeder.client("redshift")
    common = {
        "NodeType": "ra3.xlplus",
        "MasterUsername": "sandbox",
        "MasterUserPassword": "Sandbox-password1",
    }
    client.create_cluster(
        ClusterIdentifier="redshift-managed",
        Encrypted=True,
        KmsKeyId=seeder.managed("redshift"),
        **common,
    )
    client.create_cluster(
        ClusterIdentifier="redshift-customer", Encrypted=True, KmsKeyId=seeder.cmk["Arn"], **common
    )
    client.create_cluster(ClusterIdentifier="redshift-plain", Encrypted=False, **common)
    client.create_cluster_snapshot(
        SnapshotIdentifier="redshift-managed-snap", ClusterIdentifier="redshift-managed"
    )
    _snapshot_keys(seeder.account_id, seeder.region)


def _snapshot_keys(account_id: str, region: str) -> None:
    """Give each Redshift snapshot its cluster's key, as AWS shows it and moto omits it."""
    from moto.redshift.models import redshift_backends

    backend = redshift_backends[account_id][region]
    for snapshot in backend.snapshots.values():
        snapshot.kms_key_id = backend.clusters[snapshot.cluster_identifier].kms_key_id


def ses(seeder: Seeder) -> None:
    client = seeder.client("ses")
    bucket = seeder.bucket("sse-s3")  # made by the s3 step
    client.create_receipt_rule_set(RuleSetName="mail")
    for name, key in (
        ("managed", seeder.managed("ses")),
        ("customer", seeder.cmk["Arn"]),
        ("plain", None),
    ):
        action = {"BucketName": bucket, **({"KmsKeyArn": key} if key else {})}
        client.create_receipt_rule(
            RuleSetName="mail",
            Rule={"Name": name, "Enabled": True, "Actions": [{"S3Action": action}]},
        )


def timestream(seeder: Seeder) -> None:
    client = seeder.client("timestream-write")
    for suffix, key in (("managed", seeder.managed("timestream")), ("customer", seeder.cmk["Arn"])):
        client.create_database(DatabaseName=f"metrics-{suffix}", KmsKeyId=key)


def backup(seeder: Seeder) -> None:
    client = seeder.client("backup")
    for suffix, key in (("managed", seeder.managed("backup")), ("customer", seeder.cmk["Arn"])):
        client.create_backup_vault(BackupVaultName=f"vault-{suffix}", EncryptionKeyArn=key)


def workspaces(seeder: Seeder) -> None:
    vpc, subnets = _subnets(seeder)
    directory = seeder.client("ds").create_directory(
        Name=f"corp-{seeder.region}.example.com",
        Password="Sandbox-password1",
        Size="Small",
        VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
    )["DirectoryId"]
    client = seeder.client("workspaces")
    client.register_workspace_directory(DirectoryId=directory)
    common = {"DirectoryId": directory, "BundleId": "wsb-sandbox"}
    client.create_workspaces(
        Workspaces=[
            {
                "UserName": "managed",
                "VolumeEncryptionKey": seeder.managed("workspaces"),
                "RootVolumeEncryptionEnabled": True,
                "UserVolumeEncryptionEnabled": True,
                **common,
            },
            {
                "UserName": "customer",
                "VolumeEncryptionKey": seeder.cmk["Arn"],
                "UserVolumeEncryptionEnabled": True,
                **common,
            },
            {"UserName": "plain", **common},
        ]
    )


def inferred_services(seeder: Seeder) -> None:
    """Cloud9 and Lightsail name no key; the account has used them, so their keys exist."""
    seeder.managed("cloud9")
    seeder.managed("lightsail")


STEPS = (
    inferred_services,
    s3,
    ebs,
    rds,
    lambda_,
    sqs,
    sns,
    secretsmanager,
    ssm,
    dynamodb,
    kinesis,
    ecr,
    efs,
    acm,
    dax,
    dms,
    eks,
    elasticache,
    opensearch,
    fsx,
    glue,
    kafka,
    kinesisvideo,
    mq,
    redshift,
    ses,
    timestream,
    backup,
    workspaces,
)

"""Seed the sandbox with a large account for the benchmark, and say what was seeded.

Resources are spread evenly over SERVICES and the regions. Each one is, in turn by a fixed
cycle: AWS managed through the service default (no key given), AWS managed named by its
alias, customer managed (one of CUSTOMER_KEYS keys per region), or unencrypted (or, where a
service cannot be unencrypted, AWS owned or AWS managed by default). Every key created is used
by some resource, so "distinct keys" is the same whichever way it is counted.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scanner import sandbox

log = logging.getLogger(__name__)

SERVICES = ("sqs", "sns", "secretsmanager", "ssm", "dynamodb", "kinesis", "s3", "ebs", "ecr")
CLIENTS = {"ebs": "ec2"}
CUSTOMER_KEYS = 12  # per region
# Ten resources in a row: 4 AWS managed (2 by default, 2 by alias), 3 customer, 3 unencrypted.
CYCLE = ("default", "alias", "cmk", "none", "default", "cmk", "alias", "none", "cmk", "none")
WORKERS = 16


@dataclass
class Seeded:
    """What the benchmark put in the sandbox: the ground truth for the minimum of calls."""

    regions: list[str]
    services: list[str]
    resources: Counter = field(default_factory=Counter)  # (service, region) -> count
    kinds: Counter = field(default_factory=Counter)  # kind -> count
    managed_keys: dict[str, int] = field(default_factory=dict)  # region -> count
    customer_keys: dict[str, int] = field(default_factory=dict)  # region -> count

    def to_json(self) -> dict:
        return {
            "regions": self.regions,
            "services": self.services,
            "resources": sum(self.resources.values()),
            "per_service_region": {f"{s}/{r}": n for (s, r), n in sorted(self.resources.items())},
            "kinds": dict(self.kinds),
            "managed_keys": self.managed_keys,
            "customer_keys": self.customer_keys,
        }


def regions_for(count: int) -> list[str]:
    """The first count regions of a fixed list moto serves."""
    order = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2", "eu-central-1"]
    return order[:count]


def seed(box: sandbox.Sandbox, total: int, regions: list[str]) -> Seeded:
    """Create total resources over SERVICES and regions, with their keys."""
    seeded = Seeded(regions, list(SERVICES))
    keys = {region: _keys(box, region, seeded) for region in regions}
    jobs = []
    for index in range(total):
        service, region = _place(index, len(regions))
        jobs.append((service, regions[region], index))

    with ThreadPoolExecutor(WORKERS) as pool:
        clients = _Clients(box)
        results = pool.map(lambda job: _create(clients, keys[job[1]], *job), jobs, chunksize=64)
        for service, region, kind in results:
            seeded.resources[(service, region)] += 1
            seeded.kinds[kind] += 1

    return seeded


def _place(index: int, region_count: int) -> tuple[str, int]:
    service = SERVICES[index % len(SERVICES)]
    return service, (index // len(SERVICES)) % region_count


def _keys(box: sandbox.Sandbox, region: str, seeded: Seeded) -> dict[str, Any]:
    """The AWS managed key of every seeded service and the customer keys of a region."""
    backend = sandbox._backend(box.account_id, region)
    managed = {
        name: sandbox.create_managed_key(backend, f"alias/aws/{name}").arn for name in SERVICES
    }
    kms = box.client("kms", region)
    customer = []
    for number in range(CUSTOMER_KEYS):
        key = kms.create_key(Description=f"bench customer key {number}")["KeyMetadata"]
        kms.create_alias(AliasName=f"alias/bench-{number}", TargetKeyId=key["KeyId"])
        customer.append(key["Arn"])

    seeded.managed_keys[region] = len(managed)
    seeded.customer_keys[region] = len(customer)
    return {"managed": managed, "customer": customer}


class _Clients:
    """One boto3 client per thread, service and region: clients are not shared across threads."""

    def __init__(self, box: sandbox.Sandbox):
        import threading

        self.box = box
        self.local = threading.local()

    def get(self, service: str, region: str) -> Any:
        cache = self.local.__dict__.setdefault("clients", {})
        name = CLIENTS.get(service, service)
        if (name, region) not in cache:
            cache[(name, region)] = self.box.client(name, region)

        return cache[(name, region)]


def _create(
    clients: _Clients, keys: dict, service: str, region: str, index: int
) -> tuple[str, str, str]:
    kind = CYCLE[(index // len(SERVICES)) % len(CYCLE)]
    customer = keys["customer"][index % len(keys["customer"])]
    client = clients.get(service, region)
    name = f"bench-{index:06d}"
    kind = CREATORS[service](client, region, name, kind, customer, keys["managed"][service])
    return service, region, kind


def _sqs(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    key = {"default": "alias/aws/sqs", "alias": "alias/aws/sqs", "cmk": cmk}.get(kind)
    client.create_queue(QueueName=name, Attributes={"KmsMasterKeyId": key} if key else {})
    return kind


def _sns(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    key = {"default": "alias/aws/sns", "alias": "alias/aws/sns", "cmk": cmk}.get(kind)
    client.create_topic(Name=name, Attributes={"KmsMasterKeyId": key} if key else {})
    return kind


def _secret(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    # A secret is always encrypted: "none" becomes the default key.
    key = {"alias": "alias/aws/secretsmanager", "cmk": cmk}.get(kind)
    extra = {"KmsKeyId": key} if key else {}
    client.create_secret(Name=name, SecretString="x", **extra)
    return "default" if kind == "none" else kind


def _parameter(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    if kind == "none":
        client.put_parameter(Name=name, Value="x", Type="String")
        return kind

    key = {"alias": "alias/aws/ssm", "cmk": cmk}.get(kind)
    extra = {"KeyId": key} if key else {}
    client.put_parameter(Name=name, Value="x", Type="SecureString", **extra)
    return kind


def _table(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    sse = {
        "default": {"Enabled": True, "SSEType": "KMS"},
        "alias": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/aws/dynamodb"},
        "cmk": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": cmk},
    }.get(kind)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **({"SSESpecification": sse} if sse else {}),
    )
    return kind


def _stream(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    client.create_stream(StreamName=name, ShardCount=1)
    key = {"default": "alias/aws/kinesis", "alias": "alias/aws/kinesis", "cmk": cmk}.get(kind)
    if key:
        client.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId=key)

    return kind


def _bucket(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    bucket = f"{name}-{region}"
    location = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    client.create_bucket(Bucket=bucket, **location)
    rule = {
        "default": {"SSEAlgorithm": "aws:kms"},
        "alias": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"},
        "cmk": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": cmk},
        "none": {"SSEAlgorithm": "AES256"},
    }[kind]
    client.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": rule}]},
    )
    return kind


def _volume(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    extra = {
        "default": {"Encrypted": True},
        "alias": {"Encrypted": True, "KmsKeyId": "alias/aws/ebs"},
        "cmk": {"Encrypted": True, "KmsKeyId": cmk},
        "none": {},
    }[kind]
    client.create_volume(Size=1, AvailabilityZone=f"{region}a", **extra)
    return kind


def _repository(client: Any, region: str, name: str, kind: str, cmk: str, managed: str) -> str:
    # AWS shows the aws/ecr key's ARN; moto would invent one, so it is given here.
    config = {
        "default": {"encryptionType": "KMS", "kmsKey": managed},
        "alias": {"encryptionType": "KMS", "kmsKey": managed},
        "cmk": {"encryptionType": "KMS", "kmsKey": cmk},
        "none": {"encryptionType": "AES256"},
    }[kind]
    client.create_repository(repositoryName=name, encryptionConfiguration=config)
    return kind


CREATORS = {
    "sqs": _sqs,
    "sns": _sns,
    "secretsmanager": _secret,
    "ssm": _parameter,
    "dynamodb": _table,
    "kinesis": _stream,
    "s3": _bucket,
    "ebs": _volume,
    "ecr": _repository,
}

"""The baseline: the plain sequential boto3 script a user would write for the same facts.

It makes the calls the scanner makes, one after another: who am I, which regions, then per
region ListKeys and ListAliases, each service's listing and per-resource read, DescribeKey once
per distinct key and GetKeyPolicy once per AWS managed key. It prints, as JSON, how many
resources it found per service and encryption, so the benchmark can check both agree.

    python bench/baseline.py -r us-east-1 -s sqs -s s3 --out facts.json

It uses the SDK's standard configuration chain, AWS_ENDPOINT_URL included.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

import boto3

AES = "AES256"
NO_CONFIGURATION = "ServerSideEncryptionConfigurationNotFoundError"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("-r", "--region", action="append", required=True)
    parser.add_argument("-s", "--service", action="append", required=True)
    parser.add_argument("--out", help="JSON file for the facts (default: stdout)")
    args = parser.parse_args()

    session = boto3.Session()
    session.client("sts", region_name=args.region[0]).get_caller_identity()
    ec2 = session.client("ec2", region_name=args.region[0])
    enabled = {r["RegionName"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    facts: Counter = Counter()
    for region in args.region:
        if region in enabled:
            scan_region(session, region, args.service, facts)

    text = json.dumps({f"{s}/{e}": n for (s, e), n in sorted(facts.items())}, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)

    return 0


def scan_region(session: boto3.Session, region: str, services: list[str], facts: Counter) -> None:
    """List one region's keys, aliases and resources, then describe every key in use."""
    kms = session.client("kms", region_name=region)
    pages = kms.get_paginator("list_keys").paginate()
    listed = [key["KeyId"] for page in pages for key in page["Keys"]]
    aliases = {
        a["AliasName"]: a.get("TargetKeyId")
        for page in kms.get_paginator("list_aliases").paginate()
        for a in page["Aliases"]
    }

    found = []  # (service, reference or None, encrypted with KMS, plain encryption)
    for service in services:
        client = session.client(CLIENTS.get(service, service), region_name=region)
        for reference, kms_encrypted, plain in READERS[service](client, region):
            found.append((service, reference, kms_encrypted, plain))

    key_ids = {}
    for service, reference, kms_encrypted, _ in found:
        if kms_encrypted:
            key_ids[(service, reference)] = resolve(reference or f"alias/aws/{service}", aliases)

    wanted = {key for key in key_ids.values() if key} | {t for t in aliases.values() if t}
    managers = {}
    for key_id in sorted(wanted):
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        managers[metadata["KeyId"]] = metadata["KeyManager"]
        if metadata["KeyManager"] == "AWS":
            json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])

    # ListKeys shows which keys are listed; a key in use but not listed is a hidden one.
    facts[("kms", "keys_listed")] += len(listed)
    for service, reference, kms_encrypted, plain in found:
        if not kms_encrypted:
            facts[(service, plain)] += 1
            continue

        manager = managers.get(key_ids[(service, reference)] or "", "")
        encryption = {"AWS": "aws_managed", "CUSTOMER": "customer_managed"}.get(manager, "unknown")
        facts[(service, encryption)] += 1


def resolve(reference: str, aliases: dict) -> str | None:
    """The key id of a key id, key ARN, alias name or alias ARN."""
    if ":alias/" in reference:
        reference = "alias/" + reference.split(":alias/", 1)[1]

    if reference.startswith("alias/"):
        return aliases.get(reference)

    return reference.split(":key/", 1)[-1]


def sqs(client, region):
    for page in client.get_paginator("list_queues").paginate(MaxResults=1000):
        for url in page.get("QueueUrls", []):
            attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            key = attributes["Attributes"].get("KmsMasterKeyId")
            sse_sqs = attributes["Attributes"].get("SqsManagedSseEnabled") == "true"
            yield key, bool(key), "aws_owned" if sse_sqs else "not_encrypted"


def sns(client, region):
    for page in client.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            attributes = client.get_topic_attributes(TopicArn=topic["TopicArn"])
            key = attributes["Attributes"].get("KmsMasterKeyId")
            yield key, bool(key), "not_encrypted"


def secretsmanager(client, region):
    for page in client.get_paginator("list_secrets").paginate():
        for secret in page["SecretList"]:
            yield secret.get("KmsKeyId"), True, ""


def ssm(client, region):
    for page in client.get_paginator("describe_parameters").paginate(MaxResults=50):
        for parameter in page["Parameters"]:
            secure = parameter.get("Type") == "SecureString"
            yield parameter.get("KeyId"), secure, "not_encrypted"


def dynamodb(client, region):
    for page in client.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            sse = client.describe_table(TableName=name)["Table"].get("SSEDescription")
            yield (sse or {}).get("KMSMasterKeyArn"), bool(sse), "aws_owned"


def kinesis(client, region):
    for page in client.get_paginator("list_streams").paginate(Limit=10000):
        for name in page["StreamNames"]:
            summary = client.describe_stream_summary(StreamName=name)
            summary = summary["StreamDescriptionSummary"]
            yield summary.get("KeyId"), summary.get("EncryptionType") == "KMS", "not_encrypted"


def s3(client, region):
    for page in client.get_paginator("list_buckets").paginate(BucketRegion=region):
        for bucket in page["Buckets"]:
            try:
                rules = client.get_bucket_encryption(Bucket=bucket["Name"])
            except client.exceptions.ClientError as error:
                if error.response["Error"]["Code"] != NO_CONFIGURATION:
                    raise
                yield None, False, "not_encrypted"
                continue

            rule = rules["ServerSideEncryptionConfiguration"]["Rules"][0]
            default = rule["ApplyServerSideEncryptionByDefault"]
            kms_encrypted = default["SSEAlgorithm"].startswith("aws:kms")
            yield default.get("KMSMasterKeyID"), kms_encrypted, "aws_owned"


def ebs(client, region):
    for page in client.get_paginator("describe_volumes").paginate():
        for volume in page["Volumes"]:
            yield volume.get("KmsKeyId"), volume["Encrypted"], "not_encrypted"

    for page in client.get_paginator("describe_snapshots").paginate(OwnerIds=["self"]):
        for snapshot in page["Snapshots"]:
            yield snapshot.get("KmsKeyId"), snapshot["Encrypted"], "not_encrypted"

    enabled = client.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]
    key = client.get_ebs_default_kms_key_id()["KmsKeyId"]
    if enabled or key != "alias/aws/ebs":
        yield key, True, ""


def ecr(client, region):
    for page in client.get_paginator("describe_repositories").paginate():
        for repository in page["repositories"]:
            config = repository.get("encryptionConfiguration", {})
            kms_encrypted = config.get("encryptionType", AES).startswith("KMS")
            yield config.get("kmsKey"), kms_encrypted, "aws_owned"


CLIENTS = {"ebs": "ec2"}
READERS = {
    "sqs": sqs,
    "sns": sns,
    "secretsmanager": secretsmanager,
    "ssm": ssm,
    "dynamodb": dynamodb,
    "kinesis": kinesis,
    "s3": s3,
    "ebs": ebs,
    "ecr": ecr,
}

if __name__ == "__main__":
    sys.exit(main())

"""A sandbox AWS Organization for sweeps: member accounts in nested OUs, each with resources.

Built on a running Sandbox whose own account (the management account) is already seeded.
One member is suspended, one has no OrganizationAccountAccessRole (AssumeRole is refused),
and one has not enabled the opt-in region that the others use.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from scanner import sandbox

log = logging.getLogger(__name__)

ROLE = "OrganizationAccountAccessRole"
OPT_IN_REGION = "ap-east-1"
SWEEP_REGIONS = (*sandbox.REGIONS, OPT_IN_REGION)


@dataclass(frozen=True)
class Member:
    name: str
    ou_path: str
    has_role: bool = True
    suspended: bool = False
    opted_in: bool = True


MEMBERS = (
    Member("prod-web", "Production/Web"),
    Member("prod-data", "Production"),
    Member("dev-tools", "Development", opted_in=False),
    Member("legacy", "Development", suspended=True),
    Member("no-role", "Production", has_role=False),
)


@dataclass
class Organization:
    root_id: str
    ous: dict[str, str] = field(default_factory=dict)  # path -> OU id
    accounts: dict[str, str] = field(default_factory=dict)  # member name -> account id


def build(box: sandbox.Sandbox) -> Organization:
    """Create the organization, its OUs and members, and seed each reachable member."""
    client = box.client("organizations")
    client.create_organization(FeatureSet="ALL")
    org = Organization(client.list_roots()["Roots"][0]["Id"])
    for path in ("Production", "Production/Web", "Development"):
        parent = org.ous.get(path.rpartition("/")[0], org.root_id)
        unit = client.create_organizational_unit(ParentId=parent, Name=path.rpartition("/")[2])
        org.ous[path] = unit["OrganizationalUnit"]["Id"]

    sandbox.OPTED_IN.setdefault(box.account_id, set()).add(OPT_IN_REGION)
    for member in MEMBERS:
        org.accounts[member.name] = _add_member(box, client, org, member)

    log.info("sandbox organization: %s", org.accounts)
    return org


def _add_member(box: sandbox.Sandbox, client: Any, org: Organization, member: Member) -> str:
    role = {} if member.has_role else {"RoleName": "SomeOtherRole"}
    with _account_id(_member_id(box.account_id, member)):
        status = client.create_account(
            Email=f"{member.name}@example.com", AccountName=member.name, **role
        )
    account_id = status["CreateAccountStatus"]["AccountId"]
    client.move_account(
        AccountId=account_id,
        SourceParentId=org.root_id,
        DestinationParentId=org.ous[member.ou_path],
    )
    if member.opted_in:
        sandbox.OPTED_IN.setdefault(account_id, set()).add(OPT_IN_REGION)

    if member.has_role:
        _seed_member(box, account_id)

    if member.suspended:
        client.close_account(AccountId=account_id)

    return account_id


def _member_id(management: str, member: Member) -> str:
    # The same ids on every run, so that a sweep of the sandbox can be resumed.
    return f"{int(management[:4]) + 1:04d}{MEMBERS.index(member) + 1:08d}"


@contextmanager
def _account_id(account_id: str) -> Iterator[None]:
    """Have moto give the next account created this id; it would pick a random one."""
    from moto.organizations import utils

    original = utils.make_random_account_id
    utils.make_random_account_id = lambda: account_id
    try:
        yield
    finally:
        utils.make_random_account_id = original


def _member_clients(box: sandbox.Sandbox, account_id: str) -> Any:
    credentials = box.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="sandbox-seed"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return lambda name, region: session.client(name, region_name=region, endpoint_url=box.endpoint)


def _seed_member(box: sandbox.Sandbox, account_id: str) -> None:
    """A few resources per region, created through the member's assumed role."""
    client = _member_clients(box, account_id)
    for region in (*sandbox.REGIONS, OPT_IN_REGION):
        backend = sandbox._backend(account_id, region)
        for alias in ("alias/aws/s3", "alias/aws/sqs", "alias/aws/secretsmanager"):
            sandbox.create_managed_key(backend, alias)

        bucket = f"member-{account_id}-{region}"
        s3 = client("s3", region)
        location = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket, **location)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        client("sqs", region).create_queue(
            QueueName="orders", Attributes={"KmsMasterKeyId": "alias/aws/sqs"}
        )
        client("secretsmanager", region).create_secret(Name="db-password", SecretString="x")
        client("sns", region).create_topic(Name="alerts")

"""A full scan of the sandbox account: every row it must produce, and nothing else."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from scanner.records import CoverageStatus, PolicyStatus

# Every row a scan of the sandbox must produce; random ids (vol-, snap-, fs-, dates) starred.
EXPECTED = Path(__file__).parent / "data" / "sandbox_findings.csv"


# ACM and DAX offer no choice of key; ElastiCache takes only customer managed keys.
ONE_KIND = {
    "acm": {"customer_managed"},
    "cloud9": {"customer_managed"},  # the API names no key: only the service's own is seen
    "lightsail": {"customer_managed"},
    "dax": {"customer_managed"},
    "elasticache": {"aws_managed"},
    "xray": {"aws_managed", "customer_managed"},  # the sandbox leaves the AWS owned default
}


def _expected() -> list[tuple[str, ...]]:
    with open(EXPECTED, newline="") as handle:
        return [tuple(row.values()) for row in csv.DictReader(handle)]


def _normalise(resource_id: str) -> str:
    resource_id = re.sub(r"\b(vol|snap|fs|ws)-[0-9a-f]+", r"\1-*", resource_id)
    return re.sub(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$", "-*", resource_id)


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


def _rows(findings) -> Counter:
    return Counter(
        (
            f.region,
            f.service,
            f.resource_type,
            _normalise(f.resource_id),
            f.encryption,
            f.evidence,
            f.key_alias,
            _flag(f.key_in_list_keys),
            f.policy_status,
            f.error_code,
        )
        for f in findings
    )


def test_findings_are_exactly_the_expected_rows(sandbox_scan):
    assert _rows(sandbox_scan["result"].findings) == Counter(_expected())


def test_every_service_shows_each_kind_of_key_it_supports():
    kinds: dict[str, set[str]] = {}
    for row in _expected():
        kinds.setdefault(row[1], set()).add(row[4])

    assert len(kinds) == 31
    for service, seen in kinds.items():
        assert {"aws_managed", "customer_managed"} - seen == ONE_KIND.get(service, set()), service


def test_resolved_keys_carry_arns_from_describe_key(sandbox_scan):
    managed = [f for f in sandbox_scan["result"].findings if f.encryption == "aws_managed"]

    assert managed
    for finding in managed:
        assert finding.key_manager == "AWS"
        assert re.fullmatch(
            rf"arn:aws:kms:{finding.region}:123456789012:key/[0-9a-f-]+", finding.key_arn
        )


def test_hidden_key_is_reported_as_hidden(sandbox_scan):
    hidden = [k for k in sandbox_scan["result"].keys if k.hidden]

    assert [(k.region, k.key_alias, k.resources_using) for k in hidden] == [
        ("eu-west-1", "alias/aws/secretsmanager", 1)
    ]
    assert hidden[0].key_in_list_keys is False


def test_aliases_without_a_key_are_listed_as_not_created(sandbox_scan):
    not_created = {
        (k.region, k.key_alias) for k in sandbox_scan["result"].keys if k.alias_has_target is False
    }

    assert ("us-east-1", "alias/aws/kendra") in not_created
    assert ("eu-west-1", "alias/aws/lambda") in not_created
    assert ("us-east-1", "alias/aws/lambda") not in not_created
    assert len(not_created) == (39 - 29) + (39 - 28)
    assert all(not k.key_id for k in sandbox_scan["result"].keys if k.alias_has_target is False)


def test_policy_join_finds_the_older_sns_policy(sandbox_scan):
    by_place = {(k.region, k.key_alias): k for k in sandbox_scan["result"].keys}
    older = by_place[("eu-west-1", "alias/aws/sns")]
    current = by_place[("us-east-1", "alias/aws/sns")]

    assert older.policy_status == PolicyStatus.MATCHES_OLDER
    assert older.live_policy_id == "auto-sns-1"
    assert "Allow SNS to decrypt archived messages" in older.policy_differences
    assert current.policy_status == PolicyStatus.MATCHES
    assert current.via_services == "sns.us-east-1.amazonaws.com"
    assert current.caller_accounts == "123456789012"


def test_every_aws_managed_key_policy_was_judged(sandbox_scan):
    managed = [k for k in sandbox_scan["result"].keys if k.key_manager == "AWS"]

    assert len(managed) == 29 + 28
    assert {k.policy_status for k in managed} == {PolicyStatus.MATCHES, PolicyStatus.MATCHES_OLDER}
    customer = [k for k in sandbox_scan["result"].keys if k.key_manager == "CUSTOMER"]
    assert {k.policy_status for k in customer} == {PolicyStatus.NOT_APPLICABLE}


def test_coverage_has_a_row_per_region_and_service(sandbox_scan):
    coverage = {(c.region, c.service): c for c in sandbox_scan["result"].coverage}

    for region in ("us-east-1", "eu-west-1"):
        assert coverage[(region, "s3")].status == CoverageStatus.SCANNED
        assert coverage[(region, "s3")].resources_seen == 6
        assert coverage[(region, "kms")].status == CoverageStatus.SCANNED
        # Services moto cannot serve are answered as an empty account, not skipped.
        assert coverage[(region, "kendra")].status == CoverageStatus.SCANNED
        assert coverage[(region, "kendra")].resources_seen == 0
    assert len(coverage) == 2 * (39 + 1)
    assert not sandbox_scan["result"].partial


def _without_visibility(state: dict) -> dict:
    # DescribeKey brings a hidden key into ListKeys, in AWS as in the sandbox: that is the
    # one change a read makes, so the visibility flag is left out of the comparison.
    return {
        region: {"keys": {k: v[:3] for k, v in part["keys"].items()}, "aliases": part["aliases"]}
        for region, part in state.items()
    }


def test_scan_changes_nothing_in_the_account(sandbox_scan):
    assert sandbox_scan["created"] == []
    assert _without_visibility(sandbox_scan["after"]) == _without_visibility(sandbox_scan["before"])


def test_scan_calls_only_read_operations(sandbox_scan):
    operations = {operation for _, _, operation, _ in sandbox_scan["calls"].calls}

    assert "DescribeKey" in operations
    assert all(op.startswith(("Describe", "Get", "List")) for op in operations), operations


def test_describe_key_never_names_an_alias(sandbox_scan):
    described = [
        params["KeyId"]
        for _, _, operation, params in sandbox_scan["calls"].calls
        if operation == "DescribeKey"
    ]

    assert described
    assert not [key for key in described if key.startswith("alias/") or ":alias/" in key]


def test_describe_key_runs_once_per_distinct_key(sandbox_scan):
    described = Counter(
        (region, params["KeyId"].rsplit("/", 1)[-1])
        for region, _, operation, params in sandbox_scan["calls"].calls
        if operation == "DescribeKey"
    )

    assert set(described.values()) == {1}

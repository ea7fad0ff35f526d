"""Key policy comparison, placeholder filling and access summary, on the real reference files."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from scanner.policy import (
    canonical,
    canonical_json,
    differences,
    fill_placeholders,
    summarize_access,
)

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
POLICY_FILES = sorted(REFERENCE.glob("*.json")) + sorted(REFERENCE.glob("history/*/*.json"))
ACCOUNT, REGION = "111122223333", "eu-west-1"
VIA_SNS = (
    "Allow access through SNS for all principals in the account that are authorized to use SNS"
)
DIRECT = "Allow direct access to key metadata to the account"
ARCHIVED = "Allow SNS to decrypt archived messages"


def load(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def sns(name: str = "sns.json") -> dict:
    return fill_placeholders(load(name), ACCOUNT, REGION)


def statement(policy: dict, sid: str) -> dict:
    return next(item for item in policy["Statement"] if item.get("Sid") == sid)


def scramble(policy: dict, rng: random.Random) -> dict:
    """A copy that means the same: every order changed, strings and one-item lists swapped."""
    result = dict(reversed(policy.items()))
    result["Statement"] = [scramble_statement(item, rng) for item in policy["Statement"]]
    rng.shuffle(result["Statement"])
    return result


def scramble_statement(statement: dict, rng: random.Random) -> dict:
    result = {}
    for key, value in reversed(statement.items()):
        if key in ("Action", "NotAction", "Resource", "NotResource"):
            value = flip(value, rng)
        elif key == "Principal":
            value = {kind: flip(names, rng) for kind, names in reversed(value.items())}
        elif key == "Condition":
            value = {
                operator: {name: flip(values, rng) for name, values in reversed(keys.items())}
                for operator, keys in reversed(value.items())
            }

        result[key] = value

    return result


def flip(value: str | list, rng: random.Random) -> str | list:
    if isinstance(value, str):
        return [value]

    if len(value) == 1:
        return value[0]

    return rng.sample(value, len(value))


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.stem)
def test_scrambled_copy_of_every_reference_file_means_the_same(path: Path) -> None:
    original = json.loads(path.read_text(encoding="utf-8"))
    scrambled = scramble(original, random.Random(path.stem))

    assert json.dumps(scrambled) != json.dumps(original)
    assert differences(scrambled, original) == []
    assert differences(original, scrambled) == []
    assert canonical_json(scrambled) == canonical_json(original)


def test_canonical_json_is_sorted_indented_and_reads_back_as_the_canonical_form() -> None:
    text = canonical_json(load("sns.json"))

    assert text.startswith('{\n  "Id": "auto-sns-2",\n  "Statement": [\n')
    assert json.loads(text) == canonical(load("sns.json"))
    statements = json.loads(text)["Statement"]
    assert [item["Sid"] for item in statements] == [VIA_SNS, ARCHIVED, DIRECT]
    assert statements[0]["Action"] == sorted(statement(load("sns.json"), VIA_SNS)["Action"])
    assert statements[0]["Resource"] == ["*"]


def test_single_statement_object_means_the_same_as_a_list_of_one() -> None:
    policy = {"Version": "2012-10-17", "Statement": [statement(load("sns.json"), DIRECT)]}
    single = {"Version": "2012-10-17", "Statement": statement(load("sns.json"), DIRECT)}

    assert differences(single, policy) == []


def test_repeated_action_means_the_same_as_one() -> None:
    live = load("sns.json")
    statement(live, ARCHIVED)["Action"] = ["kms:Decrypt", "kms:Decrypt"]

    assert differences(live, load("sns.json")) == []


def test_older_sns_version_lacks_only_the_archived_messages_statement_and_its_id() -> None:
    assert differences(sns("history/sns/auto-sns-1.json"), sns()) == [
        "Id is auto-sns-1 (reference auto-sns-2)",
        f'statement "{ARCHIVED}" is in the reference but not in the live policy',
    ]


def test_newer_sns_version_against_the_older_adds_the_statement() -> None:
    assert differences(sns(), sns("history/sns/auto-sns-1.json")) == [
        "Id is auto-sns-2 (reference auto-sns-1)",
        f'statement "{ARCHIVED}" is in the live policy but not in the reference',
    ]


def test_changed_action_names_the_statement_and_what_was_added_and_removed() -> None:
    live = sns()
    statement(live, VIA_SNS)["Action"] = ["kms:Encrypt", "kms:GenerateDataKey*", "kms:CreateGrant"]

    assert differences(live, sns()) == [
        f'statement "{VIA_SNS}": Action adds kms:Encrypt',
        f'statement "{VIA_SNS}": Action lacks kms:Decrypt, kms:DescribeKey, kms:ListGrants',
    ]


def test_changed_condition_value_names_the_statement_operator_and_key() -> None:
    live = sns()
    statement(live, VIA_SNS)["Condition"]["StringEquals"]["kms:ViaService"] = (
        "sqs.eu-west-1.amazonaws.com"
    )

    assert differences(live, sns()) == [
        f'statement "{VIA_SNS}": Condition StringEquals kms:ViaService'
        ' is ["sqs.eu-west-1.amazonaws.com"] (reference ["sns.eu-west-1.amazonaws.com"])'
    ]


def test_added_condition_operator_is_reported_against_an_absent_one() -> None:
    live = sns()
    statement(live, DIRECT)["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}

    assert differences(live, sns()) == [
        f'statement "{DIRECT}": Condition Bool aws:SecureTransport is ["true"] (reference absent)'
    ]


def test_changed_effect_names_the_statement() -> None:
    live = sns()
    statement(live, ARCHIVED)["Effect"] = "Deny"

    assert differences(live, sns()) == [f'statement "{ARCHIVED}": Effect is Deny (reference Allow)']


def test_changed_principal_names_its_kind() -> None:
    live = sns()
    statement(live, DIRECT)["Principal"] = {"AWS": "arn:aws:iam::444455556666:root"}

    assert differences(live, sns()) == [
        f'statement "{DIRECT}": Principal AWS adds arn:aws:iam::444455556666:root',
        f'statement "{DIRECT}": Principal AWS lacks arn:aws:iam::{ACCOUNT}:root',
    ]


def test_version_difference_is_reported() -> None:
    live = sns()
    live["Version"] = "2008-10-17"

    assert differences(live, sns()) == ["Version is 2008-10-17 (reference 2012-10-17)"]


def test_renamed_statement_is_one_missing_and_one_extra() -> None:
    live = sns()
    statement(live, ARCHIVED)["Sid"] = "Renamed"

    assert differences(live, sns()) == [
        f'statement "{ARCHIVED}" is in the reference but not in the live policy',
        'statement "Renamed" is in the live policy but not in the reference',
    ]


def test_statements_without_sid_pair_by_content_and_extra_ones_are_numbered() -> None:
    reference = sns()
    for item in reference["Statement"]:
        del item["Sid"]
    live = copy.deepcopy(reference)
    live["Statement"].reverse()
    live["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    )

    assert differences(live, reference) == [
        "statement #4 (no Sid) is in the live policy but not in the reference"
    ]


def test_fill_placeholders_sets_account_region_and_leaves_the_source_alone() -> None:
    source = load("sns.json")
    filled = fill_placeholders(source, ACCOUNT, REGION)
    text = json.dumps(filled)

    assert "123412341234" not in text
    assert "us-east-1" not in text
    assert statement(filled, VIA_SNS)["Condition"]["StringEquals"] == {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": "sns.eu-west-1.amazonaws.com",
    }
    assert statement(filled, DIRECT)["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert statement(filled, ARCHIVED)["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:*:sns:eu-west-1:{ACCOUNT}:*"
    }
    assert source == load("sns.json")


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.stem)
def test_fill_placeholders_leaves_no_placeholder_in_any_reference_file(path: Path) -> None:
    text = json.dumps(fill_placeholders(json.loads(path.read_text()), ACCOUNT, REGION, "aws-cn"))

    assert "123412341234" not in text
    assert "us-east-1" not in text
    assert "arn:aws:" not in text


def test_fill_placeholders_sets_the_partition_of_principal_arns() -> None:
    filled = fill_placeholders(load("sns.json"), ACCOUNT, "cn-north-1", "aws-cn")

    assert statement(filled, DIRECT)["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}


def test_summarize_access_of_sns() -> None:
    assert summarize_access(sns()) == (
        ("sns.eu-west-1.amazonaws.com",),
        (ACCOUNT,),
        (f"AWS:arn:aws:iam::{ACCOUNT}:root", "Service:sns.amazonaws.com"),
    )


def test_summarize_access_reads_null_via_service_as_direct_and_skips_deny() -> None:
    via, callers, direct = summarize_access(load("connect.json"))

    assert via == tuple(
        f"{name}.us-east-1.amazonaws.com" for name in ("connect", "kinesisvideo", "s3")
    )
    assert callers == ("123412341234",)
    assert direct == ("AWS:arn:aws:iam::123412341234:root", "Service:connect.amazonaws.com")


def test_summarize_access_reads_a_bare_star_principal_as_aws() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*"},
        ]
    }

    assert summarize_access(policy) == ((), (), ("AWS:*",))

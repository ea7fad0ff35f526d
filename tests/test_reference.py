"""Loading the reference dataset, and the verdict on a live key policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scanner.policy import differences, fill_placeholders
from scanner.records import PolicyStatus
from scanner.reference import (
    DEFAULT_REFERENCE_DIR,
    ReferenceDataError,
    load_dataset,
    service_of_alias,
)

ACCOUNT, REGION = "111122223333", "eu-west-1"
ARCHIVED = "Allow SNS to decrypt archived messages"
SERVICES = sorted(path.stem for path in DEFAULT_REFERENCE_DIR.glob("*.json"))


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT_REFERENCE_DIR, tmp_path / "reference"))


def filled(policy: dict) -> dict:
    return fill_placeholders(policy, ACCOUNT, REGION)


def test_dataset_holds_the_39_services_and_the_older_sns_version(dataset) -> None:
    assert len(dataset.services()) == 39
    assert dataset.services() == SERVICES
    assert dataset.current("sns")["Id"] == "auto-sns-2"
    assert [policy["Id"] for policy in dataset.history("sns")] == ["auto-sns-1"]
    assert dataset.history("s3") == []
    assert dataset.current("nosuchservice") is None


def test_current_and_history_return_copies(dataset) -> None:
    dataset.current("sns")["Statement"].clear()
    dataset.history("sns")[0]["Statement"].clear()

    assert len(dataset.current("sns")["Statement"]) == 3
    assert len(dataset.history("sns")[0]["Statement"]) == 2


@pytest.mark.parametrize("service", SERVICES)
def test_every_reference_policy_filled_for_an_account_matches_itself(dataset, service) -> None:
    live = filled(dataset.current(service))

    verdict = dataset.evaluate(service, live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.MATCHES
    assert verdict.differences == ()


def test_matching_policy_verdict_carries_ids_summary_and_compact_json(dataset) -> None:
    live = filled(dataset.current("sns"))
    live["Statement"].reverse()

    verdict = dataset.evaluate("sns", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.MATCHES
    assert (verdict.live_policy_id, verdict.reference_policy_id) == ("auto-sns-2", "auto-sns-2")
    assert verdict.via_services == ("sns.eu-west-1.amazonaws.com",)
    assert verdict.caller_accounts == (ACCOUNT,)
    assert verdict.direct_principals == (
        f"AWS:arn:aws:iam::{ACCOUNT}:root",
        "Service:sns.amazonaws.com",
    )
    assert json.loads(verdict.policy_json) == live
    assert verdict.policy_json == json.dumps(live, separators=(",", ":"))
    assert verdict.policy_json.startswith('{"Version":"2012-10-17","Id":"auto-sns-2"')


def test_older_sns_version_matches_older_and_shows_what_it_lacks(dataset) -> None:
    live = filled(dataset.history("sns")[0])

    verdict = dataset.evaluate("sns", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.MATCHES_OLDER
    assert (verdict.live_policy_id, verdict.reference_policy_id) == ("auto-sns-1", "auto-sns-1")
    assert verdict.differences == (
        "Id is auto-sns-1 (reference auto-sns-2)",
        f'statement "{ARCHIVED}" is in the reference but not in the live policy',
    )
    assert verdict.direct_principals == (f"AWS:arn:aws:iam::{ACCOUNT}:root",)


def test_changed_policy_differs_with_its_differences_against_the_current_one(dataset) -> None:
    live = filled(dataset.current("sns"))
    live["Statement"][2]["Effect"] = "Deny"

    verdict = dataset.evaluate("sns", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.DIFFERS
    assert verdict.reference_policy_id == "auto-sns-2"
    assert verdict.differences == (f'statement "{ARCHIVED}": Effect is Deny (reference Allow)',)
    assert verdict.direct_principals == (f"AWS:arn:aws:iam::{ACCOUNT}:root",)


def test_changed_older_version_differs_rather_than_matching_older(dataset) -> None:
    live = filled(dataset.history("sns")[0])
    live["Statement"][1]["Action"].append("kms:Decrypt")

    verdict = dataset.evaluate("sns", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.DIFFERS
    assert verdict.reference_policy_id == "auto-sns-2"
    assert verdict.differences == tuple(differences(live, filled(dataset.current("sns"))))
    assert len(verdict.differences) == 3


def test_policy_of_another_account_differs_where_the_account_appears(dataset) -> None:
    live = fill_placeholders(dataset.current("s3"), "444455556666", REGION)

    verdict = dataset.evaluate("s3", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.DIFFERS
    assert [line.split(": ", 1)[1] for line in verdict.differences] == [
        'Condition StringEquals kms:CallerAccount is ["444455556666"] (reference ["111122223333"])',
        "Principal AWS adds arn:aws:iam::444455556666:root",
        "Principal AWS lacks arn:aws:iam::111122223333:root",
    ]


def test_policy_of_another_region_differs_on_via_service(dataset) -> None:
    live = fill_placeholders(dataset.current("s3"), ACCOUNT, "us-west-2")

    verdict = dataset.evaluate("s3", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.DIFFERS
    assert verdict.differences == (
        'statement "Allow access through S3 for all principals in the account that are'
        ' authorized to use S3": Condition StringEquals kms:ViaService'
        ' is ["s3.us-west-2.amazonaws.com"] (reference ["s3.eu-west-1.amazonaws.com"])',
    )


def test_service_without_reference_still_gets_ids_and_summary(dataset) -> None:
    live = filled(dataset.current("sqs"))
    live["Id"] = "auto-newservice-1"

    verdict = dataset.evaluate("newservice", live, ACCOUNT, REGION)

    assert verdict.status == PolicyStatus.NO_REFERENCE
    assert (verdict.live_policy_id, verdict.reference_policy_id) == ("auto-newservice-1", "")
    assert verdict.differences == ()
    assert verdict.via_services == ("sqs.eu-west-1.amazonaws.com",)
    assert json.loads(verdict.policy_json) == live


@pytest.mark.parametrize(
    ("alias", "service"),
    [
        ("alias/aws/sns", "sns"),
        ("alias/aws/elasticfilesystem", "elasticfilesystem"),
        ("arn:aws:kms:eu-west-1:111122223333:alias/aws/s3", "s3"),
        ("alias/aws/", None),
        ("alias/my-key", None),
        ("alias/awsome/sns", None),
        ("arn:aws:kms:eu-west-1:111122223333:alias/my-key", None),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", None),
    ],
)
def test_service_of_alias(alias: str, service: str | None) -> None:
    assert service_of_alias(alias) == service


def test_copied_dataset_loads(reference_copy: Path) -> None:
    assert load_dataset(reference_copy).services() == SERVICES


def test_corrupt_file_raises_naming_the_file_and_line(reference_copy: Path) -> None:
    corrupt = reference_copy / "sns.json"
    corrupt.write_text('{\n  "Version": "2012-10-17",\n  "Id": \n', encoding="utf-8")

    with pytest.raises(ReferenceDataError) as caught:
        load_dataset(reference_copy)

    assert caught.value.path == corrupt
    assert str(caught.value) == f"reference file {corrupt} is not valid JSON (line 4)"


def test_corrupt_history_file_raises_naming_it(reference_copy: Path) -> None:
    corrupt = reference_copy / "history" / "sns" / "auto-sns-1.json"
    corrupt.write_bytes(b"\xff\xfe not text")

    with pytest.raises(ReferenceDataError, match="auto-sns-1.json is not UTF-8 text") as caught:
        load_dataset(reference_copy)

    assert caught.value.path == corrupt


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "not a JSON object"),
        ('{"Version": "2012-10-17"}', "no Statement list"),
        ('{"Statement": []}', "no Statement list"),
        ('{"Statement": {"Effect": "Allow"}}', "no Statement list"),
        ('{"Statement": [{"Effect": "Allow"}, {"Sid": "x"}]}', "statement 2 has no Effect"),
        ('{"Statement": ["Allow"]}', "statement 1 has no Effect"),
    ],
)
def test_json_that_is_not_a_key_policy_raises_naming_the_file(
    reference_copy: Path, content: str, reason: str
) -> None:
    wrong = reference_copy / "kms.json"
    wrong.write_text(content, encoding="utf-8")

    with pytest.raises(ReferenceDataError) as caught:
        load_dataset(reference_copy)

    assert caught.value.path == wrong
    assert caught.value.reason == f"is not a key policy ({reason})"
    assert str(caught.value) == f"reference file {wrong} is not a key policy ({reason})"
    assert "\n" not in str(caught.value)


def test_missing_or_empty_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"reference folder .*absent does not exist"):
        load_dataset(tmp_path / "absent")

    with pytest.raises(ReferenceDataError, match="holds no key policies"):
        load_dataset(tmp_path)

"""Key resolution and classification, on records alone: no AWS involved."""

from __future__ import annotations

import pytest

from scanner.kms import Inventory
from scanner.records import (
    Alias,
    Encryption,
    Evidence,
    Hint,
    Key,
    PolicyStatus,
    PolicyVerdict,
    Resource,
)
from scanner.resolve import classify, key_rows, keys_to_describe, lookup

ACCOUNT, REGION = "111122223333", "eu-west-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"
MANAGED, CUSTOMER, HIDDEN = "1111aaaa-0000", "2222bbbb-0000", "3333cccc-0000"


def _inventory() -> Inventory:
    return Inventory(
        listed={MANAGED: KEY_ARN + MANAGED, CUSTOMER: KEY_ARN + CUSTOMER},
        aliases={
            "alias/aws/sqs": Alias("alias/aws/sqs", "", MANAGED),
            "alias/aws/secretsmanager": Alias("alias/aws/secretsmanager", "", HIDDEN),
            "alias/aws/lambda": Alias("alias/aws/lambda", "", None),
            "alias/app": Alias("alias/app", "", CUSTOMER),
        },
    )


def _keys() -> dict[str, Key]:
    def key(key_id: str, manager: str, listed: bool, alias: str) -> Key:
        return Key(
            ACCOUNT, REGION, key_id, KEY_ARN + key_id, listed, manager, "Enabled", aliases=[alias]
        )

    return {
        MANAGED: key(MANAGED, "AWS", True, "alias/aws/sqs"),
        CUSTOMER: key(CUSTOMER, "CUSTOMER", True, "alias/app"),
        HIDDEN: key(HIDDEN, "AWS", False, "alias/aws/secretsmanager"),
    }


def _resource(service: str, hint: str, reference: str | None = None) -> Resource:
    return Resource(ACCOUNT, REGION, service, "thing", "id-1", "arn:x", hint, reference)


@pytest.mark.parametrize(
    ("reference", "expected_key", "evidence", "code"),
    [
        (MANAGED, MANAGED, Evidence.DESCRIBE_KEY, ""),
        (KEY_ARN + CUSTOMER, KEY_ARN + CUSTOMER, Evidence.DESCRIBE_KEY, ""),
        ("mrk-1234abcd", "mrk-1234abcd", Evidence.DESCRIBE_KEY, ""),
        ("alias/aws/sqs", MANAGED, Evidence.ALIAS, ""),
        (f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app", CUSTOMER, Evidence.ALIAS, ""),
        (
            f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app",
            None,
            Evidence.ALIAS,
            "AliasInOtherAccountOrRegion",
        ),
        ("alias/aws/lambda", None, Evidence.ALIAS, "AliasHasNoTarget"),
        ("alias/missing", None, Evidence.ALIAS, "AliasNotFound"),
        (None, MANAGED, Evidence.SERVICE_DEFAULT, ""),
    ],
)
def test_lookup_resolves_every_form_of_reference(reference, expected_key, evidence, code):
    found = lookup(_resource("sqs", Hint.KMS, reference), _inventory())

    assert (found.key_reference, found.evidence, found.error_code) == (expected_key, evidence, code)


def test_lookup_never_offers_an_alias_for_describe_key():
    inventory = _inventory()
    references = [None, "alias/aws/lambda", "alias/aws/sqs", "alias/app", "alias/missing"]
    lookups = [lookup(_resource("lambda", Hint.KMS, ref), inventory) for ref in references]

    wanted = keys_to_describe(lookups, inventory)

    assert sorted(wanted) == sorted([MANAGED, CUSTOMER, HIDDEN])
    assert not [ref for ref in wanted.values() if "alias" in ref]


def test_no_key_needed_for_owned_or_unencrypted():
    assert lookup(_resource("s3", Hint.AWS_OWNED), _inventory()) is None
    assert lookup(_resource("s3", Hint.NOT_ENCRYPTED), _inventory()) is None


def test_listing_failure_makes_alias_lookups_unknown_not_clean():
    inventory = Inventory(error_code="AccessDeniedException")
    finding = classify(
        _resource("sqs", Hint.KMS, "alias/aws/sqs"),
        lookup(_resource("sqs", Hint.KMS, "alias/aws/sqs"), inventory),
        {},
        {},
    )

    assert (finding.encryption, finding.error_code) == (Encryption.UNKNOWN, "AccessDeniedException")


def _classified(resource: Resource, keys: dict | None = None):
    keys = _keys() if keys is None else keys
    verdicts = {MANAGED: PolicyVerdict(PolicyStatus.MATCHES), HIDDEN: PolicyVerdict("differs")}
    return classify(resource, lookup(resource, _inventory()), keys, verdicts)


def test_classify_aws_managed_comes_from_key_manager():
    finding = _classified(_resource("sqs", Hint.KMS, KEY_ARN + MANAGED))

    assert (finding.encryption, finding.key_manager, finding.key_alias) == (
        Encryption.AWS_MANAGED,
        "AWS",
        "alias/aws/sqs",
    )
    assert finding.policy_status == PolicyStatus.MATCHES


def test_classify_customer_key_under_an_aws_looking_name_is_customer():
    keys = _keys()
    keys[MANAGED].key_manager = "CUSTOMER"

    finding = _classified(_resource("sqs", Hint.KMS, "alias/aws/sqs"), keys)

    assert finding.encryption == Encryption.CUSTOMER_MANAGED


def test_classify_hidden_key_keeps_its_flag():
    finding = _classified(_resource("secretsmanager", Hint.KMS))

    assert (finding.encryption, finding.key_in_list_keys) == (Encryption.AWS_MANAGED, False)
    assert finding.evidence == Evidence.SERVICE_DEFAULT


def test_classify_describe_failure_keeps_the_row_with_its_reason():
    keys = _keys()
    keys[CUSTOMER] = Key(
        ACCOUNT, REGION, CUSTOMER, KEY_ARN + CUSTOMER, True, error_code="AccessDeniedException"
    )

    finding = _classified(_resource("sqs", Hint.KMS, KEY_ARN + CUSTOMER), keys)

    assert (finding.encryption, finding.key_manager, finding.error_code) == (
        Encryption.UNKNOWN,
        "unknown",
        "AccessDeniedException",
    )


def test_ambiguous_default_with_no_managed_key_is_aws_owned():
    finding = _classified(_resource("lambda", Hint.KMS_AMBIGUOUS))

    assert (finding.encryption, finding.evidence, finding.key_alias) == (
        Encryption.AWS_OWNED,
        Evidence.SERVICE_DEFAULT_AMBIGUOUS,
        "",
    )
    assert "alias/aws/lambda not_created_yet" in finding.detail


def test_inferred_default_says_so():
    inventory = _inventory()
    inventory.aliases["alias/aws/acm"] = Alias("alias/aws/acm", "", MANAGED)
    resource = _resource("acm", Hint.KMS_INFERRED)

    finding = classify(resource, lookup(resource, inventory), _keys(), {})

    assert (finding.encryption, finding.evidence) == (
        Encryption.AWS_MANAGED,
        Evidence.SERVICE_DEFAULT_INFERRED,
    )


def test_unreadable_resource_is_unknown():
    resource = Resource(
        ACCOUNT, REGION, "s3", "bucket", "b", "arn:b", Hint.UNREADABLE, error_code="AccessDenied"
    )

    finding = classify(resource, None, {}, {})

    assert (finding.encryption, finding.error_code) == (Encryption.UNKNOWN, "AccessDenied")


def test_key_rows_cover_listed_hidden_and_not_created():
    inventory = _inventory()
    finding = _classified(_resource("secretsmanager", Hint.KMS))
    rows = key_rows(inventory, _keys(), {}, [finding], ACCOUNT, REGION)

    by_id = {row.key_id or row.key_alias: row for row in rows}
    assert set(by_id) == {MANAGED, CUSTOMER, HIDDEN, "alias/aws/lambda"}
    assert by_id[HIDDEN].hidden and by_id[HIDDEN].resources_using == 1
    assert not by_id[MANAGED].hidden
    assert by_id["alias/aws/lambda"].alias_has_target is False
    assert by_id["alias/aws/lambda"].key_state == "not_created_yet"
    assert by_id[CUSTOMER].policy_status == PolicyStatus.NOT_APPLICABLE

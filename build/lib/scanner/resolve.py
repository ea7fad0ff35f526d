"""Classify: resolve each resource's key reference to one key, and build the report rows.

Pure functions over records; the only AWS facts they use are what ListKeys, ListAliases,
DescribeKey and GetKeyPolicy returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scanner import catalog
from scanner.kms import Inventory, key_id_of
from scanner.records import (
    Encryption,
    Evidence,
    Finding,
    Hint,
    Key,
    KeyRow,
    PolicyStatus,
    PolicyVerdict,
    Resource,
)

KMS_HINTS = frozenset({Hint.KMS, Hint.KMS_AMBIGUOUS, Hint.KMS_INFERRED})

DEFAULT_EVIDENCE = {
    Hint.KMS: Evidence.SERVICE_DEFAULT,
    Hint.KMS_AMBIGUOUS: Evidence.SERVICE_DEFAULT_AMBIGUOUS,
    Hint.KMS_INFERRED: Evidence.SERVICE_DEFAULT_INFERRED,
}

NO_KEY_CODES = frozenset({"AliasNotFound", "AliasHasNoTarget"})

NOT_CREATED = "not_created_yet"


@dataclass(slots=True, frozen=True)
class Lookup:
    """Where a resource's key is to be found: a key to describe, or why there is none."""

    key_reference: str | None  # key id or key ARN to pass to DescribeKey
    alias: str
    evidence: str
    error_code: str = ""


def alias_name(reference: str) -> str | None:
    """The alias name in an alias name or alias ARN; None for key ids and key ARNs."""
    if reference.startswith("alias/"):
        return reference

    if reference.startswith("arn:") and ":alias/" in reference:
        return "alias/" + reference.split(":alias/", 1)[1]

    return None


def lookup(resource: Resource, inventory: Inventory) -> Lookup | None:
    """How to find the key of a KMS-encrypted resource; None when no key is involved."""
    if resource.hint not in KMS_HINTS:
        return None

    reference = resource.key_reference
    if not reference:
        default = catalog.get(resource.service).alias
        return _through_alias(default, inventory, DEFAULT_EVIDENCE[resource.hint])

    name = alias_name(reference)
    if name is None:
        return Lookup(reference, "", Evidence.DESCRIBE_KEY)

    if reference.startswith("arn:") and not _same_place(reference, resource):
        return Lookup(None, name, Evidence.ALIAS, "AliasInOtherAccountOrRegion")

    return _through_alias(name, inventory, Evidence.ALIAS)


def _same_place(arn: str, resource: Resource) -> bool:
    parts = arn.split(":")
    return len(parts) > 4 and parts[3] == resource.region and parts[4] == resource.account_id


def _through_alias(name: str, inventory: Inventory, evidence: str) -> Lookup:
    if inventory.error_code:
        return Lookup(None, name, evidence, inventory.error_code)

    alias = inventory.aliases.get(name)
    if alias is None:
        return Lookup(None, name, evidence, "AliasNotFound")

    if not alias.target_key_id:
        return Lookup(None, name, evidence, "AliasHasNoTarget")

    return Lookup(alias.target_key_id, name, evidence)


def keys_to_describe(lookups: list[Lookup | None], inventory: Inventory) -> dict[str, str]:
    """Distinct keys to describe, by key id: every key in use and every alias target."""
    wanted: dict[str, str] = {}
    for found in lookups:
        if found is not None and found.key_reference:
            wanted.setdefault(key_id_of(found.key_reference), found.key_reference)

    for alias in inventory.aliases.values():
        if alias.target_key_id:
            wanted.setdefault(alias.target_key_id, alias.target_key_id)

    return wanted


def classify(
    resource: Resource,
    found: Lookup | None,
    keys: dict[str, Key],
    verdicts: dict[str, PolicyVerdict],
) -> Finding:
    """The finding row for one resource."""
    if resource.hint == Hint.UNREADABLE:
        return _finding(resource, Encryption.UNKNOWN, Evidence.UNRESOLVED, resource.error_code)

    if found is None:
        encryption = (
            Encryption.AWS_OWNED if resource.hint == Hint.AWS_OWNED else Encryption.NOT_ENCRYPTED
        )
        return _finding(resource, encryption, Evidence.API_FIELD, "")

    if found.error_code:
        return _unresolved(resource, found)

    key = keys[key_id_of(found.key_reference)]
    if key.error_code:
        return _finding(
            resource,
            Encryption.UNKNOWN,
            found.evidence,
            key.error_code,
            key,
            found.alias,
            key_manager="unknown",
        )

    encryption = Encryption.AWS_MANAGED if key.is_aws_managed else Encryption.CUSTOMER_MANAGED
    policy = verdicts.get(key.key_id)
    return _finding(
        resource,
        encryption,
        found.evidence,
        "",
        key,
        found.alias,
        policy_status=policy.status if policy else PolicyStatus.NOT_APPLICABLE,
    )


def _unresolved(resource: Resource, found: Lookup) -> Finding:
    # A function with no key given whose service has no AWS managed key yet cannot be using
    # one: it must be on an AWS owned key.
    if resource.hint == Hint.KMS_AMBIGUOUS and found.error_code in NO_KEY_CODES:
        note = f"{found.alias} {NOT_CREATED}"
        return _finding(resource, Encryption.AWS_OWNED, found.evidence, "", detail_extra=note)

    return _finding(
        resource, Encryption.UNKNOWN, found.evidence, found.error_code, alias=found.alias
    )


def _finding(
    resource: Resource,
    encryption: str,
    evidence: str,
    error_code: str,
    key: Key | None = None,
    alias: str = "",
    key_manager: str = "",
    policy_status: str = "",
    detail_extra: str = "",
) -> Finding:
    detail = " ".join(part for part in (resource.detail, detail_extra) if part)
    return Finding(
        account_id=resource.account_id,
        region=resource.region,
        service=resource.service,
        resource_type=resource.resource_type,
        resource_id=resource.resource_id,
        resource_arn=resource.resource_arn,
        encryption=encryption,
        key_reference=resource.key_reference or "",
        key_arn=key.key_arn if key else "",
        key_alias=alias or (key.aliases[0] if key and key.aliases else ""),
        key_manager=key_manager or (key.key_manager if key else ""),
        key_in_list_keys=key.in_list_keys if key and not key.error_code else None,
        policy_status=policy_status,
        evidence=evidence,
        error_code=error_code,
        detail=detail,
    )


def key_rows(
    inventory: Inventory,
    keys: dict[str, Key],
    verdicts: dict[str, PolicyVerdict],
    findings: list[Finding],
    account_id: str,
    region: str,
) -> list[KeyRow]:
    """One row per key listed or described, and per alias/aws/* alias with no key yet."""
    using = Counter(key_id_of(f.key_arn) for f in findings if f.key_arn)
    rows = [
        _key_row(
            keys.get(key_id) or _listed_only(key_id, arn, account_id, region),
            verdicts,
            using,
            inventory,
        )
        for key_id, arn in inventory.listed.items()
    ]
    rows += [
        _key_row(key, verdicts, using, inventory)
        for key_id, key in keys.items()
        if key_id not in inventory.listed
    ]
    rows += [
        _not_created_row(alias.name, account_id, region)
        for alias in inventory.aliases.values()
        if alias.name.startswith("alias/aws/") and not alias.target_key_id
    ]
    return rows


def _listed_only(key_id: str, arn: str, account_id: str, region: str) -> Key:
    return Key(account_id=account_id, region=region, key_id=key_id, key_arn=arn, in_list_keys=True)


def _key_row(
    key: Key,
    verdicts: dict[str, PolicyVerdict],
    using: Counter,
    inventory: Inventory,
) -> KeyRow:
    verdict = verdicts.get(key.key_id) or _no_verdict(key)
    aliases = key.aliases or inventory.aliases_of(key.key_id)
    return KeyRow(
        account_id=key.account_id,
        region=key.region,
        key_alias="; ".join(aliases),
        key_id=key.key_id,
        key_arn=key.key_arn,
        key_manager=key.key_manager or ("unknown" if key.error_code else ""),
        key_state=key.key_state,
        key_in_list_keys=key.in_list_keys,
        alias_has_target=True if aliases else None,
        hidden=key.is_aws_managed and key.in_list_keys is False,
        resources_using=using.get(key.key_id, 0),
        policy_status=verdict.status,
        live_policy_id=verdict.live_policy_id,
        reference_policy_id=verdict.reference_policy_id,
        policy_differences="\n".join(verdict.differences),
        via_services="; ".join(verdict.via_services),
        caller_accounts="; ".join(verdict.caller_accounts),
        direct_principals="; ".join(verdict.direct_principals),
        description=key.description,
        error_code=key.error_code or verdict.error_code,
        policy_json=verdict.policy_json,
    )


def _no_verdict(key: Key) -> PolicyVerdict:
    if key.key_manager and not key.is_aws_managed:
        return PolicyVerdict(PolicyStatus.NOT_APPLICABLE)

    return PolicyVerdict(PolicyStatus.NOT_CHECKED)


def _not_created_row(alias: str, account_id: str, region: str) -> KeyRow:
    return KeyRow(
        account_id=account_id,
        region=region,
        key_alias=alias,
        key_id="",
        key_arn="",
        key_manager="",
        key_state=NOT_CREATED,
        key_in_list_keys=None,
        alias_has_target=False,
        hidden=False,
        resources_using=0,
        policy_status=PolicyStatus.NOT_APPLICABLE,
        live_policy_id="",
        reference_policy_id="",
        policy_differences="",
        via_services="",
        caller_accounts="",
        direct_principals="",
        description="",
        error_code="",
    )

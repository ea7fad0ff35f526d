"""KMS inventory of one region: keys, aliases, DescribeKey on what is in use, key policies.

DescribeKey is only ever called with a key id or key ARN, never with an alias name: on an
alias/aws/* alias that has no key yet, AWS would create the key, and the scan would change
the account it audits.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from scanner import errors
from scanner.engine import NETWORK_ERRORS, Scope
from scanner.records import Alias, Key

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Inventory:
    """What ListKeys and ListAliases showed in one region, before any DescribeKey."""

    listed: dict[str, str] = field(default_factory=dict)  # key id -> key ARN
    aliases: dict[str, Alias] = field(default_factory=dict)
    error_code: str = ""

    def aliases_of(self, key_id: str) -> list[str]:
        return sorted(name for name, alias in self.aliases.items() if alias.target_key_id == key_id)


async def list_inventory(scope: Scope) -> Inventory:
    """ListKeys and ListAliases, both paged; an error code instead when they fail."""
    inventory = Inventory()
    try:
        async for key in scope.pages("list_keys", "Keys"):
            inventory.listed[key["KeyId"]] = key["KeyArn"]

        async for alias in scope.pages("list_aliases", "Aliases"):
            name = alias["AliasName"]
            inventory.aliases[name] = Alias(
                name, alias.get("AliasArn", ""), alias.get("TargetKeyId")
            )
    except ClientError as error:
        inventory.error_code = errors.error_code(error)
        if inventory.error_code in errors.EXPIRED:
            scope.aws.credentials_refused = inventory.error_code

        log.warning(
            "%s %s kms listing failed: %s", scope.account_id, scope.region, inventory.error_code
        )
    except NETWORK_ERRORS as error:
        # Still failing after the SDK's retries: every key lookup in the region is unknown.
        inventory.error_code = type(error).__name__
        log.warning(
            "%s %s kms listing failed: %s", scope.account_id, scope.region, inventory.error_code
        )

    return inventory


def key_id_of(reference: str) -> str:
    """The key id in a key id or key ARN."""
    return reference.split(":key/", 1)[1] if ":key/" in reference else reference


async def describe(scope: Scope, inventory: Inventory, reference: str) -> Key:
    """DescribeKey on a key id or key ARN; a failure becomes the key's error code."""
    if reference.startswith("alias/") or ":alias/" in reference:
        raise ValueError(f"DescribeKey takes key ids here, not aliases: {reference}")

    key_id = key_id_of(reference)
    key = Key(
        account_id=scope.account_id,
        region=scope.region,
        key_id=key_id,
        key_arn=reference if reference.startswith("arn:") else inventory.listed.get(key_id, ""),
        in_list_keys=key_id in inventory.listed,
    )
    reply = await scope.detail("describe_key", tolerate={"NotFoundException"}, KeyId=reference)
    if reply.error_code:
        key.error_code = reply.error_code
        return key

    metadata = reply.data["KeyMetadata"]
    key.key_id = metadata["KeyId"]
    key.key_arn = metadata["Arn"]
    key.in_list_keys = key.key_id in inventory.listed
    key.key_manager = metadata.get("KeyManager", "")
    key.key_state = metadata.get("KeyState", "")
    key.description = metadata.get("Description", "")
    key.aliases = inventory.aliases_of(key.key_id)
    return key


async def read_policy(scope: Scope, key: Key) -> tuple[dict | None, str]:
    """The key's default policy, or the error code that kept it from being read."""
    reply = await scope.detail(
        "get_key_policy",
        tolerate={"NotFoundException"},
        KeyId=key.key_arn or key.key_id,
        PolicyName="default",
    )
    if reply.error_code:
        return None, reply.error_code

    try:
        return json.loads(reply.data["Policy"]), ""
    except (KeyError, ValueError):
        return None, "PolicyNotJson"

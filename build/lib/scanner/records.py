"""Plain records passed between the collect, classify and report stages."""

from __future__ import annotations

from dataclasses import dataclass, field


class Hint:
    """What a service's API says about a resource's encryption, before any key is resolved."""

    KMS = "kms"  # KMS encryption; the key is in key_reference, or absent for the service default
    KMS_AMBIGUOUS = "kms_ambiguous"  # absent key means AWS owned or AWS managed; API cannot tell
    KMS_INFERRED = "kms_inferred"  # API exposes no key; the service's documented default key
    AWS_OWNED = "aws_owned"
    NOT_ENCRYPTED = "not_encrypted"
    UNREADABLE = "unreadable"  # a detail call failed; error_code says why


class Encryption:
    AWS_MANAGED = "aws_managed"
    CUSTOMER_MANAGED = "customer_managed"
    AWS_OWNED = "aws_owned"
    NOT_ENCRYPTED = "not_encrypted"
    UNKNOWN = "unknown"

    ALL = (AWS_MANAGED, CUSTOMER_MANAGED, AWS_OWNED, NOT_ENCRYPTED, UNKNOWN)


class Evidence:
    """How the scanner decided a resource's key."""

    DESCRIBE_KEY = "describe_key"  # key id or ARN resolved with DescribeKey
    ALIAS = "alias"  # alias resolved through ListAliases, then DescribeKey on its target
    SERVICE_DEFAULT = "service_default"  # no key given; the service's alias/aws/* key
    SERVICE_DEFAULT_AMBIGUOUS = "service_default_ambiguous"  # owned or managed; alias resolved
    SERVICE_DEFAULT_INFERRED = "service_default_inferred"  # no key in the API at all
    API_FIELD = "api_field"  # decided from the API's encryption fields, no KMS key involved
    UNRESOLVED = "unresolved"  # a key was expected but could not be resolved; see error_code


class PolicyStatus:
    MATCHES = "matches"
    MATCHES_OLDER = "matches_older_version"
    DIFFERS = "differs"
    NO_REFERENCE = "no_reference"
    UNREADABLE = "unreadable"
    NOT_APPLICABLE = "not_applicable"  # not an AWS managed key
    NOT_CHECKED = "not_checked"  # the key was never described


class CoverageStatus:
    SCANNED = "scanned"
    PARTIAL = "partial"  # listed, but some resources' details could not be read
    ACCESS_DENIED = "access_denied"
    NOT_AVAILABLE = "not_available"
    REGION_DISABLED = "region_disabled"
    THROTTLED = "throttled"
    ERROR = "error"

    GAPS = frozenset({PARTIAL, ACCESS_DENIED, THROTTLED, ERROR})


@dataclass(slots=True, frozen=True)
class Resource:
    """One resource and the key reference exactly as its service's API gave it."""

    account_id: str
    region: str
    service: str
    resource_type: str
    resource_id: str
    resource_arn: str
    hint: str
    key_reference: str | None = None
    detail: str = ""
    error_code: str = ""


@dataclass(slots=True, frozen=True)
class Alias:
    name: str
    arn: str
    target_key_id: str | None


@dataclass(slots=True)
class Key:
    """A KMS key as DescribeKey (or only ListKeys) showed it."""

    account_id: str
    region: str
    key_id: str
    key_arn: str
    in_list_keys: bool | None  # None when ListKeys itself could not be read
    key_manager: str = ""
    key_state: str = ""
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    error_code: str = ""

    @property
    def is_aws_managed(self) -> bool:
        return self.key_manager == "AWS"


@dataclass(slots=True, frozen=True)
class PolicyVerdict:
    status: str
    live_policy_id: str = ""
    reference_policy_id: str = ""
    differences: tuple[str, ...] = ()
    error_code: str = ""
    via_services: tuple[str, ...] = ()
    caller_accounts: tuple[str, ...] = ()
    direct_principals: tuple[str, ...] = ()
    policy_json: str = ""


@dataclass(slots=True, frozen=True)
class Coverage:
    account_id: str
    region: str
    service: str
    status: str
    error_code: str = ""
    resources_seen: int = 0


@dataclass(slots=True, frozen=True)
class Finding:
    """A resource with its encryption classified."""

    account_id: str
    region: str
    service: str
    resource_type: str
    resource_id: str
    resource_arn: str
    encryption: str
    key_reference: str
    key_arn: str
    key_alias: str
    key_manager: str
    key_in_list_keys: bool | None
    policy_status: str
    evidence: str
    error_code: str
    detail: str = ""


@dataclass(slots=True, frozen=True)
class KeyRow:
    """One KMS key, or one alias/aws/* alias that has no key yet."""

    account_id: str
    region: str
    key_alias: str
    key_id: str
    key_arn: str
    key_manager: str
    key_state: str
    key_in_list_keys: bool | None
    alias_has_target: bool | None
    resources_using: int
    policy_status: str
    live_policy_id: str
    reference_policy_id: str
    policy_differences: str
    hidden: bool
    via_services: str
    caller_accounts: str
    direct_principals: str
    description: str
    error_code: str
    policy_json: str = ""

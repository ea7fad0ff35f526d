"""The reference dataset of AWS managed key policies, and a live policy's verdict against it."""

from __future__ import annotations

import copy
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scanner.policy import differences, fill_placeholders, summarize_access
from scanner.records import PolicyStatus, PolicyVerdict

logger = logging.getLogger(__name__)

# A checkout (or editable install) has reference/ beside the package; a wheel installs a copy
# under the environment's share/ folder (see data-files in pyproject.toml).
CHECKOUT_REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
INSTALLED_REFERENCE_DIR = Path(sys.prefix) / "share" / "aws-managed-key-scanner" / "reference"
DEFAULT_REFERENCE_DIR = (
    CHECKOUT_REFERENCE_DIR if CHECKOUT_REFERENCE_DIR.is_dir() else INSTALLED_REFERENCE_DIR
)

# Beside the policies: per alias, the policy Id and the region and date it was taken from.
INDEX_FILE = "index.json"

_ALIAS_PREFIX = "alias/aws/"


class ReferenceDataError(Exception):
    """A reference file or folder that cannot be used; the message is one line and names it."""

    def __init__(self, path: Path, reason: str, kind: str = "file") -> None:
        super().__init__(f"reference {kind} {path} {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ReferenceDataset:
    """The current key policy of each AWS managed key, and the older versions known, by service."""

    policies: dict[str, dict]
    older: dict[str, list[dict]] = field(default_factory=dict)

    def services(self) -> list[str]:
        """The services that have a reference policy, sorted."""
        return sorted(self.policies)

    def current(self, service: str) -> dict | None:
        """A copy of the service's current reference policy, or None when there is none."""
        return copy.deepcopy(self.policies.get(service))

    def history(self, service: str) -> list[dict]:
        """Copies of the service's older reference policies, oldest file name first."""
        return copy.deepcopy(self.older.get(service, []))

    def evaluate(
        self, service: str, live_policy: dict, account_id: str, region: str, partition: str = "aws"
    ) -> PolicyVerdict:
        """How a key's live policy compares with the service's reference policies."""
        via_services, caller_accounts, direct_principals = summarize_access(live_policy)
        seen = {
            "live_policy_id": str(live_policy.get("Id", "")),
            "via_services": via_services,
            "caller_accounts": caller_accounts,
            "direct_principals": direct_principals,
            "policy_json": json.dumps(live_policy, separators=(",", ":")),
        }

        reference = self.policies.get(service)
        if reference is None:
            return PolicyVerdict(PolicyStatus.NO_REFERENCE, **seen)

        fill = (account_id, region, partition)
        found = tuple(differences(live_policy, fill_placeholders(reference, *fill)))
        if not found:
            return PolicyVerdict(PolicyStatus.MATCHES, reference_policy_id=_id(reference), **seen)

        older = self._matching_older(service, live_policy, fill)
        if older is not None:
            status, reference = PolicyStatus.MATCHES_OLDER, older
        else:
            status = PolicyStatus.DIFFERS

        return PolicyVerdict(status, reference_policy_id=_id(reference), differences=found, **seen)

    def _matching_older(self, service: str, live_policy: dict, fill: tuple) -> dict | None:
        for older in self.older.get(service, []):
            if not differences(live_policy, fill_placeholders(older, *fill)):
                return older

        return None


def load_dataset(path: Path = DEFAULT_REFERENCE_DIR) -> ReferenceDataset:
    """Load and check every reference policy in the folder, and its history."""
    if not path.is_dir():
        raise ReferenceDataError(path, "does not exist", kind="folder")

    files = [file for file in sorted(path.glob("*.json")) if file.name != INDEX_FILE]
    policies = {file.stem: _load_policy(file) for file in files}
    if not policies:
        raise ReferenceDataError(path, "holds no key policies", kind="folder")

    older: dict[str, list[dict]] = {}
    for file in sorted(path.glob("history/*/*.json")):
        older.setdefault(file.parent.name, []).append(_load_policy(file))

    logger.debug(
        "loaded %d reference policies and %d older ones from %s",
        len(policies),
        sum(map(len, older.values())),
        path,
    )
    return ReferenceDataset(policies, older)


def load_index(path: Path = DEFAULT_REFERENCE_DIR) -> dict[str, dict]:
    """Per alias, where and when its policy was taken; empty when the folder has no index."""
    file = path / INDEX_FILE
    if not file.is_file():
        return {}

    try:
        index = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReferenceDataError(file, "is not a JSON index") from error

    aliases = index.get("aliases") if isinstance(index, dict) else None
    if not isinstance(aliases, dict):
        raise ReferenceDataError(file, "is not an index (no aliases object)")

    return aliases


def service_of_alias(alias: str) -> str | None:
    """The service of an AWS managed key's alias name or ARN, or None for any other alias."""
    name = alias.split(":", 5)[-1] if alias.startswith("arn:") else alias
    if not name.startswith(_ALIAS_PREFIX) or name == _ALIAS_PREFIX:
        return None

    return name.removeprefix(_ALIAS_PREFIX)


def load_policy(file: Path) -> dict:
    """One reference policy file, checked; ReferenceDataError names the file when it is unfit."""
    return _load_policy(file)


def _load_policy(file: Path) -> dict:
    try:
        policy = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ReferenceDataError(file, f"is not valid JSON (line {error.lineno})") from error
    except UnicodeDecodeError as error:
        raise ReferenceDataError(file, "is not UTF-8 text") from error

    problem = _policy_problem(policy)
    if problem:
        raise ReferenceDataError(file, f"is not a key policy ({problem})")

    return policy


def _policy_problem(policy: object) -> str:
    if not isinstance(policy, dict):
        return "not a JSON object"

    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        return "no Statement list"

    for number, statement in enumerate(statements, start=1):
        if not isinstance(statement, dict) or "Effect" not in statement:
            return f"statement {number} has no Effect"

    return ""


def _id(policy: dict) -> str:
    return str(policy.get("Id", ""))

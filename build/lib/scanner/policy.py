"""Key policies: compared by meaning, filled in for an account, summarised by who may use them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_ACCOUNT = "123412341234"
PLACEHOLDER_REGION = "us-east-1"
PLACEHOLDER_PARTITION = "aws"

_LIST_FIELDS = frozenset({"Action", "NotAction", "Resource", "NotResource"})
_PRINCIPAL_FIELDS = frozenset({"Principal", "NotPrincipal"})

# The order a reference file lists a policy's and a statement's fields in; others follow, sorted.
_POLICY_ORDER = ("Version", "Id", "Statement")
_STATEMENT_ORDER = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)


@dataclass(frozen=True)
class Change:
    """One way a new policy means something other than an old one."""

    statement: str = ""  # the statement's label; empty for a field of the policy itself
    field: str = ""  # empty when the whole statement is new or gone
    new: Any = None
    old: Any = None
    added: tuple = ()  # for list fields: the values only the new policy holds
    removed: tuple = ()  # and those only the old one holds

    @property
    def kind(self) -> str:
        """Added or removed (a whole statement), or changed (a field)."""
        if self.field:
            return "changed"

        return "removed" if self.new is None else "added"


def canonical(policy: dict) -> dict:
    """The policy with order, and string versus one-item list, no longer telling policies apart."""
    result = {key: value for key, value in sorted(policy.items()) if key != "Statement"}
    result["Statement"] = sorted(_statements(policy), key=_sort_key)
    return result


def canonical_json(policy: dict) -> str:
    """The canonical form as stable JSON text, fit for writing to disk."""
    return json.dumps(canonical(policy), indent=2, sort_keys=True)


def storage_json(policy: dict) -> str:
    """The text a reference file holds: fixed field order, sorted conditions, lists as given."""
    stored = _ordered(policy, _POLICY_ORDER)
    stored["Statement"] = [_stored_statement(item) for item in _as_list(policy.get("Statement"))]
    return json.dumps(stored, indent=2) + "\n"


def changes(new: dict, old: dict) -> list[Change]:
    """Every way the new policy means something other than the old, ignoring order and form."""
    found = [
        Change(field=key, new=new.get(key), old=old.get(key))
        for key in sorted((new.keys() | old.keys()) - {"Statement"})
        if new.get(key) != old.get(key)
    ]
    return found + _statement_changes(_labelled(new), _labelled(old))


def differences(live: dict, reference: dict) -> list[str]:
    """One readable line per way the live policy means something other than the reference."""
    return [line for change in changes(live, reference) for line in _against_reference(change)]


def change_lines(change: Change) -> list[str]:
    """A change between two versions of a policy, as lines that read from the old to the new."""
    where = f"statement {change.statement}: " if change.statement and change.field else ""
    if not change.field:
        return [f"statement {change.statement} {change.kind}"]

    if change.added or change.removed:
        verbs = (("adds", change.added), ("drops", change.removed))
        return [
            f"{where}{change.field} {verb} {_joined(values)}" for verb, values in verbs if values
        ]

    return [f"{where}{change.field} is {_show(change.new)} (was {_show(change.old)})"]


def unfill_placeholders(policy: dict, account_id: str, region: str, partition: str = "aws") -> dict:
    """A copy of a live policy with its account, region and partition set to the placeholders."""

    def unfill(text: str) -> str:
        text = text.replace(account_id, PLACEHOLDER_ACCOUNT).replace(region, PLACEHOLDER_REGION)
        return text.replace(f"arn:{partition}:", f"arn:{PLACEHOLDER_PARTITION}:")

    return _map_strings(policy, unfill)


def fill_placeholders(policy: dict, account_id: str, region: str, partition: str = "aws") -> dict:
    """A copy of a reference policy with its account, region and partition set to real ones."""

    def fill(text: str) -> str:
        text = text.replace(PLACEHOLDER_ACCOUNT, account_id).replace(PLACEHOLDER_REGION, region)
        return text.replace("arn:aws:", f"arn:{partition}:")

    return _map_strings(policy, fill)


def summarize_access(policy: dict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The policy's ViaService values, CallerAccount values, and principals allowed directly."""
    statements = _statements(policy)
    via_services = _condition_values(statements, "kms:ViaService")
    caller_accounts = _condition_values(statements, "kms:CallerAccount")

    direct = {
        principal
        for statement in statements
        if statement.get("Effect") == "Allow" and _is_direct(statement)
        for principal in _principals(statement)
    }
    return via_services, caller_accounts, tuple(sorted(direct))


def _as_list(value: Any) -> list:
    if value is None:
        return []

    return value if isinstance(value, list) else [value]


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _sorted_unique(values: Any) -> list:
    # Naming the same action or value twice grants nothing more than naming it once.
    unique = {_sort_key(value): value for value in _as_list(values)}
    return [unique[key] for key in sorted(unique)]


def _statements(policy: dict) -> list[dict]:
    # The policy grammar allows a single statement object in place of a list.
    return [_canonical_statement(item) for item in _as_list(policy.get("Statement"))]


def _canonical_statement(statement: dict) -> dict:
    return {key: _canonical_field(key, value) for key, value in sorted(statement.items())}


def _canonical_field(key: str, value: Any) -> Any:
    if key in _LIST_FIELDS:
        return _sorted_unique(value)

    if key in _PRINCIPAL_FIELDS and isinstance(value, dict):
        return {kind: _sorted_unique(names) for kind, names in sorted(value.items())}

    if key == "Condition":
        return {
            operator: {name: _sorted_unique(values) for name, values in sorted(keys.items())}
            for operator, keys in sorted(value.items())
        }

    return value


def _labelled(policy: dict) -> list[tuple[str, dict]]:
    labelled = []
    for number, statement in enumerate(_statements(policy), start=1):
        sid = statement.get("Sid")
        labelled.append((f'"{sid}"' if sid else f"#{number} (no Sid)", statement))

    return labelled


def _statement_changes(new: list, old: list) -> list[Change]:
    # Equal statements pair up first, so a Sid used twice in one policy pairs only what is left.
    _, new, old = _pair(new, old, lambda now, then: now == then)
    pairs, new, old = _pair(new, old, _same_sid)

    found = [
        change for (_, now), (label, then) in pairs for change in _field_changes(label, now, then)
    ]
    found += [Change(statement=label, old=statement) for label, statement in old]
    found += [Change(statement=label, new=statement) for label, statement in new]
    return found


def _pair(live: list, reference: list, same: Any) -> tuple[list, list, list]:
    pairs, live_left, reference_left = [], list(live), []
    for item in reference:
        twin = next((other for other in live_left if same(other[1], item[1])), None)
        if twin is None:
            reference_left.append(item)
        else:
            live_left.remove(twin)
            pairs.append((twin, item))

    return pairs, live_left, reference_left


def _same_sid(live: dict, reference: dict) -> bool:
    return bool(reference.get("Sid")) and live.get("Sid") == reference.get("Sid")


def _field_changes(label: str, new: dict, old: dict) -> list[Change]:
    now_fields, then_fields = _flatten(new), _flatten(old)
    found = []
    for path in sorted(now_fields.keys() | then_fields.keys()):
        now, then = now_fields.get(path), then_fields.get(path)
        if now == then:
            continue

        change = Change(label, path, now, then)
        if path.split()[0] in _LIST_FIELDS | _PRINCIPAL_FIELDS and _lists_or_absent(now, then):
            added = tuple(value for value in now or [] if value not in (then or []))
            removed = tuple(value for value in then or [] if value not in (now or []))
            change = Change(label, path, now, then, added, removed)
        found.append(change)

    return found


def _flatten(statement: dict) -> dict[str, Any]:
    # "Principal AWS" and "Condition StringEquals kms:ViaService" become fields of their own.
    flat = {}
    for key, value in statement.items():
        if key in _PRINCIPAL_FIELDS and isinstance(value, dict):
            flat.update({f"{key} {kind}": names for kind, names in value.items()})
        elif key == "Condition":
            for operator, keys in value.items():
                flat.update({f"{key} {operator} {name}": values for name, values in keys.items()})
        else:
            flat[key] = value

    return flat


def _lists_or_absent(*values: Any) -> bool:
    return all(value is None or isinstance(value, list) for value in values)


def _against_reference(change: Change) -> list[str]:
    if not change.statement:
        return [f"{change.field} is {_show(change.new)} (reference {_show(change.old)})"]

    if not change.field:
        sides = ("reference", "live policy")
        found, missing = sides if change.new is None else sides[::-1]
        return [f"statement {change.statement} is in the {found} but not in the {missing}"]

    where = f"statement {change.statement}: {change.field}"
    if change.added or change.removed:
        verbs = (("adds", change.added), ("lacks", change.removed))
        return [f"{where} {verb} {_joined(values)}" for verb, values in verbs if values]

    return [f"{where} is {_show(change.new)} (reference {_show(change.old)})"]


def _joined(values: tuple) -> str:
    return ", ".join(_show(value) for value in values)


def _show(value: Any) -> str:
    if value is None:
        return "absent"

    return value if isinstance(value, str) else json.dumps(value)


def _ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    first = [key for key in order if key in mapping]
    rest = sorted(key for key in mapping if key not in order)
    return {key: mapping[key] for key in first + rest}


def _stored_statement(statement: dict) -> dict:
    stored = _ordered(statement, _STATEMENT_ORDER)
    for key in _PRINCIPAL_FIELDS & stored.keys():
        if isinstance(stored[key], dict):
            stored[key] = dict(sorted(stored[key].items()))

    if isinstance(stored.get("Condition"), dict):
        stored["Condition"] = {
            operator: dict(sorted(keys.items()))
            for operator, keys in sorted(stored["Condition"].items())
        }

    return stored


def _map_strings(value: Any, fill: Any) -> Any:
    if isinstance(value, dict):
        return {key: _map_strings(item, fill) for key, item in value.items()}

    if isinstance(value, list):
        return [_map_strings(item, fill) for item in value]

    return fill(value) if isinstance(value, str) else value


def _conditions_on(statement: dict, name: str) -> list[tuple[str, list]]:
    # IAM matches condition key names without regard to case.
    return [
        (operator, values)
        for operator, keys in statement.get("Condition", {}).items()
        for key, values in keys.items()
        if key.lower() == name.lower()
    ]


def _condition_values(statements: list[dict], name: str) -> tuple[str, ...]:
    # A Null condition's "true" or "false" says whether the key is present, not what it holds.
    found = {
        str(value)
        for statement in statements
        for operator, values in _conditions_on(statement, name)
        if operator != "Null"
        for value in values
    }
    return tuple(sorted(found))


def _is_direct(statement: dict) -> bool:
    # Null kms:ViaService "true" demands a call made directly, not through any service.
    conditions = _conditions_on(statement, "kms:ViaService")
    return all(operator == "Null" and values == ["true"] for operator, values in conditions)


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        # IAM documents "Principal": "*" as the same as {"AWS": "*"}.
        return ["AWS:*"]

    if not isinstance(principal, dict):
        return []

    return [f"{kind}:{name}" for kind, names in principal.items() for name in names]

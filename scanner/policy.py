"""Key policies: compared by meaning, filled in for an account, summarised by who may use them."""

from __future__ import annotations

import json
from typing import Any

PLACEHOLDER_ACCOUNT = "123412341234"
PLACEHOLDER_REGION = "us-east-1"

_LIST_FIELDS = frozenset({"Action", "NotAction", "Resource", "NotResource"})
_PRINCIPAL_FIELDS = frozenset({"Principal", "NotPrincipal"})


def canonical(policy: dict) -> dict:
    """The policy with order, and string versus one-item list, no longer telling policies apart."""
    result = {key: value for key, value in sorted(policy.items()) if key != "Statement"}
    result["Statement"] = sorted(_statements(policy), key=_sort_key)
    return result


def canonical_json(policy: dict) -> str:
    """The canonical form as stable JSON text, fit for writing to disk."""
    return json.dumps(canonical(policy), indent=2, sort_keys=True)


def differences(live: dict, reference: dict) -> list[str]:
    """One readable line per way the live policy means something other than the reference."""
    found = []
    for key in sorted((live.keys() | reference.keys()) - {"Statement"}):
        if live.get(key) != reference.get(key):
            found.append(_changed(key, live.get(key), reference.get(key)))

    return found + _statement_differences(_labelled(live), _labelled(reference))


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


def _statement_differences(live: list, reference: list) -> list[str]:
    # Equal statements pair up first, so a Sid used twice in one policy pairs only what is left.
    _, live, reference = _pair(live, reference, lambda now, then: now == then)
    pairs, live, reference = _pair(live, reference, _same_sid)

    found = [
        f"statement {label}: {line}"
        for (_, now), (label, then) in pairs
        for line in _field_changes(now, then)
    ]
    found += [
        f"statement {label} is in the reference but not in the live policy"
        for label, _ in reference
    ]
    found += [
        f"statement {label} is in the live policy but not in the reference" for label, _ in live
    ]
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


def _field_changes(live: dict, reference: dict) -> list[str]:
    now_fields, then_fields = _flatten(live), _flatten(reference)
    found = []
    for path in sorted(now_fields.keys() | then_fields.keys()):
        now, then = now_fields.get(path), then_fields.get(path)
        if now == then:
            continue

        if path.split()[0] in _LIST_FIELDS | _PRINCIPAL_FIELDS and _lists_or_absent(now, then):
            found += _list_changes(path, now or [], then or [])
        else:
            found.append(_changed(path, now, then))

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


def _list_changes(path: str, now: list, then: list) -> list[str]:
    added = [_show(value) for value in now if value not in then]
    lacking = [_show(value) for value in then if value not in now]
    changes = (("adds", added), ("lacks", lacking))
    return [f"{path} {verb} {', '.join(values)}" for verb, values in changes if values]


def _changed(path: str, now: Any, then: Any) -> str:
    return f"{path} is {_show(now)} (reference {_show(then)})"


def _show(value: Any) -> str:
    if value is None:
        return "absent"

    return value if isinstance(value, str) else json.dumps(value)


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

"""The built-in sandbox: a moto server on 127.0.0.1 that behaves like AWS for managed keys.

moto alone reports every key as customer managed, lists its reserved alias/aws/* aliases
with made-up targets, and gives managed keys a generic policy. The sandbox changes moto's
KMS, in this process only, so that:

- every alias/aws/<service> of the catalog is listed, with no target until its key exists;
- a key created through such an alias is KeyManager AWS and carries the reference policy
  for its account and region; DescribeKey on an alias with no key creates it, as AWS does;
- keys marked hidden are left out of ListKeys until DescribeKey names them.

It then seeds a small account in two regions.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session

from scanner import catalog, faults
from scanner.policy import fill_placeholders
from scanner.reference import load_dataset

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"  # moto's default account
REGIONS = ("us-east-1", "eu-west-1")
MANAGED_ALIASES = frozenset(service.alias for service in catalog.SERVICES)
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

_patch_lock = threading.Lock()
_patched = False


@dataclass
class Events:
    """What happened inside the sandbox that a scanner must never cause."""

    keys_created_by_alias: list[tuple[str, str, str]] = field(default_factory=list)


EVENTS = Events()


def _backend(account_id: str, region: str) -> Any:
    from moto.kms.models import kms_backends

    return kms_backends[account_id][region]


@cache
def _dataset() -> Any:
    return load_dataset()


def make_aws_managed(key: Any, alias: str) -> None:
    """Turn a moto key into what AWS shows for the AWS managed key of an alias."""
    service = alias.removeprefix("alias/aws/")
    reference = _dataset().current(service)
    key.key_manager = "AWS"
    key.description = f"Default key that protects my {catalog.get(service).title} data"
    if reference is not None:
        filled = fill_placeholders(reference, key.account_id, key.region)
        key.policy = json.dumps(filled)


def _patch_moto() -> None:
    """Make moto's KMS behave like AWS for alias/aws/* aliases (once per process)."""
    global _patched
    with _patch_lock:
        if _patched:
            return

        from moto.kms import models, responses

        _patch_backend(models.KmsBackend)
        responses.KmsResponse.list_aliases = _list_aliases
        _patch_ebs_default_key()
        _patch_assume_role()
        _patch_region_opt_in()
        _patch_endpoint_discovery()
        _patch_kinesis_paging()
        _patched = True


def _patch_backend(backend_class: Any) -> None:
    original_create_alias = backend_class.create_alias
    original_list_keys = backend_class.list_keys
    original_describe_key = backend_class.describe_key

    def create_alias(self: Any, target_key_id: str, alias_name: str) -> Any:
        alias = original_create_alias(self, target_key_id, alias_name)
        if alias_name in MANAGED_ALIASES:
            make_aws_managed(self.keys[self.get_key_id(target_key_id)], alias_name)
        return alias

    def get_key_id_from_alias(self: Any, alias_name: str) -> str | None:
        for key in self.keys.values():
            if alias_name in key.aliases:
                return key.id

        if alias_name not in MANAGED_ALIASES:
            return None

        # AWS creates an AWS managed key the first time its alias is used.
        EVENTS.keys_created_by_alias.append((self.account_id, self.region_name, alias_name))
        log.warning("sandbox: %s used with no key: creating it, as AWS would", alias_name)
        return create_managed_key(self, alias_name).id

    def list_keys(self: Any) -> list[Any]:
        return [key for key in original_list_keys(self) if not getattr(key, "hidden", False)]

    def describe_key(self: Any, key_id: str) -> Any:
        key = original_describe_key(self, key_id)
        key.hidden = False
        return key

    backend_class.create_alias = create_alias
    backend_class.get_key_id_from_alias = get_key_id_from_alias
    backend_class.list_keys = list_keys
    backend_class.describe_key = describe_key


def create_managed_key(backend: Any, alias_name: str) -> Any:
    """Create the AWS managed key of an alias in one account and region."""
    key = backend.create_key(None, "ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT", "", None)
    backend.create_alias(key.id, alias_name)
    return key


def _list_aliases(self: Any) -> str:
    """ListAliases as AWS answers it: alias/aws/* names with no key carry no TargetKeyId."""
    key_id = self._get_param("KeyId")
    if key_id is not None:
        key_id = self.kms_backend.get_key_id(key_id)

    listed = [
        {
            "AliasArn": alias.alias_arn,
            "AliasName": alias.alias_name,
            "TargetKeyId": alias.target_key_id,
        }
        for alias in self.kms_backend.list_aliases(key_id=key_id)
    ]
    if key_id is None:
        present = {entry["AliasName"] for entry in listed}
        prefix = f"arn:aws:kms:{self.region}:{self.current_account}:"
        listed += [
            {"AliasArn": prefix + name, "AliasName": name}
            for name in sorted(MANAGED_ALIASES - present)
        ]

    return json.dumps({"Truncated": False, "Aliases": listed})


def _patch_ebs_default_key() -> None:
    """moto lacks GetEbsDefaultKmsKeyId; answer as AWS does, alias/aws/ebs until it is changed."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.settings import Settings

    def get_ebs_default_kms_key_id(self: Any) -> Any:
        key = getattr(self.ec2_backend, "default_kms_key_id", "") or "alias/aws/ebs"
        return ActionResult({"KmsKeyId": key})

    Settings.get_ebs_default_kms_key_id = get_ebs_default_kms_key_id


# Opt-in regions each account has enabled, beyond moto's fixed list.
OPTED_IN: dict[str, set[str]] = {}


def _patch_assume_role() -> None:
    """AWS refuses AssumeRole on a role that does not exist; moto allows it."""
    from moto.core.exceptions import AccessDeniedError
    from moto.iam.models import iam_backends
    from moto.sts.models import STSBackend

    original = STSBackend.assume_role

    def assume_role(self: Any, **kwargs: Any) -> Any:
        role_arn = kwargs["role_arn"]
        account_id, role_name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
        names = {role.name for role in iam_backends[account_id]["global"].get_roles()}
        if role_name not in names:
            raise AccessDeniedError(
                user_arn=f"arn:aws:iam::{self.account_id}:root", action="sts:AssumeRole"
            )
        return original(self, **kwargs)

    STSBackend.assume_role = assume_role


def _patch_region_opt_in() -> None:
    """Let each account enable its own opt-in regions, as AWS does; moto has one fixed list."""
    from moto.ec2.models.availability_zones_and_regions import Region, RegionsAndZonesBackend

    original = RegionsAndZonesBackend.describe_regions

    def describe_regions(self: Any, region_names: list[str] | None = None) -> list[Any]:
        enabled = OPTED_IN.get(self.account_id, set())
        return [
            Region(r.name, r.endpoint, "opted-in") if r.name in enabled else r
            for r in original(self, region_names)
        ]

    RegionsAndZonesBackend.describe_regions = describe_regions


def _patch_endpoint_discovery() -> None:
    """Answer Timestream's DescribeEndpoints with the sandbox's own address.

    The SDK sends Timestream calls to the address DescribeEndpoints gives, and moto gives the
    real AWS host: a scan of the sandbox must never leave 127.0.0.1.
    """
    from moto.timestreamwrite.responses import TimestreamWriteResponse

    def describe_endpoints(self: Any) -> str:
        address = f"http://{self.headers['Host']}"
        return json.dumps({"Endpoints": [{"Address": address, "CachePeriodInMinutes": 1440}]})

    TimestreamWriteResponse.describe_endpoints = describe_endpoints


# Services moto lacks, or lacks the calls a scan makes: the sandbox answers them itself, by
# operation, as a small account would; any other operation gets an empty answer. The API
# names no key for Cloud9 or Lightsail, and X-Ray's default is an AWS owned key.
ANSWERED_BY_SANDBOX: dict[str, dict[str, dict]] = {
    "appflow": {}, "codeartifact": {}, "codecommit": {}, "imagebuilder": {}, "kendra": {},
    "translate": {},
    "cloud9": {
        "ListEnvironments": {"environmentIds": ["0a1b2c3d4e5f60718293a4b5c6d7e8f9"]},
        "DescribeEnvironments": {
            "environments": [{"id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "name": "sandbox-ide"}]
        },
    },
    "lightsail": {"GetRelationalDatabases": {"relationalDatabases": [{"name": "sandbox-db"}]}},
    "xray": {"/EncryptionConfig": {"EncryptionConfig": {"Type": "NONE", "Status": "ACTIVE"}}},
    "redshift-serverless": {"ListNamespaces": {"namespaces": []}},
}  # fmt: skip

# Single operations moto lacks in services it otherwise serves, by botocore client name: the
# sandbox answers them as an account without such resources would, and moto the rest.
OPERATIONS_ANSWERED_BY_SANDBOX: dict[tuple[str, str], dict] = {
    ("backup", "ListRecoveryPointsByBackupVault"): {"RecoveryPoints": []},
    ("dms", "DescribeReplicationConfigs"): {"ReplicationConfigs": []},
    ("elasticache", "DescribeServerlessCaches"): {},
    ("lex-models", "GetBots"): {"bots": []},
    ("lex-models", "GetBotAliases"): {"BotAliases": []},
}

# Clients the scan calls besides each collector's own, which faults.identify does not know.
# Lex V1 signs as "lex", like the V2 client moto serves, so its requests are told by route.
OTHER_CLIENTS = ("lex-models",)


def _signing_service(authorization: str) -> str:
    """The service in a SigV4 Authorization header's credential scope."""
    scope = authorization.partition("Credential=")[2].split(",", 1)[0].split("/")
    return scope[3] if len(scope) > 3 else ""


def _operation(environ: dict) -> str:
    """A JSON-protocol request's operation (from X-Amz-Target), or a REST request's path."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.rsplit(".", 1)[-1] if target else environ.get("PATH_INFO", "")


def _answer_by_sandbox(app: Any) -> Any:
    """WSGI middleware: the sandbox's own answers for what moto cannot serve."""

    def middleware(environ: dict, start_response: Any) -> Any:
        service = _signing_service(environ.get("HTTP_AUTHORIZATION", ""))
        if service in ANSWERED_BY_SANDBOX:
            answer = ANSWERED_BY_SANDBOX[service].get(_operation(environ), {})
            return _reply(start_response, "json", "", answer)

        if service not in _SIGNING_NAMES_WITH_ANSWERS:
            return app(environ, start_response)

        body = _read_body(environ)
        client, operation, protocol = _identify(environ, body)
        answer = OPERATIONS_ANSWERED_BY_SANDBOX.get((client, operation))
        if answer is None:
            return app(environ, start_response)

        return _reply(start_response, protocol, operation, answer)

    return middleware


def _signing_names() -> frozenset[str]:
    session = botocore.session.get_session()
    clients = {client for client, _ in OPERATIONS_ANSWERED_BY_SANDBOX}
    return frozenset(session.get_service_model(client).signing_name for client in clients)


_SIGNING_NAMES_WITH_ANSWERS = _signing_names()


def _read_body(environ: dict) -> bytes:
    """The request body, put back so that moto can still read it."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _identify(environ: dict, body: bytes) -> tuple[str, str, str]:
    """The botocore client name, operation and protocol of a request."""
    method = environ.get("REQUEST_METHOD", "")
    path = environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        path = f"{path}?{environ['QUERY_STRING']}"
    headers = _Headers(environ)

    call = faults.identify(method, path, headers, body)
    if call.operation:
        return call.service, call.operation, call.protocol

    for client in OTHER_CLIENTS:
        # One model per signing name by default; these share theirs with a scanned client.
        other = faults.identify(method, path, headers, body, clients=(client,))
        if other.operation:
            return other.service, other.operation, other.protocol

    return call.service, "", call.protocol


class _Headers:
    """A WSGI environ's request headers, read the way faults.identify reads them."""

    def __init__(self, environ: dict):
        self.environ = environ

    def get(self, name: str, default: str = "") -> str:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"), default)


JSON_TYPES = {"json": "application/x-amz-json-1.1", "rest-json": "application/json"}


def _reply(start_response: Any, protocol: str, operation: str, answer: dict) -> list[bytes]:
    """A 200 answer in the protocol's shape; query answers are empty results, as XML."""
    if protocol == "query":
        if answer:
            raise NotImplementedError("the sandbox answers query operations only when empty")

        body = _empty_query_result(operation).encode()
        content_type = "text/xml"
    else:
        body = json.dumps(answer).encode()
        content_type = JSON_TYPES.get(protocol, "application/json")

    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _empty_query_result(operation: str) -> str:
    return (
        f"<{operation}Response><{operation}Result></{operation}Result>"
        f"<ResponseMetadata><RequestId>sandbox</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )


def _server_class() -> type:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class Server(ThreadedMotoServer):
        """moto's threaded server, with the empty answers in front of its application."""

        def _server_entry(self) -> None:
            app = _answer_by_sandbox(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return Server


def _patch_kinesis_paging() -> None:
    """Page Kinesis ListStreams as AWS does: Limit names with their summaries, and a token.

    moto answers ten names, HasMoreStreams and no NextToken, so a paginator stops at ten.
    """
    from moto.core.responses import ActionResult
    from moto.kinesis.responses import KinesisResponse

    def list_streams(self: Any) -> Any:
        streams = list(self.kinesis_backend.list_streams())
        limit = int(self._get_param("Limit") or 100)
        token = self._get_param("NextToken") or self._get_param("ExclusiveStartStreamName")
        names = [stream.stream_name for stream in streams]
        start = names.index(token) + 1 if token in names else 0
        page = streams[start : start + limit]
        result = {
            "HasMoreStreams": start + limit < len(streams),
            "StreamNames": [stream.stream_name for stream in page],
            "StreamSummaries": [
                stream.to_json_summary()["StreamDescriptionSummary"] for stream in page
            ],
        }
        if result["HasMoreStreams"]:
            result["NextToken"] = page[-1].stream_name

        return ActionResult(result)

    KinesisResponse.list_streams = list_streams


def _account_credentials(account_id: str) -> dict[str, str]:
    """Keys of a user in another account: moto picks the account from the access key.

    Several sandboxes in one process share moto's state; each account is its own world.
    """
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["global"]
    iam.create_user(region_name=REGIONS[0], user_name="sandbox")
    key = iam.create_access_key("sandbox")
    return {"AWS_ACCESS_KEY_ID": key.access_key_id, "AWS_SECRET_ACCESS_KEY": key.secret_access_key}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sandbox:
    """A moto server on 127.0.0.1 behaving like AWS for managed keys, seeded with an account."""

    def __init__(self, seed: bool = True, account_id: str = ACCOUNT_ID):
        self.seed_account = seed
        self.account_id = account_id
        self.credentials = dict(CREDENTIALS)
        self.server: Any = None
        self.endpoint = ""

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Sandbox:
        """Start the server and seed the account."""
        # moto would otherwise list some 1,300 public snapshots as the account's own.
        os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        # The sandbox is on this machine: a proxy the user has set must not stand in between.
        bypass = [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"]
        os.environ["NO_PROXY"] = ",".join(part for part in bypass if part)
        _patch_moto()
        self.server = _server_class()(ip_address="127.0.0.1", port=_free_port(), verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        log.info("sandbox listening on %s", self.endpoint)
        if self.account_id != ACCOUNT_ID:
            self.credentials = _account_credentials(self.account_id)
        if self.seed_account:
            from scanner.sandbox_seed import seed

            seed(self)

        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def env(self) -> dict[str, str]:
        """The environment that points the AWS SDK's standard chain at the sandbox."""
        return {
            **self.credentials,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGIONS[0],
            "AWS_EC2_METADATA_DISABLED": "true",
            # Anything not for this machine goes to a closed local port and fails here.
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def client(self, name: str, region: str = REGIONS[0]) -> Any:
        """A plain boto3 client on the sandbox, for seeding and for tests."""
        import boto3

        return boto3.client(
            name,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
        )

    def kms_state(self) -> dict:
        """Every key and alias in the sandbox, read from moto directly so nothing changes."""
        from moto.kms.models import kms_backends

        state = {}
        for region, backend in kms_backends[self.account_id].items():
            keys = {
                key.id: (key.key_manager, key.key_state, key.policy, getattr(key, "hidden", False))
                for key in backend.keys.values()
            }
            aliases = {alias.alias_name: alias.target_key_id for alias in backend.list_aliases()}
            if keys or aliases:
                state[region] = {"keys": keys, "aliases": aliases}

        return state

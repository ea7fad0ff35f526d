"""ACM: aws/acm protects the private key of every certificate; the API names no key."""

from __future__ import annotations

from collections.abc import AsyncIterator

from scanner.engine import Scope
from scanner.records import Hint, Resource

SERVICE = "acm"
CLIENT = "acm"

# Without a key type filter ListCertificates returns RSA_2048 certificates only.
KEY_TYPES = [
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
]


async def collect(scope: Scope) -> AsyncIterator[Resource]:
    """Certificates of every key type; the key link is the documented service default."""
    pages = scope.pages(
        "list_certificates", "CertificateSummaryList", Includes={"keyTypes": KEY_TYPES}
    )
    async for certificate in pages:
        arn = certificate["CertificateArn"]
        name = certificate.get("DomainName") or arn.rsplit("/", 1)[-1]
        detail = f"Type={certificate.get('Type', '')}"
        yield scope.resource("certificate", name, arn, Hint.KMS_INFERRED, detail=detail)

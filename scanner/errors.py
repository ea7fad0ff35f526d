"""Error codes the scanner branches on, and the errors it reports to the user."""

from __future__ import annotations

from botocore.exceptions import ClientError

from scanner.records import CoverageStatus

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthorizationErrorException",
        "NotAuthorized",
        "NotAuthorizedException",
        "Forbidden",
        "ForbiddenException",
        "403",
    }
)

THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "EC2ThrottledException",
    }
)

# The service or the operation does not exist where it was asked for.
NOT_AVAILABLE = frozenset(
    {
        "OptInRequired",
        "SubscriptionRequiredException",
        "InvalidAction",
        "UnknownOperationException",
        "UnsupportedOperation",
        "UnsupportedOperationException",
        "NotSupportedException",
    }
)

# Credentials that no retry can fix: the scan must stop and say what to do.
EXPIRED = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "AuthFailure",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
    }
)


class UserError(Exception):
    """A problem the user can fix; its message is one line and names the problem."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError, or its HTTP status when it has none."""
    code = error.response.get("Error", {}).get("Code")
    if code:
        return str(code)

    return str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "Unknown"))


def coverage_status(code: str) -> str:
    """The coverage status an error code stands for."""
    if code in ACCESS_DENIED:
        return CoverageStatus.ACCESS_DENIED

    if code in THROTTLED:
        return CoverageStatus.THROTTLED

    if code in NOT_AVAILABLE:
        return CoverageStatus.NOT_AVAILABLE

    return CoverageStatus.ERROR

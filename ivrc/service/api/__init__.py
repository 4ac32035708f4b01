"""The Paycall Dynamic Dialer API client. Imported only by the commands that talk to the service."""

from ivrc.running.records import CdrRecord, parse_cdr
from ivrc.service.api.client import DEFAULT_BASE_URL, Credentials, DialerClient, Retry, ServiceError, credentials_for

__all__ = [
    "DEFAULT_BASE_URL",
    "CdrRecord",
    "Credentials",
    "DialerClient",
    "Retry",
    "ServiceError",
    "credentials_for",
    "parse_cdr",
]

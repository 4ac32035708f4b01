"""The Paycall Dynamic Dialer API over HTTP: every endpoint of the document, with retries that
never repeat a request unless repeating it is safe."""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

import httpx

from ivrc.running.records import CdrRecord, parse_cdr

DEFAULT_BASE_URL = "http://api.dialer.co.il"  # "All API requests will be performed at ... api.dialer.co.il"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# api-notes 17: phone lists by suffix; tarballs are not accepted.
PHONE_LIST_TYPES = {".csv": "text/csv", ".txt": "text/plain", ".zip": "application/zip", ".gz": "application/gzip"}


class ServiceError(Exception):
    """The service refused or could not be reached. The message never holds the credentials."""

    def __init__(self, message: str, status: int | None = None, reached: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.reached = reached  # False: the request cannot have reached the service


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"

    def auth(self) -> httpx.BasicAuth:
        # api-notes 22: the user name and password are URI-escaped, as the document asks.
        return httpx.BasicAuth(quote(self.username, safe=""), quote(self.password, safe=""))


def credentials_for(base_url: str, username: str | None = None, password: str | None = None) -> Credentials | None:
    """Flags first, then IVRC_USERNAME/IVRC_PASSWORD, then a netrc entry for the service's host."""
    username = username or os.environ.get("IVRC_USERNAME")
    password = password or os.environ.get("IVRC_PASSWORD")
    if username and password:
        return Credentials(username, password)
    import netrc

    host = urlsplit(base_url).hostname or ""
    try:
        entry = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        entry = None
    if entry and entry[0] and entry[2]:
        return Credentials(username or entry[0], password or entry[2])
    return None


@dataclass(frozen=True)
class Retry:
    """How often and how patiently to try again: by default 3 more tries, after 0.5, 1 and 2
    seconds, so at most 3.5 s of waiting besides the tries themselves. `notice` hears, once per
    request, that retrying has begun."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the second try, doubling after
    sleep: Callable[[float], None] = time.sleep
    notice: Callable[[str], None] | None = None

    def delays(self) -> Iterator[float]:
        for attempt in range(self.attempts - 1):
            yield self.backoff * (2**attempt)

    def total(self) -> float:
        return sum(self.delays())


class DialerClient:
    """One client per service. Timeouts are explicit: connecting, and reading each answer."""

    def __init__(
        self,
        credentials: Credentials,
        base_url: str = DEFAULT_BASE_URL,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retry: Retry | None = None,
        transport: httpx.BaseTransport | None = None,
        connections: int = 10,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or Retry()
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout)
        # trust_env=False: no credentials picked up from the environment behind our back.
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=credentials.auth(),
            timeout=timeout,
            transport=transport,
            trust_env=False,
            limits=limits,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DialerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the endpoints
    def upload_recordings(self, files: list[Path]) -> dict[str, Any]:
        """POST /v2/calls/upload: every file in a field named `recs[]` (api-notes 16).
        Repeating it uploads the same names again, so it is safe to retry."""

        def parts() -> list[tuple[str, tuple[str, IO[bytes], str]]]:
            return [("recs[]", (f.name, f.open("rb"), mimetypes.guess_type(f.name)[0] or "audio/wav")) for f in files]

        return self._json("POST", "/v2/calls/upload", files=parts, safe_to_repeat=True)

    def dialer(self, request: dict[str, Any]) -> dict[str, Any]:
        """POST /v2/calls/dialer. With a unique_id the service knows a repeat for what it is."""
        return self._json("POST", "/v2/calls/dialer", json_body=request, safe_to_repeat=bool(request.get("unique_id")))

    def simple_dialer(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._json(
            "POST", "/v2/calls/simple_dialer", json_body=request, safe_to_repeat=bool(request.get("unique_id"))
        )

    def upload_phones(
        self, unique_id: str, path: Path, progress: Callable[[int], None] | None = None
    ) -> dict[str, Any]:
        """POST /v2/calls/upload_phones/{unique_id}, field `numbers`, with the MIME type of its
        format (api-notes 17). A second upload replaces the first, so it is safe to retry."""
        suffix = "".join(path.suffixes[-2:]) if path.name.endswith((".tar.gz", ".tgz")) else path.suffix
        mime = PHONE_LIST_TYPES.get(suffix.lower())
        if mime is None:
            raise ServiceError(
                f"{path.name}: a phone list is .csv, .txt, .zip or .gz (not {suffix or 'without a suffix'})",
                reached=False,
            )

        def parts() -> list[tuple[str, tuple[str, Any, str]]]:  # a file, or one that counts what is read
            return [("numbers", (path.name, _Counting(path.open("rb"), progress), mime))]

        return self._json(
            "POST", f"/v2/calls/upload_phones/{quote(unique_id, safe='')}", files=parts, safe_to_repeat=True
        )

    def start_campaign(self, unique_id: str) -> dict[str, Any]:
        """POST /v2/calls/start_campaign/{unique_id}: starting a started campaign changes nothing."""
        return self._json("POST", f"/v2/calls/start_campaign/{quote(unique_id, safe='')}", safe_to_repeat=True)

    def cdr_by_campaign(self, unique_id: str) -> tuple[str, list[CdrRecord]]:
        """GET /v2/calls/cdr_by_campaign/{unique_id}: the CSV as sent, and its records."""
        text = self._text("GET", f"/v2/calls/cdr_by_campaign/{quote(unique_id, safe='')}")
        return text, parse_cdr(text)

    def cdr_by_number(self, unique_id: str, phone: str) -> tuple[str, list[CdrRecord]]:
        text = self._text("GET", f"/v2/calls/cdr_by_number/{quote(unique_id, safe='')}/{quote(phone, safe='')}")
        return text, parse_cdr(text)

    # ---- sending, retrying, reading answers
    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise ServiceError(
                f"{method} {path}: the service answered with something that is not JSON: {response.text[:200]!r}",
                response.status_code,
            ) from None
        if not isinstance(body, dict):
            raise ServiceError(f"{method} {path}: the service answered {body!r}", response.status_code)
        if "error" in body:  # api-notes 21: `error` means the request was wrong
            raise ServiceError(f"{method} {path}: the service refused it: {body['error']}", response.status_code)
        return body

    def _text(self, method: str, path: str) -> str:
        return self._send(method, path).text

    def _send(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        files: Callable[[], Any] | None = None,
        safe_to_repeat: bool | None = None,
    ) -> httpx.Response:
        """GETs are retried on connection failures and on 429, 502, 503, 504. POSTs only when the
        request cannot have reached the service, or when repeating it is safe (`safe_to_repeat`)."""
        repeatable = method == "GET" or bool(safe_to_repeat)
        delays = self.retry.delays()
        retried = False
        while True:
            opened = files() if files else None
            try:
                response = self._http.request(method, path, json=json_body, files=opened)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failure = ServiceError(
                    f"{method} {path}: cannot connect to {self._where()}: {_reason(error)}", reached=False
                )
                retry_this = True
            except httpx.TimeoutException:
                failure = ServiceError(f"{method} {path}: {self._where()} did not answer in time")
                retry_this = repeatable
            except httpx.TransportError as error:
                failure = ServiceError(f"{method} {path}: the connection to {self._where()} failed: {_reason(error)}")
                retry_this = repeatable
            else:
                if response.status_code in RETRY_STATUSES and repeatable:
                    failure = _status_error(method, path, response)
                    retry_this = True
                elif response.status_code != 200:
                    raise _status_error(method, path, response)
                else:
                    return response
            finally:
                for _, (_, handle, *_) in opened or []:
                    handle.close()
            delay = next(delays, None) if retry_this else None
            if delay is None:
                raise failure
            if self.retry.notice is not None and not retried:
                tries = self.retry.attempts - 1
                self.retry.notice(f"{failure}; trying again ({tries} more times over {self.retry.total():g} s)")
            retried = True
            self.retry.sleep(delay)

    def _where(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _status_error(method: str, path: str, response: httpx.Response) -> ServiceError:
    """A non-200 answer as one line: the status and the service's own words."""
    try:
        body = response.json()
        said = body.get("error") or body.get("status") or response.text if isinstance(body, dict) else response.text
    except ValueError:
        said = response.text.strip()[:200]
    return ServiceError(
        f"{method} {path}: HTTP {response.status_code} {response.reason_phrase}: {said}".rstrip(": "),
        response.status_code,
    )


class _Counting:
    """A file that reports how many bytes have been read from it, for a progress bar."""

    def __init__(self, handle: IO[bytes], progress: Callable[[int], None] | None) -> None:
        self._handle = handle
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        if self._progress and chunk:
            self._progress(len(chunk))
        return chunk

    def close(self) -> None:
        self._handle.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

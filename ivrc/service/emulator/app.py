"""A local Paycall Dynamic Dialer: every endpoint of the API document, behind Basic auth, with
the compiler's own schemas and checks as its validation. Bad input gets a 4xx with a JSON
`error`, never a 500."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ivrc.language import phone
from ivrc.running.records import write_cdr
from ivrc.service.emulator import calls
from ivrc.service.emulator.checking import check
from ivrc.service.emulator.openapi import openapi
from ivrc.service.emulator.phones import MB, Refused, clean, list_format, phone_lines, unpack
from ivrc.service.emulator.reading import acceptable, matches, recording, true
from ivrc.service.emulator.store import Empty, Store

log = logging.getLogger("ivrc.service.emulator")
MAX_ATTEMPTS = 1500  # a report that fails is tried for about a day (every 60 s after the first minutes)


@dataclass
class Settings:
    users: dict[str, str]  # user name -> password; each user sees only their own campaigns and recordings
    data: Path
    region: str = "IL"
    callee_script: dict[str, Any] | None = None
    allow_callbacks_to: set[str] = field(default_factory=set)
    max_upload: int = 20 * MB  # one request's body
    max_unpacked: int = 50 * MB  # a phone list after unzipping
    tick: float = 0.2  # how often due campaigns are looked for
    no_wait: bool = False  # call a scheduled campaign at once; its records keep the scheduled times
    header_seconds: float = 10.0  # a request's headers must arrive within this; then the connection is closed
    strict: bool = False  # refuse every error `ivrc lint` reports, not only what the service refuses


class _Json(JSONResponse):
    """JSON as the service sends it, UTF-8; a text that is not valid Unicode (a lone surrogate
    the client sent, quoted back in a message) is escaped rather than failing the answer."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="Paycall Dynamic Dialer"'}
    return _Json({"error": clean(message, 2000), **extra}, status_code=status, headers=headers)


class Emulator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.data)
        self.store.adopt(next(iter(settings.users)))
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._work, name="ivrc-emulator-calls", daemon=True)
        self._sender = threading.Thread(target=self._send, name="ivrc-emulator-reports", daemon=True)

    # ---- the call loop: due campaigns are called in simulated time
    def start_worker(self) -> None:
        self._worker.start()
        self._sender.start()

    def stop_worker(self) -> None:
        self._stop.set()
        for thread in (self._worker, self._sender):
            if thread.is_alive():
                thread.join(timeout=5)

    def _send(self) -> None:
        """The outbox: reports kept in the database until their return_address took them, sent
        again after a restart; a failure waits 1, 2, 4 … 60 seconds, for a day at most."""
        import httpx

        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while not self._stop.wait(self.settings.tick):
                for report_id, key, address, report, attempts in self.store.due_reports(time.time()):
                    if self._stop.is_set():
                        return
                    if calls.deliver(client, address, report, key):
                        self.store.sent(report_id)
                    elif attempts >= MAX_ATTEMPTS:
                        log.warning("report %s was not taken after %d tries; it is dropped", key, attempts + 1)
                        self.store.sent(report_id)
                    else:
                        self.store.later(report_id, attempts + 1, time.time() + min(60, 2**attempts))

    def _work(self) -> None:
        while not self._stop.wait(self.settings.tick):
            try:
                self.run_due()
            except Exception:  # the loop must outlive one bad campaign
                log.exception("placing calls failed")

    def run_due(self) -> None:
        horizon = float("inf") if self.settings.no_wait else time.time()
        for key in self.store.due_campaigns(horizon):
            campaign = self.store.campaign(key)
            if campaign is None:
                continue
            unique_id = str(campaign["request"].get("unique_id") or key.rpartition("/")[2])
            try:
                numbers = self._numbers(key, campaign)
                placed = calls.place(
                    {**campaign, "unique_id": unique_id},
                    numbers,
                    self.settings.callee_script,
                    campaign["due"],
                    self.settings.region,
                )
            except Exception:  # one campaign that cannot be called must never hold up the others
                log.exception("a campaign cannot be called; it is marked failed")
                self.store.fail(key)
                continue
            address = str(campaign["request"].get("return_address") or "")
            reported = address and calls.callback_allowed(address, self.settings.allow_callbacks_to)
            self.store.finish(
                key,
                [(number, row) for number, row, _ in placed],
                [(f"{unique_id}/{i}", address, report) for i, (_, _, report) in enumerate(placed)] if reported else [],
            )

    def _numbers(self, key: str, campaign: dict[str, Any]) -> list[tuple[str, str, str]]:
        request = campaign["request"]
        if true(request.get("numbers_from_queue")) or true(request.get("from_campaign")):
            return self.store.numbers(key)
        single = request.get("number") or request.get("leg_a") or ""
        reading = phone.read(str(single), self.settings.region)
        return [
            (
                reading.digits or str(single).lstrip("+"),
                "",
                str(request.get("dtmf_originator") or request.get("dtmf_a") or ""),
            )
        ]

    # ---- the HTTP side
    def authorised(self, request: Request) -> str | None:
        """The user whose credentials came with the request, or None."""
        # `Basic` and the credentials, with one space or more between them (RFC 7235, 1*SP).
        scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
        encoded = encoded.strip(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):  # ValueError: a header that is not ASCII at all
            return None
        # api-notes 22: clients URI-escape both, as the document asks; curl, given them in a
        # URL as the document's commands do, sends them unescaped. Either form is accepted.
        # Every user is compared, so the time taken does not say which names exist.
        found = None
        for name, secret in self.settings.users.items():
            if matches(user, name) & matches(password, secret):
                found = name
        return found

    async def body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.settings.max_upload:
            raise Refused(413, f"the request is larger than {self.settings.max_upload // MB} MB")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.settings.max_upload:
                raise Refused(413, f"the request is larger than {self.settings.max_upload // MB} MB")
            chunks.append(chunk)
        data = b"".join(chunks)
        request._body = data  # Starlette reads a cached body for form() and json()
        return data

    async def form(self, request: Request) -> Any:
        await self.body(request)  # the size check, before any parsing
        if "multipart/form-data" not in request.headers.get("content-type", ""):
            raise Refused(400, "send the files as multipart/form-data (curl -F)")
        try:
            return await request.form(max_files=1000, max_fields=1000, max_part_size=self.settings.max_upload)
        except (HTTPException, ValueError) as error:
            raise Refused(400, f"the multipart form cannot be read: {getattr(error, 'detail', error)}") from None

    def validate(self, text: str, kind: str, owner: str) -> dict[str, Any]:
        """What the service refuses, or with --strict every error of `ivrc lint`; see checking.py."""
        return check(text, kind, self.settings.region, self.settings.strict, self.store.recordings(owner))

    async def create(self, request: Request, kind: str) -> JSONResponse:
        raw = await self.body(request)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused(400, "the request body is not UTF-8 text") from None
        if not text.strip():
            raise Refused(400, "the request body is empty; send the request JSON")
        # The checks are CPU work: off the event loop, so that other clients are never stalled.
        data = await run_in_threadpool(self.validate, text, kind, request.state.user)
        unique_id = str(data.get("unique_id") or uuid.uuid4())
        acceptable(data, unique_id)
        data["unique_id"] = unique_id
        key = campaign_key(request.state.user, unique_id)
        existing = self.store.campaign(key)
        if existing is not None:
            if existing["request"] == data and existing["kind"] == kind:
                return JSONResponse({"status": "exists", "unique_id": unique_id})  # a repeat of the same request
            raise Refused(409, f"a campaign {unique_id} already exists with other settings")
        self.store.add_campaign(key, kind, data, time.time())
        return JSONResponse({"status": "created", "unique_id": unique_id})

    def known(self, request: Request, unique_id: str) -> tuple[str, dict[str, Any]]:
        """The key and the campaign of this user's `unique_id`; another user's is as unknown."""
        key = campaign_key(request.state.user, unique_id)
        campaign = self.store.campaign(key)
        if campaign is None:
            raise Refused(404, f"no campaign {unique_id}")
        return key, campaign


def campaign_key(user: str, unique_id: str) -> str:
    """A campaign's key in the store: its user's, then its id (which holds no `/`)."""
    return f"{user}/{unique_id}"


def create_app(settings: Settings) -> Starlette:
    emulator = Emulator(settings)

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            request.state.user = emulator.authorised(request)
            if request.state.user is None:
                return _error(
                    401, "authentication failed: send the user name and password with HTTP Basic authentication"
                )
            try:
                response: Response = await handler(request)
                return response
            except Refused as refused:
                return _error(refused.status, str(refused), **refused.extra)

        return endpoint

    async def upload(request: Request) -> Response:
        form = await emulator.form(request)
        parts = [item for key, item in form.multi_items() if key == "recs[]"]
        if not parts:
            raise Refused(400, 'no files: send each recording in a field named recs[] (curl -F "recs[]=@hello.wav")')
        stored = [await recording(part) for part in parts]
        for name, data in stored:
            if not (data[:4] == b"RIFF" and data[8:12] == b"WAVE"):
                raise Refused(415, f"{clean(name)} is not a WAV file: recordings are uploaded as WAV (RIFF/WAVE)")
        emulator.store.put_recordings(request.state.user, stored, time.time())
        return JSONResponse({"status": "uploaded", "files": [name for name, _ in stored]})

    async def dialer(request: Request) -> Response:
        return await emulator.create(request, "dialer")

    async def simple_dialer(request: Request) -> Response:
        return await emulator.create(request, "simple_dialer")

    async def upload_phones(request: Request) -> Response:
        unique_id = request.path_params.get("unique_id")
        if not unique_id:
            raise Refused(400, "the campaign's unique_id goes in the path: /v2/calls/upload_phones/{unique_id}")
        key, _ = emulator.known(request, unique_id)
        form = await emulator.form(request)
        upload_file = form.get("numbers")
        if upload_file is None or not hasattr(upload_file, "read"):
            raise Refused(400, 'no file: send the phone list in a field named numbers (curl -F "numbers=@list.csv")')
        kind = list_format(upload_file.filename or "", upload_file.content_type or "")
        unpacked = unpack(kind, await upload_file.read(), emulator.settings.max_unpacked)
        try:
            text = unpacked.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused(400, "the phone list is not UTF-8 text") from None
        # Read, checked and stored as a stream, off the event loop: a million lines neither
        # fill the memory nor keep the other clients waiting.
        try:
            stored = await run_in_threadpool(
                emulator.store.put_numbers, key, phone_lines(text, emulator.settings.region)
            )
        except Empty:
            raise Refused(400, "the phone list has no numbers") from None
        if stored is None:
            raise Refused(409, f"campaign {unique_id} has started: its phone list can no longer change")
        count, replaced = stored
        # A list sent again before the start replaces the one before (a retried upload must
        # never call anyone twice), and the answer says so.
        return JSONResponse({"status": "uploaded", "unique_id": unique_id, "numbers": count, "replaced": replaced})

    async def start_campaign(request: Request) -> Response:
        unique_id = request.path_params["unique_id"]
        key, campaign = emulator.known(request, unique_id)
        data = campaign["request"]
        queued = true(data.get("numbers_from_queue")) or true(data.get("from_campaign"))
        if queued and not emulator.store.numbers(key):
            raise Refused(409, f"campaign {unique_id} takes its numbers from a phone list, and none was uploaded")
        now = time.time()
        if campaign["kind"] == "dialer":
            schedule = float(data.get("schedule") or 0)
            # api-notes 12: seconds from the moment the request arrived, not from the start.
            due = schedule if data.get("schedule_type") == "timestamp" else campaign["created"] + schedule
        else:
            dial_at = float(data.get("dial_at") or 0)
            due = dial_at if dial_at > 0 else now
        if not emulator.store.start(key, now, due):
            return JSONResponse({"status": "already started", "unique_id": unique_id})
        return JSONResponse({"status": "started", "unique_id": unique_id, "due": int(due)})

    async def cdr_by_campaign(request: Request) -> Response:
        key, _ = emulator.known(request, request.path_params["unique_id"])
        return Response(write_cdr(emulator.store.cdr(key)), media_type="text/csv; charset=utf-8")

    async def cdr_by_number(request: Request) -> Response:
        key, _ = emulator.known(request, request.path_params["unique_id"])
        number = request.path_params["phone_number"].lstrip("+")
        return Response(write_cdr(emulator.store.cdr(key, number)), media_type="text/csv; charset=utf-8")

    async def openapi_document(request: Request) -> Response:
        return JSONResponse(openapi())

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        said = "no such endpoint" if status == 404 else str(getattr(exc, "detail", "refused"))
        return _error(status, said, headers=getattr(exc, "headers", None))  # a 405's `Allow`

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected failure on %s", request.url.path)
        return _error(500, "the emulator failed on this request; its log says why")

    routes = [
        Route("/v2/calls/upload", guarded(upload), methods=["POST"]),
        Route("/v2/calls/dialer", guarded(dialer), methods=["POST"]),
        Route("/v2/calls/simple_dialer", guarded(simple_dialer), methods=["POST"]),
        Route("/v2/calls/upload_phones", guarded(upload_phones), methods=["POST"]),
        Route("/v2/calls/upload_phones/{unique_id}", guarded(upload_phones), methods=["POST"]),
        Route("/v2/calls/start_campaign/{unique_id}", guarded(start_campaign), methods=["POST"]),
        Route("/v2/calls/cdr_by_campaign/{unique_id}", guarded(cdr_by_campaign), methods=["GET"]),
        Route("/v2/calls/cdr_by_number/{unique_id}/{phone_number}", guarded(cdr_by_number), methods=["GET"]),
        Route("/openapi.json", openapi_document, methods=["GET"]),
    ]

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        emulator.start_worker()
        try:
            yield
        finally:
            emulator.stop_worker()
            emulator.store.close()

    app = Starlette(
        routes=routes, exception_handlers={HTTPException: not_found, Exception: server_error}, lifespan=lifespan
    )
    app.router.redirect_slashes = False  # `/v2/calls/dialer/` is no endpoint: a JSON 404, not an empty 307
    app.state.emulator = emulator
    return app

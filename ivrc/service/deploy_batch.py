"""Sending a personal campaign: one dialer request per recipient, with bounded concurrency and
a rate limit, each success recorded in the journal (`ivrc.service.batch_journal`) as soon as it is
known. A recipient already sent is never sent again unless asked by name (`--resend-changed`);
the first refusal of the credentials stops the batch at once; a Ctrl-C stops it within the
time the requests in flight take, and a second one at once."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from ivrc.service.batch_journal import UNKNOWN_REQUEST, BatchJournal, Known, sent_as


@dataclass
class Tally:
    """What a batch deploy did, for its closing summary."""

    total: int = 0
    created: int = 0
    started: int = 0
    skipped: int = 0  # already done, by the journal
    changed: int = 0  # sent before with other values: they keep the version they were sent
    resent: int = 0  # sent again on purpose, with --resend-changed
    failed: int = 0
    abandoned: int = 0  # requests in flight still unanswered when a Ctrl-C's grace ran out
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.started} started",
            f"{self.skipped} skipped as already done",
            f"{self.failed} failed",
        ]
        if self.resent:
            parts.append(f"{self.resent} sent again (--resend-changed)")
        if self.changed:
            parts.append(f"{self.changed} changed since they were sent, not sent again")
        return f"{self.total} recipients: " + ", ".join(parts) + "."


class RateLimit:
    """At most `rate` requests a second across every worker (none when rate is None)."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            moment = max(now, self._next)
            self._next = moment + self.interval
        if moment > now:
            self._sleep(moment - now)


@dataclass(frozen=True)
class Job:
    row: int
    unique_id: str  # the recipient's first unique_id: the journal's name for them
    line: str
    digest: str
    create: bool
    start: bool
    generation: int = 1  # 2 and on: a campaign sent again on purpose, as `ID-2`, `ID-3`…

    @property
    def sent_as(self) -> str:
        return sent_as(self.unique_id, self.generation)


# What the journal says of a recipient, and what is done about it.
NEW, START, DONE, CHANGED, RESEND = "new", "start", "done", "changed", "resend"


def decide(known: Known | None, digest: str, start: bool, resend_changed: bool) -> str:
    """One of NEW (send it), START (created: start it), DONE (nothing left), CHANGED (sent with
    other values: it keeps the version it was sent) and RESEND (sent again, by choice)."""
    if known is None or not known.created:
        return NEW
    if known.digest != digest:
        return RESEND if resend_changed else CHANGED
    return START if start and not known.started else DONE


@dataclass
class Outlook:
    """The plan's counts, before anything is sent: what each recipient will get."""

    new: int = 0
    start: int = 0
    done: int = 0
    changed: int = 0
    resend: int = 0
    second_calls: int = 0  # of the resent, those whose first campaign was started: called twice

    def add(self, decision: str, known: Known | None) -> None:
        setattr(self, decision, getattr(self, decision) + 1)
        if decision == RESEND and known is not None and known.started:
            self.second_calls += 1


def jobs_for(
    rows: Iterator[tuple[int, str, str]],
    journal: BatchJournal,
    start: bool,
    tally: Tally,
    progress: Callable[[], None],
    resend_changed: bool = False,
) -> Iterator[Job]:
    """The work left for each (row, unique_id, request line), as `decide` says. Recipients are
    known by their unique_id, wherever their row is now."""
    for row, unique_id, line in rows:
        tally.total += 1
        digest = journal.digest(line)
        known = journal.state(unique_id)
        decision = decide(known, digest, start, resend_changed)
        if decision in (DONE, CHANGED):
            tally.skipped += decision == DONE
            tally.changed += decision == CHANGED
            progress()
            continue
        if decision == START:
            assert known is not None
            yield Job(row, unique_id, line, digest, False, True, known.generation)
        elif decision == RESEND:
            assert known is not None
            yield Job(row, unique_id, line, digest, True, start, known.generation + 1)
        else:
            yield Job(row, unique_id, line, digest, True, start, known.generation if known else 1)


class Halted(Exception):
    """Sending stopped: no more requests, not even a retry of one in flight."""


class Stop:
    """Why a batch stops before its end: a Ctrl-C, or the service refusing the credentials.
    While sending, Ctrl-C sets it (no exception is raised into the sender, so no lock is left
    held); a second Ctrl-C ends the process at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None  # "interrupt" or "credentials"
        self.when = 0.0  # time.monotonic() of the stop
        self.in_flight = 0
        self._lock = threading.Lock()

    def set(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            self.when = time.monotonic()
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> None:
        """The retries' wait, cut short by a stop."""
        if self.event.wait(seconds):
            raise Halted

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def on_interrupt(self, signum: int, frame: Any) -> None:
        if self.reason == "interrupt":
            os.write(
                2,
                b"\nivrc: stopped at once. A request in flight may have reached the service; run the same command to "
                b"finish: what the service has is not sent twice.\n",
            )
            os._exit(130)
        self.set("interrupt")
        count = self.in_flight
        waiting = (
            f"waiting for the {count} request{'s' if count != 1 else ''} in flight" if count else "nothing is in flight"
        )
        os.write(2, f"\nivrc: stopping: nothing more is sent; {waiting} (Ctrl-C again to stop at once)\n".encode())

    def installed(self) -> Callable[[], None]:
        """Catch Ctrl-C for the time of sending (main thread only); returns the undoing."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = signal.signal(signal.SIGINT, self.on_interrupt)

        def undo() -> None:
            signal.signal(signal.SIGINT, previous)

        return undo


AUTH_STATUSES = frozenset({401, 403})
# After a Ctrl-C, how long the requests in flight are waited for. A slow service may hold them
# longer; they are then left, since the service takes a repeated unique_id for the campaign it has.
IN_FLIGHT_GRACE = 5.0


def send(
    jobs: Iterator[Job],
    client: Any,
    journal: BatchJournal,
    tally: Tally,
    concurrency: int,
    rate: float | None,
    progress: Callable[[], None],
    stop: Stop,
) -> None:
    """Send every job with at most `concurrency` requests in flight, recording each success in
    the journal as soon as it is known (on this thread: the journal is not shared). Nothing is
    sent after `stop` is set: jobs not begun are dropped, retries end, and only the requests
    already in flight are waited for."""
    from ivrc.service.api import ServiceError

    limit = RateLimit(rate, sleep=stop.sleep)
    client.retry = dataclasses.replace(client.retry, sleep=stop.sleep)
    Outcome = tuple[Job, bool, bool, str | None, bool]  # job, created, started, error, existed

    def work(job: Job) -> Outcome:
        created = started = False
        if stop.is_set():
            return job, False, False, None, False
        stop.begin()
        try:
            if job.create:
                limit.wait()
                request = json.loads(job.line)
                request["unique_id"] = job.sent_as
                client.dialer(request)
                created = True
            if job.start and not stop.is_set():
                limit.wait()
                client.start_campaign(job.sent_as)
                started = True
        except Halted:
            pass
        except ServiceError as error:
            if error.status in AUTH_STATUSES:
                stop.set("credentials")
            existed = error.status == 409 and job.create and not created
            return job, created, started, None if existed else str(error), existed
        finally:
            stop.end()
        return job, created, started, None, False

    def settle(done: set[Future[Outcome]]) -> None:
        for future in done:
            if future.cancelled():
                continue
            job, created, started, error, existed = future.result()
            if existed:  # the service has this campaign with other values (a journal lost or moved)
                journal.record(job.unique_id, UNKNOWN_REQUEST, job.generation, True, False)
                tally.changed += 1
            elif created or started:
                journal.record(job.unique_id, job.digest, job.generation, created or not job.create, started)
            tally.created += created
            tally.started += started
            tally.resent += created and job.generation > 1
            if error is not None:
                tally.failed += 1
                if len(tally.failures) < 20:
                    tally.failures.append(f"row {job.row}: {error}")
            elif not (created or started or existed):
                continue  # a job the stop came before: nothing was sent for it
            progress()

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ivrc-deploy")
    running: set[Future[Outcome]] = set()
    try:
        for job in jobs:
            while len(running) >= concurrency * 2 and not stop.is_set():  # a bounded window: memory stays flat
                done, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                settle(done)
            if stop.is_set():
                break
            running.add(pool.submit(work, job))
        while running:
            if stop.is_set():
                for future in running:
                    future.cancel()  # not begun: never sent
                if stop.reason == "interrupt" and time.monotonic() - stop.when > IN_FLIGHT_GRACE:
                    tally.abandoned = sum(1 for future in running if not future.done())
                    break
            done, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
            settle(done)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def progress_printer(
    total: int, say: Callable[[str], None], interactive: bool
) -> tuple[Callable[[], None], Callable[[], None]]:
    """A bar with rate and time left on a terminal; off one, a line at every tenth."""
    done = 0
    began = time.monotonic()
    if interactive:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TaskProgressColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed or 0:.0f} a second")

        bar = Progress(
            "sending",
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            Rate(),
            TimeRemainingColumn(),
            transient=True,
        )
        bar.start()
        task = bar.add_task("requests", total=total)

        def tick() -> None:
            bar.update(task, advance=1)

        return tick, bar.stop
    marks = {max(1, total * tenth // 10) for tenth in range(1, 11)}

    def line() -> None:
        nonlocal done
        done += 1
        if done in marks:
            elapsed = max(time.monotonic() - began, 1e-9)
            left = (total - done) / (done / elapsed)
            say(
                f"{done}/{total} recipients ({done * 100 // total}%), {done / elapsed:.0f} a second, about {left:.0f} "
                "s left"
            )

    return line, lambda: None

"""POST /validate's engine: `smartcity_kg.shapes.validate.Validator` in a process of its own.

SHACL validation of an upload takes CPU and parses what a client sent, so it runs in a separate
process (without network access where the OS allows, so nothing an upload names is ever fetched), one
validation at a time, killed and restarted when it outlives the timeout or dies. The process starts
with the server and loads the graph from the served dump (the same triples `smartcity-kg validate`
builds), so the first upload does not wait for a build.
"""

import asyncio
import multiprocessing
import threading
from pathlib import Path


class ValidationUnavailable(Exception):
    """The validator cannot be imported or started."""


class ValidationBusy(Exception):
    """Other uploads are being checked and queued; this one was not started."""


MAX_QUEUED = 2


class ValidationTimeout(Exception):
    """The validation outlived the timeout; its process was killed."""


class ValidationFailed(Exception):
    """The upload cannot be read, or the validator raised on it: a message for the client."""


def _load_validator(dist):
    from rdflib import Graph

    from smartcity_kg.namespaces import bind_all
    from smartcity_kg.query import dump_is_fresh
    from smartcity_kg.shapes.validate import Validator

    dump = Path(dist) / "smartcity.nt"
    if dump_is_fresh(dump):
        graph = bind_all(Graph())
        graph.parse(dump, format="nt")
        return Validator(graph=graph)
    return Validator()


def _serve(conn, dist):
    """The validator process: (data, fmt) in, ("ok", report) or (status, message) out."""
    from smartcity_kg.api.worker import isolate_network

    isolate_network()
    AdditionError = ValueError  # noqa: N806 (until the validator is imported)
    try:
        from smartcity_kg.shapes.validate import AdditionError
        validator = _load_validator(dist)
    except Exception as exc:
        validator, problem = None, f"the validator cannot start on this server ({type(exc).__name__}: {exc})"
    while True:
        try:
            data, fmt = conn.recv()
        except (EOFError, OSError):
            return
        if validator is None:
            conn.send(("unavailable", problem))
            continue
        try:
            report = validator.validate_addition(data, fmt)
            conn.send(("ok", {"conforms": report.conforms, "exit_code": report.exit_code,
                              "text": report.to_text(), "turtle": report.to_turtle(), "json": report.to_json(),
                              "summary": report.to_dict()}))
        except AdditionError as exc:
            conn.send(("unreadable", str(exc)))
        except Exception as exc:
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class ValidatorProcess:
    def __init__(self, settings):
        self.settings = settings
        self.ctx = multiprocessing.get_context("spawn")
        self.proc = None
        self.conn = None
        self.lock = asyncio.Lock()
        self.pending = 0  # being checked or waiting
        self.thread_lock = threading.Lock()

    def start(self):
        """Start the process (it loads the graph and the shapes in the background)."""
        with self.thread_lock:
            if self.proc is None or not self.proc.is_alive():
                self._stop()
                ours, theirs = self.ctx.Pipe()
                self.proc = self.ctx.Process(target=_serve, args=(theirs, str(self.settings.dist)),
                                             name="smartcity-kg-validate", daemon=True)
                self.proc.start()
                theirs.close()
                self.conn = ours

    def _call(self, data, fmt, timeout):
        self.start()
        with self.thread_lock:
            self.conn.send((data, fmt))
            if not self.conn.poll(timeout):
                self._stop()
                raise ValidationTimeout()
            try:
                status, payload = self.conn.recv()
            except (EOFError, OSError):
                self._stop()
                raise ValidationFailed("the validator process ended while checking this upload; it has been "
                                       "restarted") from None
        if status == "ok":
            return payload
        if status == "unavailable":
            raise ValidationUnavailable(payload)
        if status == "unreadable":
            raise ValidationFailed(f"the addition cannot be read: {payload}")
        raise ValidationFailed(f"the addition cannot be checked: {payload}")

    async def validate(self, data, fmt):
        """One check at a time; at most MAX_QUEUED wait, each at most the time limit (else ValidationBusy)."""
        if self.pending > MAX_QUEUED:
            raise ValidationBusy()
        self.pending += 1
        try:
            try:
                await asyncio.wait_for(self.lock.acquire(), self.settings.validate_timeout)
            except asyncio.TimeoutError:
                raise ValidationBusy() from None
            try:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(None, self._call, data, fmt, self.settings.validate_timeout)
            finally:
                self.lock.release()
        finally:
            self.pending -= 1

    def _stop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(timeout=5)
            self.proc = None

    def close(self):
        with self.thread_lock:
            self._stop()

"""The engine as the server sees it: a pool of query worker processes with a watchdog.

pyoxigraph cannot cancel a running query and can crash on pathological input, so queries never run in
the server process. A zygote (worker.py, a fresh interpreter) loads the store once and forks workers
that inherit it; each worker is one Unix socket away. For a query the pool takes an idle worker, writes
one request frame and awaits one reply frame on the event loop (no threads on the hot path). When the
deadline passes first, the worker is killed (SIGKILL through its pidfd: the CPU is free at once) and a
fresh one is forked from the zygote; a worker that dies (crash, memory limit) is replaced the same way.
The other workers go on serving meanwhile.
"""

import asyncio
import collections
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

from smartcity_kg.api import ipc

log = logging.getLogger("smartcity_kg.api.engine")


class EngineError(Exception):
    """The pool could not answer."""


class QueryTimeout(EngineError):
    """The query was still running at its deadline; its worker was killed."""


class Overloaded(EngineError):
    """No worker became free before the deadline."""


class WorkerLost(EngineError):
    """The worker running the query ended (crash or memory limit)."""

    def __init__(self, detail):
        super().__init__(detail)
        self.detail = detail


class EngineUnavailable(EngineError):
    """The store could not be loaded or no worker can be started."""


class Reply:
    __slots__ = ("status", "kind", "fmt", "body")

    def __init__(self, status, kind, fmt, body):
        self.status = status
        self.kind = kind
        self.fmt = fmt
        self.body = body


class Zygote:
    """The process holding the loaded store; forks workers on request (blocking calls)."""

    def __init__(self, settings):
        self.settings = settings
        self.proc = None
        self.ctrl = None
        self.info = {}
        self.lock = threading.Lock()

    def config(self):
        s = self.settings
        return {"dist": str(s.dist), "max_result_bytes": s.max_result_bytes, "query_timeout": s.query_timeout,
                "max_nesting": s.max_nesting,
                "worker_memory_mb": s.worker_memory_mb, "worker_stack_mb": s.worker_stack_mb,
                "service_allow": list(s.service_allow), "isolate_network": s.isolate_network}

    def start(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cmd = [sys.executable, "-m", "smartcity_kg.api.worker", str(theirs.fileno()), json.dumps(self.config())]
        self.proc = subprocess.Popen(cmd, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self.ctrl = ours
        msg = ours.recv(65536)
        if not msg or msg[:1] != b"R":
            self.stop()
            detail = msg[1:].decode("utf-8", "replace") if msg else "the store process ended while loading"
            raise EngineUnavailable(f"cannot load the store from {self.settings.dist}: {detail}")
        self.info = json.loads(msg[1:])
        log.info("store loaded: %s quads; query workers without network: %s",
                 self.info.get("quads"), self.info.get("network_isolated"))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def spawn(self):
        """A new worker: (pid, socket, pidfd or -1)."""
        with self.lock:
            if not self.alive():
                self.stop()
                self.start()
            self.ctrl.send(b"S")
            msg, fds, _flags, _addr = socket.recv_fds(self.ctrl, 16, 2)
            if len(msg) != 4 or not fds:
                for fd in fds:
                    os.close(fd)
                raise EngineUnavailable("the store process did not hand over a worker")
            pid = struct.unpack("!i", msg)[0]
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=fds[0])
            pidfd = fds[1] if len(fds) > 1 else -1
            return pid, sock, pidfd

    def stop(self):
        if self.ctrl is not None:
            self.ctrl.close()
            self.ctrl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


class Worker:
    __slots__ = ("pid", "pidfd", "transport", "conn", "alive")

    def __init__(self, pid, pidfd):
        self.pid = pid
        self.pidfd = pidfd
        self.transport = None
        self.conn = None
        self.alive = True

    def kill(self):
        if not self.alive:
            return
        self.alive = False
        try:
            if self.pidfd >= 0:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass
        self.close()

    def close(self):
        if self.transport is not None:
            self.transport.close()
        if self.pidfd >= 0:
            try:
                os.close(self.pidfd)
            except OSError:
                pass
            self.pidfd = -1


class _Connection(asyncio.Protocol):
    """Reads reply frames from one worker and resolves the waiting future."""

    def __init__(self, pool, worker):
        self.pool = pool
        self.worker = worker
        self.waiter = None
        self.chunks = []
        self.have = 0
        self.need = -1

    def data_received(self, data):
        if self.need < 0 and not self.chunks and len(data) >= ipc.REPLY.size:
            # The common case: the whole reply (or at least its header) in one chunk.
            status, kind, fmt, n = ipc.REPLY.unpack_from(data)
            end = ipc.REPLY.size + n
            if len(data) == end:
                self._deliver(Reply(status, kind, fmt, data[ipc.REPLY.size:]))
                return
        self.chunks.append(data)
        self.have += len(data)
        if self.need < 0:
            if self.have < ipc.REPLY.size:
                return
            head = b"".join(self.chunks)
            self.chunks = [head]
            status, kind, fmt, n = ipc.REPLY.unpack_from(head)
            self.need = ipc.REPLY.size + n
        if self.have >= self.need:
            data = b"".join(self.chunks)
            status, kind, fmt, n = ipc.REPLY.unpack_from(data)
            self.chunks, self.have, self.need = [], 0, -1
            self._deliver(Reply(status, kind, fmt, data[ipc.REPLY.size:ipc.REPLY.size + n]))

    def _deliver(self, reply):
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(reply)

    def connection_lost(self, exc):
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(WorkerLost(self.pool.exit_detail(self.worker)))
        self.pool._lost(self.worker)


def _expire(fut, exc):
    if not fut.done():
        fut.set_exception(exc)


class EnginePool:
    """Query worker processes on the server's event loop."""

    def __init__(self, settings):
        self.settings = settings
        self.zygote = Zygote(settings)
        self.loop = None
        self.idle = collections.deque()
        self.waiters = collections.deque()
        self.workers = set()
        self.replacing = 0
        self.closed = False
        self.stats = {"queries": 0, "timeouts": 0, "workers_lost": 0, "workers_started": 0}

    @property
    def info(self):
        return self.zygote.info

    async def open(self):
        """Load the store and start the workers (call on the server's loop)."""
        self.loop = asyncio.get_running_loop()
        await self.loop.run_in_executor(None, self.zygote.start)
        for _ in range(self.settings.workers):
            worker = await self._start_worker()
            self._release(worker)

    async def close(self):
        self.closed = True
        for worker in list(self.workers):
            worker.kill()
        self.workers.clear()
        self.idle.clear()
        while self.waiters:
            fut = self.waiters.popleft()
            if not fut.done():
                fut.set_exception(EngineUnavailable("the server is shutting down"))
        if self.loop is not None:
            await self.loop.run_in_executor(None, self.zygote.stop)
        else:
            self.zygote.stop()

    async def _start_worker(self):
        pid, sock, pidfd = await self.loop.run_in_executor(None, self.zygote.spawn)
        worker = Worker(pid, pidfd)
        transport, conn = await self.loop.create_connection(lambda: _Connection(self, worker), sock=sock)
        worker.transport, worker.conn = transport, conn
        self.workers.add(worker)
        self.stats["workers_started"] += 1
        return worker

    def _release(self, worker):
        if not worker.alive:
            return
        waiters = self.waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(worker)
                return
        self.idle.append(worker)

    def _lost(self, worker):
        if not worker.alive and worker not in self.workers:
            return
        was_alive = worker.alive
        worker.alive = False
        worker.close()
        self.workers.discard(worker)
        try:
            self.idle.remove(worker)
        except ValueError:
            pass
        if was_alive:
            self.stats["workers_lost"] += 1
        self._replace()

    def _replace(self):
        if self.closed:
            return
        self.replacing += 1
        self.loop.create_task(self._replacement())

    async def _replacement(self):
        try:
            worker = await self._start_worker()
        except Exception as exc:  # keep serving with the workers left
            log.error("cannot start a query worker: %s", exc)
            return
        finally:
            self.replacing -= 1
        if self.closed:
            worker.kill()
        else:
            self._release(worker)

    def exit_detail(self, worker):
        return f"query worker {worker.pid} ended"

    async def _acquire(self, deadline):
        if self.idle:
            return self.idle.pop()
        if self.closed or (not self.workers and not self.replacing):
            raise EngineUnavailable("no query worker is running")
        fut = self.loop.create_future()
        self.waiters.append(fut)
        handle = self.loop.call_at(deadline, _expire, fut, Overloaded())
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._release(fut.result())
            raise
        finally:
            handle.cancel()

    async def run(self, frame, deadline):
        """Send one request frame; the worker's Reply, or QueryTimeout / Overloaded / WorkerLost."""
        worker = await self._acquire(deadline)
        fut = self.loop.create_future()
        worker.conn.waiter = fut
        worker.transport.write(frame)
        self.stats["queries"] += 1
        handle = self.loop.call_at(deadline, _expire, fut, QueryTimeout())
        try:
            reply = await fut
        except QueryTimeout:
            self.stats["timeouts"] += 1
            self._kill_and_replace(worker)
            raise
        except WorkerLost:
            raise
        except BaseException:
            # Cancelled while the worker was busy: its reply would arrive for nobody.
            self._kill_and_replace(worker)
            raise
        finally:
            handle.cancel()
        self._release(worker)
        return reply

    def _kill_and_replace(self, worker):
        if worker.alive:
            worker.kill()
            self.workers.discard(worker)
            self._replace()

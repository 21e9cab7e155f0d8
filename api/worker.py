"""The query side of the engine: a zygote process that loads the store once and forks query workers.

Started by the server as `python -m smartcity_kg.api.worker CTRL_FD SETTINGS_JSON` (a fresh
interpreter, so the server's threads and event loop never meet fork). The zygote loads the dumps into
one pyoxigraph Store, then waits on its control socket: each b"S" forks a worker that inherits the
loaded store (copy-on-write, no reload) and is handed back to the server as a socket and a pidfd.

A worker answers one request at a time (ipc.REQUEST in, ipc.REPLY out) on a thread with a large
stack, under an address-space limit and a CPU-time limit re-armed per query, without network access
unless SERVICE endpoints are allowed. The server kills it when a query outlives the timeout; the
kernel kills it if the server or the zygote goes away.
"""

import ctypes
import json
import math
import os
import resource
import signal
import socket
import struct
import sys
import threading
from xml.parsers import expat

import pyoxigraph as ox

from smartcity_kg.api import guard, ipc
from smartcity_kg.namespaces import BASE, QUERY_PREFIXES as DEFAULT_PREFIXES

# Besides the default graph (the dump), the store holds two named graphs.
ONTOLOGY_GRAPH = BASE + "def"
VOID_GRAPH = BASE + "id/dataset"

RESULTS_FORMATS = {
    ipc.RESULTS_JSON: ox.QueryResultsFormat.JSON,
    ipc.RESULTS_XML: ox.QueryResultsFormat.XML,
    ipc.RESULTS_CSV: ox.QueryResultsFormat.CSV,
    ipc.RESULTS_TSV: ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    ipc.GRAPH_TURTLE: ox.RdfFormat.TURTLE,
    ipc.GRAPH_NTRIPLES: ox.RdfFormat.N_TRIPLES,
    ipc.GRAPH_JSONLD: ox.RdfFormat.JSON_LD,
    ipc.GRAPH_RDFXML: ox.RdfFormat.RDF_XML,
}

PR_SET_PDEATHSIG = 1
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def load_store(dist):
    """The dump in the default graph; the ontology and the VoID description as named graphs."""
    from smartcity_kg.query import load_store as load_dump

    store = load_dump(dist)
    for name, graph in (("ontology.ttl", ONTOLOGY_GRAPH), ("void.ttl", VOID_GRAPH)):
        path = os.path.join(str(dist), name)
        if os.path.exists(path):
            store.bulk_load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return store


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def die_with_parent():
    """Ask the kernel to kill this process when its parent ends (Linux; no-op elsewhere)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def isolate_network():
    """Move this process into an empty network namespace. True when done."""
    libc = _libc()
    if libc is None or not hasattr(libc, "unshare"):
        return False
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0


class _CappedWriter:
    """A binary sink for the engine's serialiser that stops it at `cap` bytes."""

    __slots__ = ("parts", "size", "cap", "exceeded")

    def __init__(self, cap):
        self.parts = []
        self.size = 0
        self.cap = cap
        self.exceeded = False

    def write(self, data):
        self.size += len(data)
        if self.size > self.cap:
            self.exceeded = True
            raise OSError("result too large")
        self.parts.append(data)
        return len(data)

    def flush(self):
        pass

    def value(self):
        parts = self.parts
        return parts[0] if len(parts) == 1 else b"".join(parts)


XML_FORMATS = {ox.QueryResultsFormat.XML: "SPARQL XML", ox.RdfFormat.RDF_XML: "RDF/XML"}


def well_formed(body):
    """True when the bytes are well-formed namespaced XML (the engine's XML writers can emit what is not)."""
    parser = expat.ParserCreate(namespace_separator=" ")  # with namespaces: "p:" is no element name
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return True


def _graphs(blob):
    return [ox.NamedNode(iri) for iri in blob.decode("utf-8").split("\n") if iri]


def execute(store, payload, lq, ldg, lng, rfmt, gfmt, flags, max_bytes, max_nesting=64, service_allow=()):
    """Run one query; returns (status, kind, format, body)."""
    kind = 0
    out = None
    query = ""
    try:
        query = payload[:lq].decode("utf-8")
        try:
            guard.check(query, max_nesting, service_allow)
        except guard.Refused as exc:
            return (ipc.REFUSED_POLICY if exc.status == 403 else ipc.REFUSED), 0, 0, exc.message.encode("utf-8")
        if flags:
            kwargs = {}
            if flags & ipc.FLAG_DEFAULT_GRAPHS:
                graphs = _graphs(payload[lq:lq + ldg])
                if flags & ipc.FLAG_STORE_DEFAULT:
                    graphs.insert(0, ox.DefaultGraph())
                kwargs["default_graph"] = graphs
            if flags & ipc.FLAG_NAMED_GRAPHS:
                kwargs["named_graphs"] = _graphs(payload[lq + ldg:lq + ldg + lng])
            results = store.query(query, prefixes=DEFAULT_PREFIXES, **kwargs)
        else:
            results = store.query(query, prefixes=DEFAULT_PREFIXES)
        if isinstance(results, ox.QuerySolutions):
            kind, fmt, oxfmt = ipc.KIND_SOLUTIONS, rfmt, RESULTS_FORMATS.get(rfmt)
        elif isinstance(results, ox.QueryBoolean):
            kind, fmt, oxfmt = ipc.KIND_BOOLEAN, rfmt, RESULTS_FORMATS.get(rfmt)
        else:
            kind, fmt, oxfmt = ipc.KIND_GRAPH, gfmt, GRAPH_FORMATS.get(gfmt)
        if oxfmt is None:
            return ipc.NOT_ACCEPTABLE, kind, 0, b""
        out = _CappedWriter(max_bytes)
        results.serialize(out, format=oxfmt)
        body = out.value()
        if oxfmt in XML_FORMATS and not well_formed(body):
            return ipc.UNWRITABLE, kind, 0, (
                f"the engine cannot write this result as well-formed {XML_FORMATS[oxfmt]} (a predicate IRI "
                "that ends in no name, or a control character in a literal); ask for another format").encode()
        return ipc.OK, kind, fmt, body
    except SyntaxError as exc:
        if guard.looks_like_update(query):
            return ipc.UPDATE_REFUSED, kind, 0, b""
        return ipc.SYNTAX_ERROR, kind, 0, str(exc).encode("utf-8", "replace")
    except OSError as exc:
        if out is not None and out.exceeded:
            return ipc.TOO_LARGE, kind, 0, str(max_bytes).encode()
        # With no SERVICE endpoint allowed, no query reaches the network: the error is the engine's.
        status = ipc.REMOTE_ERROR if service_allow else ipc.UNWRITABLE
        return status, kind, 0, str(exc).encode("utf-8", "replace")
    except Exception as exc:  # anything else the engine raises is about this query
        return ipc.EVALUATION_ERROR, kind, 0, f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")


def _recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            return None
        got += k
    return buf


def serve(sock, store, cfg):
    """The worker's loop: one request, one reply, until the server closes the socket."""
    max_bytes = cfg["max_result_bytes"]
    max_nesting = cfg.get("max_nesting", 64)
    service_allow = tuple(cfg.get("service_allow") or ())
    cpu_allowance = math.ceil(cfg["query_timeout"]) + 2
    header_size = ipc.REQUEST.size
    unpack = ipc.REQUEST.unpack
    pack_reply = ipc.REPLY.pack
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        header = _recv_exact(sock, header_size)
        if header is None:
            return
        op, rfmt, gfmt, flags, lq, ldg, lng = unpack(header)
        payload = _recv_exact(sock, lq + ldg + lng) if lq + ldg + lng else b""
        if payload is None:
            return
        payload = bytes(payload)
        # A backstop for the server's watchdog: the kernel ends a query that keeps the CPU too long.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        limit = int(usage.ru_utime + usage.ru_stime) + cpu_allowance
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
        status, kind, fmt, body = execute(store, payload, lq, ldg, lng, rfmt, gfmt, flags, max_bytes,
                                         max_nesting, service_allow)
        head = pack_reply(status, kind, fmt, len(body))
        if len(body) < 65536:
            sock.sendall(head + body)
        else:
            sock.sendall(head)
            sock.sendall(body)


def _address_space():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def run_worker(sock, store, cfg):
    stack = cfg["worker_stack_mb"] * 1024 * 1024
    try:
        limit = _address_space() + stack + cfg["worker_memory_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass
    threading.stack_size(stack)
    thread = threading.Thread(target=serve, args=(sock, store, cfg), name="query")
    thread.start()
    thread.join()


def spawn(ctrl, store, cfg):
    """Fork one worker; hand its socket (and a pidfd) to the server."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ctrl.close()
            mine.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            die_with_parent()
            run_worker(theirs, store, cfg)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    fds = [mine.fileno()]
    pidfd = -1
    try:
        pidfd = os.pidfd_open(pid)
        fds.append(pidfd)
    except (AttributeError, OSError):
        pass
    try:
        socket.send_fds(ctrl, [struct.pack("!i", pid)], fds)
    finally:
        mine.close()
        if pidfd >= 0:
            os.close(pidfd)


def zygote(ctrl_fd, cfg):
    ctrl = socket.socket(fileno=ctrl_fd)
    try:
        import rdflib.plugins.sparql.parser  # noqa: F401  (for guard.service_targets, once for every worker)

        store = load_store(cfg["dist"])
        isolated = False
        if cfg["isolate_network"] and not cfg["service_allow"]:
            isolated = isolate_network()
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
        ready = {"quads": len(store), "network_isolated": isolated, "pid": os.getpid()}
        ctrl.send(b"R" + json.dumps(ready).encode())
    except BaseException as exc:
        ctrl.send(b"E" + f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:60000])
        return 1
    while True:
        try:
            msg = ctrl.recv(16)
        except InterruptedError:
            continue
        except OSError:
            return 0
        if not msg:      # the server has gone: so do we (and, by PDEATHSIG, the workers)
            return 0
        if msg == b"S":
            spawn(ctrl, store, cfg)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which closes the socket
    return zygote(int(argv[1]), json.loads(argv[2]))


if __name__ == "__main__":
    sys.exit(main())

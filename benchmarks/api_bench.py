#!/usr/bin/env python3
"""Benchmark of the SPARQL endpoint: the competency questions (queries/*.rq) over HTTP against

  ours       `smartcity-kg serve` (query timeout, worker pool and every limit switched on, as deployed)
  inproc     pyoxigraph in this process: store.query(q).serialize(JSON), no HTTP (the bare engine)
  rdflib     rdflib-endpoint serving the same dump with rdflib's in-memory engine
  virtuoso   OpenLink Virtuoso (Debian's virtuoso-opensource) loaded with the same dump

in ONE interleaved run (each round runs every query once against every target, in a shuffled order,
so that load from elsewhere on the machine falls on all of them alike), uncached (no target caches
results; every request is evaluated). It prints the median and p95 latency per query and target, the
geometric means and the three target ratios, then the throughput of each target under concurrent load.

Everything listens on 127.0.0.1 only; the run is bounded in count (--rounds, --throughput-requests)
and time (--max-seconds, --throughput-seconds). The HTTP client is the same minimal keep-alive
HTTP/1.1 client for every HTTP target (GET /sparql?query=…, Accept: application/sparql-results+json),
timed until the last byte of the body.

    python benchmarks/api_bench.py                     # all four targets
    python benchmarks/api_bench.py --targets ours,inproc --rounds 50

Needs: the package (pip install -e .), rdflib-endpoint[cli] (pip), virtuoso-opensource (apt; the
virtuoso-t and isql-vt binaries). A target whose software is missing is skipped with a note.
Not a test: nothing here asserts a time.
"""

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCEPT = b"application/sparql-results+json"
TARGETS = ("ours", "inproc", "rdflib", "virtuoso")


# --- a minimal HTTP/1.1 keep-alive client (the same for every HTTP target) -------------------

class HttpClient:
    def __init__(self, host, port, timeout=30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = None
        self.buf = b""

    def connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def get(self, target):
        """(status, body) of GET target; reconnects once if the server closed the connection."""
        for attempt in (0, 1):
            if self.sock is None:
                self.connect()
            try:
                return self._get(target)
            except socket.timeout:
                self.close()
                raise TimeoutError(f"no answer within {self.timeout:g} s") from None
            except (ConnectionError, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _get(self, target):
        self.sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + self.host.encode() + b"\r\nAccept: " + ACCEPT
                          + b"\r\nUser-Agent: smartcity-kg-bench\r\n\r\n")
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = bytearray()
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                size_line, _, self.buf = self.buf.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
            body = bytes(body)
        elif b"content-length" in headers:
            n = int(headers[b"content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        else:  # until close
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            body, self.buf = self.buf, b""
            self.close()
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path, proc, patience, what):
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            client = HttpClient("127.0.0.1", port)
            status, _ = client.get(path)
            client.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer on port {port} within {patience} s")


# --- targets ---------------------------------------------------------------------------------

class HttpTarget:
    path = "/sparql"
    request_timeout = 30.0

    def __init__(self, name):
        self.name = name
        self.proc = None
        self.port = None
        self.log = None
        self.client = None

    def restart(self):
        """After a request timed out: a server with no query timeout of its own is still busy with it."""

    def request_target(self, query):
        return (self.path + "?" + urllib.parse.urlencode({"query": query})).encode()

    def prepare(self, queries):
        self.targets = [self.request_target(q) for q in queries]
        self.client = HttpClient("127.0.0.1", self.port, self.request_timeout)

    def run(self, i):
        status, body = self.client.get(self.targets[i])
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        return body

    def worker(self):
        """A callable for one concurrent client."""
        client = HttpClient("127.0.0.1", self.port, self.request_timeout)

        def run(i):
            status, body = client.get(self.targets[i])
            if status != 200:
                raise RuntimeError(f"HTTP {status}")
            return body

        run.close = client.close
        return run

    def _spawn(self, cmd, env=None, cwd=None):
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{self.name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)

    def stop(self):
        if self.client is not None:
            self.client.close()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.log is not None:
            self.log.close()
            os.unlink(self.log.name)
            self.log = None


class Ours(HttpTarget):
    def __init__(self, dist, timeout):
        super().__init__("ours")
        self.port = free_port()
        self._spawn([sys.executable, "-m", "smartcity_kg.cli", "serve", "--host", "127.0.0.1", "--port",
                     str(self.port), "--dist", str(dist), "--query-timeout", str(timeout)])
        wait_http(self.port, b"/sparql?query=ASK%7B%7D", self.proc, 120, "smartcity-kg serve")


class RdflibEndpoint(HttpTarget):
    def __init__(self, dist):
        super().__init__("rdflib")
        self.path = "/"  # rdflib-endpoint serves SPARQL at its root
        try:
            import rdflib_endpoint  # noqa: F401
        except ImportError:
            raise RuntimeError("rdflib-endpoint is not installed (pip install 'rdflib-endpoint[cli]')") from None
        self.dist = dist
        self.start()

    def start(self):
        self.port = free_port()
        self._spawn([sys.executable, "-m", "rdflib_endpoint", "serve", str(Path(self.dist) / "smartcity.nt"),
                     "--host", "127.0.0.1", "--port", str(self.port)])
        wait_http(self.port, b"/?query=ASK%7B%7D", self.proc, 300, "rdflib-endpoint")

    def restart(self):
        # rdflib-endpoint has no query timeout: the abandoned query would block it for good.
        self.stop()
        self.start()
        self.client = HttpClient("127.0.0.1", self.port, self.request_timeout)


VIRTUOSO_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {data}
ThreadsPerQuery = 2
MaxQueryMem = 2G
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
EnabledGzipContent = 0
Charset = UTF-8
[Client]
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 30
"""


class Virtuoso(HttpTarget):
    GRAPH = "https://w3id.org/smartcity-kg/graph/bench"

    def __init__(self, dist):
        super().__init__("virtuoso")
        exe = shutil.which("virtuoso-t")
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if not exe or not isql:
            raise RuntimeError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
        self.dir = Path(tempfile.mkdtemp(prefix="bench-virtuoso-"))
        (self.dir / "db").mkdir()
        (self.dir / "data").mkdir()
        shutil.copy(Path(dist) / "smartcity.nt", self.dir / "data" / "smartcity.nt")
        self.port = free_port()
        sql_port = free_port()
        ini = self.dir / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=self.dir / "db", data=self.dir / "data", sql_port=sql_port,
                                           http_port=self.port))
        self._spawn([exe, "+foreground", "+configfile", str(ini)], cwd=str(self.dir))
        wait_http(self.port, b"/sparql?query=ASK%7B%7D", self.proc, 180, "virtuoso-t")
        script = (f"ld_dir('{self.dir / 'data'}', 'smartcity.nt', '{self.GRAPH}');\n"
                  "rdf_loader_run();\ncheckpoint;\n"
                  f"SPARQL SELECT COUNT(*) FROM <{self.GRAPH}> WHERE {{ ?s ?p ?o }};\n")
        out = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba"], input=script, capture_output=True,
                             text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"loading Virtuoso failed: {out.stdout[-500:]} {out.stderr[-500:]}")
        self.loaded = out.stdout

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class InProcess:
    name = "inproc"

    def restart(self):
        pass

    def __init__(self, dist):
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store()
        self.store.bulk_load(path=str(Path(dist) / "smartcity.nt"), format=ox.RdfFormat.N_TRIPLES)

    def prepare(self, queries):
        self.queries = queries

    def run(self, i):
        return self.store.query(self.queries[i]).serialize(format=self.ox.QueryResultsFormat.JSON)

    def worker(self):
        def run(i):
            return self.run(i)

        run.close = lambda: None
        return run

    def stop(self):
        pass


# --- measuring -------------------------------------------------------------------------------

def rows_of(body):
    data = json.loads(body)
    if "boolean" in data:
        return 1
    return len(data["results"]["bindings"])


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def latency_run(targets, names, rounds, max_seconds, seed, failed):
    rng = random.Random(seed)
    times = {t.name: [[] for _ in names] for t in targets}
    started = time.monotonic()
    done = 0
    for _ in range(rounds):
        if time.monotonic() - started > max_seconds:
            break
        for i in range(len(names)):
            order = list(targets)
            rng.shuffle(order)
            for t in order:
                if i in failed[t.name]:
                    continue
                t0 = time.perf_counter()
                try:
                    t.run(i)
                except Exception as exc:  # a target that cannot answer a query is reported, not timed
                    failed[t.name][i] = str(exc)[:120]
                    if isinstance(exc, TimeoutError):
                        t.restart()
                    continue
                times[t.name][i].append(time.perf_counter() - t0)
        done += 1
    return times, failed, done


def throughput_run(target, n_queries, concurrency, seconds, max_requests, skip):
    stop = time.monotonic() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency
    budget = [max_requests]
    lock = threading.Lock()
    runnable = [i for i in range(n_queries) if i not in skip]

    def client(k):
        run = target.worker()
        j = k
        try:
            while time.monotonic() < stop:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                try:
                    run(runnable[j % len(runnable)])
                    counts[k] += 1
                except Exception:
                    errors[k] += 1
                j += 1
        finally:
            run.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    return sum(counts) / elapsed, sum(counts), sum(errors), elapsed


def ensure_dist(dist):
    from smartcity_kg.api.serve import dist_is_fresh

    if dist is None:
        dist = Path(tempfile.mkdtemp(prefix="bench-dist-"))
    dist = Path(dist)
    if not dist_is_fresh(dist):
        from smartcity_kg.graph.build import build

        print(f"building the graph into {dist} …", flush=True)
        build(dist)
    return dist


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dist", help="built dumps (default: build into a temporary folder)")
    p.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ", ".join(TARGETS))
    p.add_argument("--rounds", type=int, default=30, help="latency rounds (each: every query once per target)")
    p.add_argument("--max-seconds", type=float, default=600, help="stop the latency rounds after this long")
    p.add_argument("--concurrency", type=int, default=4, help="concurrent clients in the throughput run")
    p.add_argument("--throughput-seconds", type=float, default=5, help="length of each target's throughput run")
    p.add_argument("--throughput-requests", type=int, default=5000, help="at most this many requests per target")
    p.add_argument("--query-timeout", type=float, default=10.0, help="smartcity-kg serve --query-timeout")
    p.add_argument("--request-timeout", type=float, default=30.0,
                   help="client timeout per request; a target that passes it fails that query (and is restarted "
                        "when it has no timeout of its own)")
    p.add_argument("--seed", type=int, default=2012)
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)
    HttpTarget.request_timeout = args.request_timeout

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)  # so that the servers started here are stopped

    from smartcity_kg.resources import queries_dir

    files = sorted(queries_dir().glob("cq*.rq"))
    names = [f.stem.split("-")[0] for f in files]
    queries = [f.read_text(encoding="utf-8") for f in files]
    dist = ensure_dist(args.dist)
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    targets, notes = [], []
    makers = {"ours": lambda: Ours(dist, args.query_timeout), "inproc": lambda: InProcess(dist),
              "rdflib": lambda: RdflibEndpoint(dist), "virtuoso": lambda: Virtuoso(dist)}
    try:
        for name in wanted:
            print(f"starting {name} …", flush=True)
            try:
                target = makers[name]()
            except Exception as exc:
                notes.append(f"{name}: skipped ({exc})")
                print(f"  skipped: {exc}", flush=True)
                continue
            target.prepare(queries)
            targets.append(target)

        # Warm-up: every query once per target, and the row counts compared with the engine's.
        reference = {}
        failed = {t.name: {} for t in targets}
        for t in targets:
            for i in range(len(queries)):
                try:
                    rows = rows_of(t.run(i))
                except Exception as exc:
                    failed[t.name][i] = str(exc)[:120]
                    if isinstance(exc, TimeoutError):
                        t.restart()
                    continue
                if t.name == "inproc" or i not in reference:
                    reference.setdefault(i, rows)
                if rows != reference.get(i, rows):
                    notes.append(f"{t.name} {names[i]}: {rows} rows, in-process pyoxigraph {reference[i]}")

        print(f"latency: up to {args.rounds} interleaved rounds …", flush=True)
        times, failed, rounds = latency_run(targets, names, args.rounds, args.max_seconds, args.seed, failed)

        tnames = [t.name for t in targets]
        medians = {t: {} for t in tnames}
        print()
        print(f"Latency per query, ms: median / p95 over {rounds} rounds "
              f"(graph: {dist / 'smartcity.nt'}, {sum(1 for _ in open(dist / 'smartcity.nt', 'rb'))} triples)")
        header = f"{'query':8}" + "".join(f"{t:>22}" for t in tnames)
        print(header)
        print("-" * len(header))
        for i, qname in enumerate(names):
            cells = []
            for t in tnames:
                samples = times[t][i]
                if i in failed[t] or not samples:
                    cells.append(f"{'failed':>22}")
                    continue
                med, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
                medians[t][i] = med
                cells.append(f"{med:>11.2f} /{p95:>8.2f}")
            print(f"{qname:8}" + "".join(cells))
        print("-" * len(header))
        print(f"{'geomean':8}" + "".join(f"{geomean(list(medians[t].values())):>22.2f}" for t in tnames))
        for t in tnames:
            for i, why in sorted(failed[t].items()):
                print(f"  {t} failed {names[i]}: {why}")
        print()

        ratios = {}
        if "ours" in medians:
            for other, target_ratio, label in (("rdflib", 15, "faster than rdflib-endpoint"),
                                               ("virtuoso", 3, "faster than Virtuoso"),
                                               ("inproc", 0.6, "of in-process pyoxigraph's speed")):
                if other not in medians:
                    continue
                common = [i for i in medians["ours"] if i in medians[other]]
                ratio = geomean([medians[other][i] / medians["ours"][i] for i in common])
                ratios[other] = ratio
                verdict = "met" if ratio >= target_ratio else "NOT met"
                print(f"ours vs {other:9}: {ratio:6.2f}x {label} (geomean over {len(common)} queries; "
                      f"target >= {target_ratio}x: {verdict})")
            print()

        print(f"Throughput: {args.concurrency} concurrent clients cycling through the queries, "
              f"{args.throughput_seconds:g} s or {args.throughput_requests} requests per target")
        tput = {}
        for t in targets:
            qps, n, errors, elapsed = throughput_run(t, len(queries), args.concurrency, args.throughput_seconds,
                                                     args.throughput_requests, failed[t.name])
            tput[t.name] = qps
            print(f"  {t.name:9} {qps:9.1f} queries/s  ({n} answered, {errors} errors, {elapsed:.1f} s)")
        for note in notes:
            print("note:", note)
        if args.json:
            Path(args.json).write_text(json.dumps({
                "queries": names, "rounds": rounds,
                "median_ms": {t: {names[i]: v for i, v in medians[t].items()} for t in tnames},
                "p95_ms": {t: {names[i]: percentile(times[t][i], 0.95) * 1000 for i in medians[t]} for t in tnames},
                "ratios": ratios, "throughput_qps": tput, "notes": notes}, indent=1))
    finally:
        for t in targets:
            t.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

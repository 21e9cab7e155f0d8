"""Every command and query in docs/*.md and README.md runs, so the docs cannot rot.

How each fenced block is checked, by its language:

- ``sh``: every command is run with bash, in order, in a fresh workspace per page
  (a temporary folder where `.venv` is this test's environment and `queries/`,
  `shapes/`, `graph/`, `ontology/`, `docs/` are the repository's, and `dist/` is
  the build of the `dist` fixture), and must exit 0. Four kinds of line are
  checked otherwise, each for the reason given:
  * ``make TARGET``: run as ``make -n TARGET`` in the repository (the target
    exists and its recipe expands): installing takes minutes and the network,
    and this suite already runs inside the environment ``make setup`` makes;
  * ``smartcity-kg build``: run with ``--help`` appended (the options parse);
    the build itself is the `dist` fixture's (the same function), whose outputs
    tests/test_graph.py checks, and it takes longer than all the rest;
  * ``smartcity-kg serve``: started for real in the background on a free
    loopback port (``--port`` replaced), waited for, used by the blocks after
    it on the page (``127.0.0.1:8000`` in them becomes the free port), and
    stopped at the end of the page;
  * ``python docs/make_diagram.py``: not run, because it rewrites the committed
    docs/ontology.* and needs Graphviz; instead its term check runs and its
    output must equal the committed docs/ontology.dot, and docs/ontology.svg
    must show every class and property of it.
- ``text`` after a ``sh`` or ``python`` block: every line of it must appear in that
  block's output.
- ``sparql``: run on the graph (the `store` fixture); a SELECT must give at
  least one row, an ASK true.
- ``python``: run with this environment's Python in the page's workspace.
- ``r`` and ``stata``: no R or Stata on CI machines, so the files the block
  reads must exist (written by the commands before it), be readable, and have
  every variable the block names (R: ``df$name``; Stata: every word that is no
  Stata keyword listed below nor a variable the block generates).
- ``ini`` (a systemd unit): its ExecStart must parse with the CLI's parser.
- ``nginx``: it must proxy to `smartcity-kg serve`'s default address and serve
  the dumps from the build folder.
- ``apache`` (the w3id rules): applied to every w3id IRI the VoID of the build
  names and to sample IRIs, each must go to the same path on the target domain.

Blocks that need a colleague's part that is not installed yet (the serve or
validate command) are reported by a skip that names them; none is skipped once
the package is complete.
"""

import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest

from conftest import select

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
LANGUAGES = {"sh", "text", "sparql", "python", "r", "stata", "ini", "nginx", "apache"}
W3ID = "https://w3id.org/smartcity-kg/"
STATA_WORDS = {"use", "clear", "encode", "generate", "xtset", "tabulate", "if", "drop", "keep", "import",
               "delimited", "using", "encoding", "utf", "stringcols", "missing", "destring", "csv", "dta"}
# commands that only read (the whole graph's validation takes half a minute): run once per session
READ_ONLY = re.compile(r"^\.venv/bin/smartcity-kg (validate|query|--help|--version)\b[^>|;&]*$")
RAN = {}


def blocks(path):
    """(language, text, line number) of every fenced block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return [(m.group(1).lower(), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def commands(script):
    """The commands of a sh block: continuation lines joined, blank lines and comments dropped."""
    out, current = [], ""
    for line in script.splitlines():
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            out.append(current.strip())
        current = ""
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def installed(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class Page:
    """Runs the blocks of one page in its own workspace."""

    def __init__(self, path, workspace, dist, store):
        self.path, self.ws, self.store = path, workspace, store
        self.server, self.port = None, None
        self.pending = []
        self.last_output = None
        for name in ("queries", "shapes", "graph", "ontology", "docs"):
            (workspace / name).symlink_to(REPO / name)
        (workspace / ".venv").symlink_to(Path(sys.prefix))
        (workspace / "dist").symlink_to(dist)
        self.env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

    def where(self, line):
        return f"{self.path.name}:{line}"

    def localise(self, text):
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}") if self.port else text

    def needs_server(self, text):
        return "127.0.0.1:8000" in text or "localhost:8000" in text

    # --- sh ---------------------------------------------------------------------------
    def run_sh(self, script, line):
        outputs = []
        pending_before = len(self.pending)
        for cmd in commands(script):
            if re.match(r"^make\b", cmd):
                out = subprocess.run(["make", "-n", *shlex.split(cmd, comments=True)[1:]], cwd=REPO, capture_output=True,
                                     text=True, timeout=60)
                assert out.returncode == 0, f"{self.where(line)}: {cmd}: {out.stderr}"
                continue
            if re.search(r"smartcity-kg build\b", cmd):
                cmd = cmd + " --help"
            if re.search(r"smartcity-kg serve\b", cmd):
                self.start_server(cmd, line)
                continue
            if re.search(r"python docs/make_diagram\.py", cmd):
                check_diagram()
                continue
            if cmd.startswith("curl ") and shutil.which("curl") is None:
                self.pending.append(f"{self.where(line)}: {cmd} (curl is not installed here)")
                continue
            if self.needs_server(cmd) and self.port is None:
                self.pending.append(f"{self.where(line)}: {cmd} (needs the server)")
                continue
            if re.search(r"smartcity-kg validate\b", cmd) and not installed("smartcity_kg.shapes.validate"):
                self.pending.append(f"{self.where(line)}: {cmd} (smartcity_kg.shapes.validate is not there yet)")
                continue
            cacheable = bool(READ_ONLY.match(cmd))
            key = " ".join(shlex.split(cmd, comments=True)) if cacheable else None
            if cacheable and key in RAN:
                outputs.append(RAN[key])  # the same read-only command on another page: run once
                continue
            out = subprocess.run(["bash", "-o", "pipefail", "-c", self.localise(cmd)], cwd=self.ws, env=self.env,
                                 capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, f"{self.where(line)}: {cmd}\n{out.stdout}\n{out.stderr}"
            outputs.append(out.stdout)
            if cacheable:
                RAN[key] = out.stdout
        # output shown after a block that could not run in full is not checked (the skip names the block)
        self.last_output = "".join(outputs) if len(self.pending) == pending_before else None

    def start_server(self, cmd, line):
        if not installed("smartcity_kg.api.serve"):
            self.pending.append(f"{self.where(line)}: {cmd} (smartcity_kg.api.serve is not there yet)")
            return
        self.port = free_port()
        cmd = re.sub(r"--port \d+", "", cmd) + f" --port {self.port}"
        self.server = subprocess.Popen(["bash", "-c", "exec " + cmd], cwd=self.ws, env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        url = f"http://127.0.0.1:{self.port}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        deadline = time.monotonic() + 120
        while True:
            assert self.server.poll() is None, f"{self.where(line)}: {cmd} exited: {self.server.stderr.read()}"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{self.where(line)}: the server did not answer"
            time.sleep(0.5)

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()

    # --- other languages -------------------------------------------------------------
    def run_python(self, code, line):
        if self.needs_server(code) and self.port is None:
            self.pending.append(f"{self.where(line)}: python block (needs the server)")
            self.last_output = None
            return
        script = self.ws / f"block_{line}.py"
        script.write_text(self.localise(code), encoding="utf-8")
        out = subprocess.run([sys.executable, str(script)], cwd=self.ws, env=self.env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, f"{self.where(line)}: python block\n{out.stdout}\n{out.stderr}"
        self.last_output = out.stdout

    def check_text(self, text, line):
        if self.last_output is None:
            return  # the block before it is pending (see the skip)
        for expected in text.strip().splitlines():
            assert expected.strip() in self.last_output, f"{self.where(line)}: {expected!r} not in the output"

    def run_sparql(self, query, line):
        results = self.store.query(query)
        if isinstance(results, ox.QueryBoolean):
            assert bool(results), f"{self.where(line)}: ASK is false"
        else:
            assert list(results), f"{self.where(line)}: the query gives no row"

    def read(self, name, line):
        path = self.ws / name
        assert path.exists(), f"{self.where(line)}: {name} is not written by the commands before the block"
        if name.endswith(".dta"):
            return pd.read_stata(path)
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        return pd.read_csv(path, encoding="utf-8")

    def check_r(self, code, line):
        files = re.findall(r'"([\w./-]+\.(?:csv|parquet))"', code)
        assert files, f"{self.where(line)}: the R block reads no file"
        frames = [self.read(f, line) for f in files]
        columns = set().union(*(set(f.columns) for f in frames))
        for name in re.findall(r"\$(\w+)", code):
            assert name in columns, f"{self.where(line)}: R names {name}, which is no column"

    def check_stata(self, code, line):
        files = re.findall(r"\b(?:use|using)\s+([\w./-]+\.(?:csv|dta))", code)
        assert files, f"{self.where(line)}: the Stata block reads no file"
        frames = [self.read(f, line) for f in files]
        columns = {c.lower() for f in frames for c in f.columns}
        generated = set(re.findall(r"generate\((\w+)\)", code))
        body = "\n".join(l for l in code.splitlines() if not l.strip().startswith("*"))
        body = re.sub(r"[\w./-]+\.(?:csv|dta)", " ", body)
        for word in re.findall(r"\b[A-Za-z_]\w*\b", body):
            assert word in STATA_WORDS or word in columns or word in generated, \
                f"{self.where(line)}: Stata names {word}, which is no variable of {files}"

    def check_ini(self, text, line):
        from smartcity_kg.cli import parser

        exec_line = next(l for l in text.splitlines() if l.startswith("ExecStart="))
        argv = shlex.split(exec_line.split("=", 1)[1])
        assert Path(argv[0]).name == "smartcity-kg", self.where(line)
        args = parser().parse_args(argv[1:])
        assert args.command == "serve" and args.host == "127.0.0.1", self.where(line)

    def check_nginx(self, text, line):
        from smartcity_kg.cli import parser

        serve = parser().parse_args(["serve"])
        assert f"proxy_pass http://{serve.host}:{serve.port};" in text, self.where(line)
        alias = re.search(r"alias\s+(\S+);", text).group(1)
        assert alias.rstrip("/").endswith("/" + serve.dist), self.where(line)

    def check_apache(self, text, line, dist):
        rules = []
        for m in re.finditer(r"^RewriteRule\s+(\S+)\s+(\S+)\s+\[([^\]]*)\]", text, re.M):
            rules.append((re.compile(m.group(1)), m.group(2), m.group(3)))
        assert rules, self.where(line)

        def redirect(path):
            for pattern, target, flags in rules:
                match = pattern.search(path)
                if match:
                    return re.sub(r"\$(\d)", lambda g: match.group(int(g.group(1))), target), flags
            return None, None

        void = (dist / "void.ttl").read_text(encoding="utf-8")
        iris = {i for i in re.findall(r"<(" + re.escape(W3ID) + r"[^>#]*)>", void) if not i.endswith("/")}
        iris |= {W3ID + p for p in ("sparql", "def", "def/0.1.0", "id/pilot/2014-wuhan-jiangxia",
                                    "id/unit/420115-1995", "id/dataset", "dumps/smartcity.nt", "")}
        target_base = re.search(r"(https://[^/\s]+/)", text).group(1)
        for iri in sorted(iris):
            path = iri[len(W3ID):]
            target, flags = redirect(path)
            assert target == target_base + path, f"{self.where(line)}: {iri} -> {target}"
            if path.startswith("id/") or path.startswith("def"):
                assert "R=303" in flags, f"{self.where(line)}: {iri} is not redirected with 303"
        assert "R=307" in redirect("sparql")[1]


def check_links(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), f"{path.name}: broken link {target}"


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_block_of_the_page_runs(path, tmp_path, dist, store):
    check_links(path)
    page = Page(path, tmp_path, dist, store)
    previous = None
    try:
        for language, text, line in blocks(path):
            assert language in LANGUAGES, f"{page.where(line)}: a ```{language} block: add its check to this test"
            if language not in ("sh", "python", "text"):
                page.last_output = None
            if language == "sh":
                page.run_sh(text, line)
            elif language == "text":
                assert previous in ("sh", "python"), f"{page.where(line)}: a text block follows no command"
                page.check_text(text, line)
            elif language == "sparql":
                page.run_sparql(text, line)
            elif language == "python":
                page.run_python(text, line)
            elif language == "r":
                page.check_r(text, line)
            elif language == "stata":
                page.check_stata(text, line)
            elif language == "ini":
                page.check_ini(text, line)
            elif language == "nginx":
                page.check_nginx(text, line)
            elif language == "apache":
                page.check_apache(text, line, dist)
            previous = language
        if path.name == "query.md" and page.port:
            check_cors(page.port)
    finally:
        page.stop()
    if page.pending:
        pytest.skip("not run yet: " + "; ".join(page.pending))


def check_cors(port):
    """docs/query.md says any YASGUI works because the endpoint answers cross-origin requests ..."""
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    request = urllib.request.Request(url, headers={"Origin": "https://yasgui.triply.cc",
                                                   "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") in ("*", "https://yasgui.triply.cc")
    # ... and that the server has YASGUI built in at /query
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/query", timeout=10) as response:
        assert response.status == 200 and "yasgui" in response.read().decode("utf-8").lower()


def test_every_page_has_checked_blocks():
    for path in DOCS:
        if path.name != "README.md":
            assert blocks(path), f"{path.name} has no block"


def test_panel_columns_are_documented():
    from smartcity_kg.panel import COLUMNS

    text = (REPO / "docs" / "panel.md").read_text(encoding="utf-8")
    section = text.split("## Columns", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in section.splitlines():
        if row.startswith("| `"):
            documented |= set(re.findall(r"`(\w+)`", row.split("|")[1]))
    assert documented == set(COLUMNS)


def test_panel_counts_in_the_docs(store):
    from smartcity_kg.treatment import treatment_table

    text = (REPO / "docs" / "panel.md").read_text(encoding="utf-8")
    section = text.split("## Treated prefecture-level units", 1)[1].split("\n## ", 1)[0]
    rows = [r.strip("|").split("|") for r in section.splitlines() if re.match(r"^\| (preferred|alternative) ", r)]
    assert len(rows) >= 6
    for cells in rows:
        reading, basis, rule, *numbers = [c.strip() for c in cells]
        table = treatment_table("prefecture", rule, basis, reading, store)
        units = [u for u in table if u["kind"] == "prefecture"]
        got = [sum(1 for u in units if u["first_year"] == y) for y in (2012, 2013, 2014, 2015)]
        got += [sum(1 for u in units if u["first_year"] is not None), sum(u["partial"] for u in units)]
        assert [int(n) for n in numbers] == got, (reading, basis, rule)


def test_every_curation_note_is_in_the_docs(store):
    text = (REPO / "docs" / "curation.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.M))
    notes = {r["note"].rsplit("/", 1)[-1] for r in select(
        store, "SELECT ?note WHERE { ?note a <https://w3id.org/smartcity-kg/def#CurationNote> }")}
    assert listed == notes


def test_the_diagram_is_current():
    check_diagram()


def check_diagram():
    """docs/make_diagram.py's terms exist, and the committed .dot and .svg are what it draws."""
    spec = importlib.util.spec_from_file_location("make_diagram", REPO / "docs" / "make_diagram.py")
    diagram = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(diagram)
    diagram.check_terms()
    assert (REPO / "docs" / "ontology.dot").read_text(encoding="utf-8") == diagram.dot_source(), \
        "docs/ontology.dot is stale: run python docs/make_diagram.py"
    svg = (REPO / "docs" / "ontology.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for cls, _ in diagram.CLASSES:
        assert f"sc:{cls}<" in svg, f"docs/ontology.svg lacks sc:{cls}: run python docs/make_diagram.py"
    for _, prop, _ in diagram.PROPERTIES:
        label = prop if ":" in prop else f"sc:{prop}"
        assert f"{label}<" in svg, f"docs/ontology.svg lacks {label}: run python docs/make_diagram.py"


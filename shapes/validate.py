"""Validate the graph, or a proposed addition together with the graph it would join.

    from smartcity_kg.shapes.validate import Validator

    validator = Validator()                       # builds the graph and loads the shapes once
    report = validator.validate_graph()           # the whole graph
    report = validator.validate_addition(data, "turtle")   # or "json-ld", "csv"; bytes or str
    print(report.to_text()); report.exit_code     # 0 conforms, 1 violates

`validate_addition` raises `AdditionError` (line and reason) when the addition cannot be read.

How an addition is checked: its triples are added to the validator's graph in place, pySHACL
validates only the addition's focus nodes (every node it describes or points to) and the
announced counts of the batches (the graph-level totals), and the triples are taken out again.
The shapes find, through the rest of the graph, whatever an addition contradicts. A lock makes
one validation run at a time.

The command `smartcity-kg validate [FILE] [--format text|turtle|json]` is `run_cli`: exit 0 when
the addition (or the graph) conforms, 1 when it violates a shape, 2 when the input cannot be read.
"""

import sys
import threading
import time
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from smartcity_kg.graph.build import load_graph, province_of
from smartcity_kg.namespaces import SC, bind_all
from smartcity_kg.resources import shapes_dir
from smartcity_kg.shapes.addition import AdditionError, format_for_path, normalise_format, read_addition, sniff_format
from smartcity_kg.shapes.engine import MirroredGraph
from smartcity_kg.shapes.report import Report, build_report

__all__ = ["AdditionError", "Report", "Validator", "load_shapes", "run_cli"]


def shape_files():
    return sorted(shapes_dir().glob("*.ttl"))


def load_shapes():
    """All shapes of shapes/*.ttl in one rdflib Graph."""
    g = bind_all(Graph())
    for path in shape_files():
        g.parse(path, format="turtle")
    return g


class Validator:
    """The shapes and the graph, loaded once; validates the whole graph or a proposed addition."""

    def __init__(self, graph=None, shapes=None):
        started = time.perf_counter()
        # Additions are applied to this graph and taken out again: a graph the caller passes is
        # copied, one built here is used as it is.
        if graph is None:
            self.data = MirroredGraph(load_graph(), share_store=True)
        else:
            self.data = MirroredGraph(graph)
        self.shapes = shapes if shapes is not None else load_shapes()
        self.batch_dates = {batch: date for batch, date in self.data.subject_objects(SC.announcementDate)
                            if (batch, RDF.type, SC.Batch) in self.data}
        self._lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started

    # -- running pySHACL --------------------------------------------------------------------

    def _run(self):
        _conforms, report_graph, _text = shacl_validate(
            self.data, shacl_graph=self.shapes, inference="none", inplace=True, advanced=False,
            allow_warnings=True, allow_infos=True,
        )
        return report_graph

    def _run_on(self, focus):
        """Validate the focus nodes only. They are not passed as pySHACL's `focus_nodes` option, which
        also filters the value nodes of nested shapes (sh:node, sh:not, sh:qualifiedValueShape) and
        so lets them pass unchecked; instead the shapes' targets are restricted to the focus nodes."""
        with self.data.targets_among(focus):
            return self._run()

    def validate_graph(self):
        """The whole graph against every shape."""
        with self._lock:
            started = time.perf_counter()
            with self.data.batch():
                report_graph = self._run()
            report = build_report(report_graph, self.data, subject=f"the whole graph ({len(self.data)} triples)",
                                  shapes_graph=self.shapes)
            report.seconds = time.perf_counter() - started
        return report

    # -- additions --------------------------------------------------------------------------

    def read(self, data, fmt):
        """The addition as an rdflib Graph (raises AdditionError)."""
        return read_addition(data, fmt, self.batch_dates)

    def focus_nodes(self, addition):
        """What an addition touches: every IRI it describes or points to (classes aside), plus the
        announced counts of every batch it touches (the graph-level totals a new pilot changes).
        Call with the addition applied to the graph."""
        nodes = set()
        for s, p, o in addition:
            if isinstance(s, URIRef):
                nodes.add(s)
            if isinstance(o, URIRef) and p != RDF.type:
                nodes.add(o)
        batches = {n for n in nodes if (n, RDF.type, SC.Batch) in self.data}
        for s in set(addition.subjects()):
            batches.update(self.data.objects(s, SC.batch))
        for batch in batches:
            nodes.update(c for c in self.data.objects(batch, SC.announcedCount) if isinstance(c, URIRef))
        return nodes

    def _derived(self, addition):
        """Facts the build derives for what the addition describes: the province of a new pilot."""
        out = []
        for pilot in set(addition.subjects(RDF.type, SC.Pilot)):
            if (pilot, SC.province, None) in self.data:
                continue
            for territory in self.data.objects(pilot, SC.territory):
                province = province_of(self.data, territory)
                if province is not None:
                    out.append((pilot, SC.province, province))
                    break
        return out

    def validate_addition(self, data, fmt, subject=None):
        """A proposed addition (Turtle, JSON-LD or CSV rows; bytes or str) with the graph it would join."""
        started = time.perf_counter()
        name = normalise_format(fmt) if fmt else None
        if name is None:
            if fmt:
                raise AdditionError(f"unknown format {fmt!r}: use turtle, json-ld or csv")
            name = sniff_format(data if isinstance(data, bytes) else data.encode("utf-8"))
        addition = self.read(data, name)
        return self._validate_graph_addition(addition, subject or f"a proposed addition ({name}, "
                                             f"{len(addition)} triples)", started)

    def validate_path(self, path):
        """A proposed addition in a file ('-': standard input); its format from the extension (.ttl,
        .jsonld, .csv) or its content."""
        data = read_bytes(path)
        fmt = format_for_path(path) or sniff_format(data)
        return self.validate_addition(data, fmt, subject=f"{_name(path)} ({fmt}, with the graph it would join)")

    def validate_triples(self, addition, subject="a proposed addition"):
        """A proposed addition already parsed into an rdflib Graph."""
        return self._validate_graph_addition(addition, subject, time.perf_counter())

    def _validate_graph_addition(self, addition, subject, started):
        with self._lock:
            new = [t for t in addition if t not in self.data]
            self.data.add_triples(new)
            derived = []
            try:
                derived = [t for t in self._derived(addition) if t not in self.data]
                self.data.add_triples(derived)
                focus = self.focus_nodes(addition)
                report_graph = self._run_on(focus)
                report = build_report(report_graph, self.data, subject=subject, shapes_graph=self.shapes)
            finally:
                self.data.remove_triples(derived)
                self.data.remove_triples(new)
        report.checked_nodes = len(focus)
        report.seconds = time.perf_counter() - started
        return report


def _name(path):
    return "standard input" if str(path) == "-" else str(path)


def read_bytes(path):
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise AdditionError(f"cannot read the file: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------
# smartcity-kg validate
# ---------------------------------------------------------------------------

def run_cli(args):
    """`smartcity-kg validate [FILE] [--format text|turtle|json]`: 0 conforms, 1 violates, 2 unreadable."""
    path = getattr(args, "file", None)
    out_format = getattr(args, "format", "text") or "text"
    try:
        if path:
            # Read the addition before building the graph, so that a typo is reported at once.
            data = read_bytes(path)
            fmt = format_for_path(path) or sniff_format(data)
            read_addition(data, fmt)
            report = Validator().validate_addition(data, fmt,
                                                   subject=f"{_name(path)} ({fmt}, with the graph it would join)")
        else:
            report = Validator().validate_graph()
    except AdditionError as exc:
        print(f"smartcity-kg validate: {_name(path)}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.render(out_format))
    sys.stdout.flush()
    return report.exit_code

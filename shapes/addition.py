"""Reading a proposed addition: Turtle, JSON-LD, or CSV rows in the format of graph/data/pilots.csv.

Nothing is fetched while reading: Turtle has no import mechanism of its own (an owl:imports
triple is data, never followed), and JSON-LD that names a remote @context or uses @import is
refused before it reaches the parser. Relative IRIs resolve against the instance namespace
https://w3id.org/smartcity-kg/id/, as in the curated Turtle files (`<pilot/2014-wuhan-jiangxia>`).

Whatever cannot be read raises `AdditionError`, which carries the line (and column where the
parser gives one) and the reason.

Blank nodes are replaced by IRIs in a reserved namespace (BLANK_NODE_NS) so that the shapes can
report them (the graph uses none; every resource needs an IRI).
"""

import csv
import io
import json
import warnings
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from smartcity_kg.graph import tables
from smartcity_kg.namespaces import ID, SC, bind_all

FORMATS = ("turtle", "json-ld", "csv")
ALIASES = {
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle", "application/x-turtle": "turtle",
    "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld", "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "csv": "csv", "text/csv": "csv",
}
EXTENSIONS = {".ttl": "turtle", ".turtle": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".csv": "csv"}
BASE = str(ID)
BLANK_NODE_NS = "urn:x-smartcity-kg:blank-node:"

# The columns of graph/data/pilots.csv; a proposed row uses the same header (any order).
CSV_COLUMNS = ("id", "batch", "kind", "published_name", "name_zh", "name_en", "territory", "includes",
               "extends", "scope", "announced_in", "heading", "seed_location", "seed_passage",
               "confidence", "sources", "evidence")
CSV_REQUIRED = ("id", "batch", "kind", "name_zh", "confidence", "sources")


class AdditionError(ValueError):
    """A proposed addition that cannot be read: the reason, and the line and column if known."""

    def __init__(self, reason, line=None, column=None):
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self):
        where = ""
        if self.line is not None:
            where = f"line {self.line}" + (f", column {self.column}" if self.column is not None else "") + ": "
        return where + self.reason


def normalise_format(fmt):
    """'turtle', 'json-ld' or 'csv' for a format name, media type or extension (None if unknown)."""
    if fmt is None:
        return None
    key = str(fmt).strip().lower().split(";")[0].strip().lstrip(".")
    return ALIASES.get(key)


def format_for_path(path):
    return EXTENSIONS.get(Path(path).suffix.lower())


def sniff_format(data):
    """Guess the format of an addition whose name says nothing: JSON, CSV (a pilots.csv header) or Turtle."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped[0] in "{[":
            return "json-ld"
        if stripped.split(",")[0].strip().strip('"') == "id" and "," in stripped:
            return "csv"
        return "turtle"
    return "turtle"


def _decode(data):
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise AdditionError(f"not UTF-8 text (byte {data[exc.start]:#04x})", line=line) from None


def read_addition(data, fmt, batch_dates=None):
    """The addition as an rdflib Graph; `batch_dates` ({batch IRI: date}) completes CSV rows as the build does."""
    name = normalise_format(fmt)
    if name is None:
        raise AdditionError(f"unknown format {fmt!r}: use turtle (.ttl), json-ld (.jsonld) or csv (.csv)")
    text = _decode(data)
    if not text.strip():
        raise AdditionError("the addition is empty")
    if name == "turtle":
        g = _read_turtle(text)
    elif name == "json-ld":
        g = _read_jsonld(text)
    else:
        g = _read_csv(text, batch_dates or {})
    if len(g) == 0:
        raise AdditionError("the addition holds no triples")
    g = _name_blank_nodes(g)
    _check_terms(g)
    return g


# ---------------------------------------------------------------------------
# Turtle
# ---------------------------------------------------------------------------

def _read_turtle(text):
    g = bind_all(Graph())
    try:
        g.parse(data=text, format="turtle", publicID=BASE)
    except BadSyntax as exc:
        raw = exc._str if isinstance(exc._str, bytes) else str(exc._str).encode("utf-8")
        before = raw[:exc._i]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")) + 1
        raise AdditionError(f"Turtle syntax: {exc._why}", line=line, column=column) from None
    except Exception as exc:  # rdflib raises plain exceptions for e.g. undeclared prefixes
        raise AdditionError(f"Turtle: {exc}") from None
    return g


# ---------------------------------------------------------------------------
# JSON-LD
# ---------------------------------------------------------------------------

MAX_JSON_DEPTH = 64


def _refuse_remote_contexts(doc):
    """Refuse what would make a JSON-LD processor fetch: a context named by IRI, or @import."""

    def walk(node, depth):
        if depth > MAX_JSON_DEPTH:
            raise AdditionError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@import":
                    raise AdditionError("JSON-LD @import is not followed: inline the context as a JSON object")
                if key == "@context" and _names_remote(value):
                    raise AdditionError("remote JSON-LD contexts are not fetched: inline the @context "
                                        "(a JSON object) instead of naming it by IRI")
                walk(value, depth + 1)
        elif isinstance(node, list):
            for value in node:
                walk(value, depth + 1)

    walk(doc, 0)


def _names_remote(ctx):
    if isinstance(ctx, str):
        return True
    if isinstance(ctx, list):
        return any(_names_remote(c) for c in ctx)
    return False


def _read_jsonld(text):
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdditionError(f"JSON syntax: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise AdditionError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer longer than Python reads (4300 digits)
        raise AdditionError(f"JSON that cannot be read: {exc}") from None
    _refuse_remote_contexts(doc)
    g = bind_all(Graph())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser uses ConjunctiveGraph
            g.parse(data=json.dumps(doc), format="json-ld", base=BASE)
    except Exception as exc:
        raise AdditionError(f"JSON-LD: {exc}") from None
    return g


# ---------------------------------------------------------------------------
# CSV rows in the format of graph/data/pilots.csv
# ---------------------------------------------------------------------------

def _read_csv(text, batch_dates):
    # Lines starting with '#' are comments (the shipped examples explain themselves there);
    # they are blanked rather than dropped so that line numbers stay those of the file.
    lines = ["\n" if line.lstrip().startswith("#") else line for line in text.splitlines(keepends=True)]
    reader = csv.reader(io.StringIO("".join(lines)), strict=True)
    g = bind_all(Graph())
    rows = 0
    header = None
    try:
        for record in reader:
            if not record or not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [h.strip() for h in record]
                _check_header(header, reader.line_num)
                continue
            if len(record) != len(header):
                raise AdditionError(f"{len(record)} fields where the header has {len(header)}",
                                    line=reader.line_num)
            cells = dict(zip(header, record))
            row = {col: cells.get(col) or "" for col in CSV_COLUMNS}  # as the build reads them: unstripped
            add_pilot_row(g, row, batch_dates, line=reader.line_num)
            rows += 1
    except csv.Error as exc:
        raise AdditionError(f"CSV syntax: {exc}", line=reader.line_num) from None
    if header is None:
        raise AdditionError("the CSV has no header line")
    if rows == 0:
        raise AdditionError("the CSV has a header but no row")
    return g


def _check_header(header, line):
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise AdditionError(f"unknown column(s) {', '.join(unknown)}: the columns are those of "
                            f"graph/data/pilots.csv ({', '.join(CSV_COLUMNS)})", line=line)
    missing = [h for h in CSV_REQUIRED if h not in header]
    if missing:
        raise AdditionError(f"missing column(s) {', '.join(missing)}", line=line)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise AdditionError(f"column(s) {', '.join(duplicated)} given twice", line=line)


def add_pilot_row(g, row, batch_dates, line=None):
    """The triples the build (graph/tables.py, add_pilots) makes of one row of pilots.csv."""
    for col in ("id", "batch", "kind", "confidence"):
        if not row[col]:
            raise AdditionError(f"the column {col} is empty", line=line)
    if row["kind"] not in tables.KIND_CLASS:
        raise AdditionError(f"kind {row['kind']!r} is none of {', '.join(tables.KIND_CLASS)}", line=line)
    if row["confidence"] not in tables.CONFIDENCE:
        raise AdditionError(f"confidence {row['confidence']!r} is none of {', '.join(tables.CONFIDENCE)}",
                            line=line)
    node = tables.iri(f"pilot/{row['id']}")
    g.add((node, RDF.type, SC.Pilot))
    g.add((node, RDF.type, tables.KIND_CLASS[row["kind"]]))
    batch = tables.iri(f"batch/{row['batch']}")
    g.add((node, SC.batch, batch))
    if batch in batch_dates:
        g.add((node, SC.announcementDate, batch_dates[batch]))
    g.add((node, SC.publishedName, tables.zh(row["published_name"])))
    tables.add_labels(g, node, row["name_zh"], row["name_en"])
    for t in tables.split(row["territory"]):
        g.add((node, SC.territory, tables.iri(t)))
    for t in tables.split(row["includes"]):
        g.add((node, SC.includes, tables.iri(t)))
    if row["extends"]:
        g.add((node, SC.extends, tables.iri(f"pilot/{row['extends']}")))
    if row["scope"]:
        g.add((node, SC.expansionScope, tables.iri(row["scope"])))
    if row["announced_in"]:
        g.add((node, SC.announcedIn, tables.iri(row["announced_in"])))
    if row["heading"]:
        g.add((node, SC.listHeading, Literal(row["heading"])))
    tables.add_seed_passage(g, node, row["seed_location"], row["seed_passage"])
    g.add((node, SC.confidence, tables.CONFIDENCE[row["confidence"]]))
    if row["evidence"]:
        g.add((node, SC.evidence, tables.en(row["evidence"])))
    tables.add_sources(g, node, row["sources"])
    return node


# ---------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------

def _name_blank_nodes(g):
    if not any(isinstance(t, BNode) for triple in g for t in triple):
        return g
    named = {}

    def name(term):
        if isinstance(term, BNode):
            if term not in named:
                named[term] = URIRef(f"{BLANK_NODE_NS}b{len(named) + 1}")
            return named[term]
        return term

    out = bind_all(Graph())
    for s, p, o in g:
        out.add((name(s), p, name(o)))
    return out


def _check_terms(g):
    """Every IRI and language tag must be one the stores accept (pyoxigraph is strict where rdflib is not)."""
    seen = set()
    for triple in g:
        for term in triple:
            if term in seen:
                continue
            seen.add(term)
            try:
                if isinstance(term, URIRef):
                    ox.NamedNode(str(term))
                elif isinstance(term, Literal):
                    if term.language:
                        ox.Literal(str(term), language=term.language)
                    elif term.datatype is not None:
                        ox.NamedNode(str(term.datatype))
            except ValueError as exc:
                raise AdditionError(f"not a valid IRI or language tag: {term!r} ({exc})") from None

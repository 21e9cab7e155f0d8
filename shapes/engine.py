"""The data graph pySHACL validates: an rdflib graph whose SPARQL runs on a pyoxigraph mirror.

pySHACL evaluates the core constraints (counts, datatypes, classes …) through rdflib's triple
index, which is fast, and every SHACL-SPARQL constraint as one query per focus node, with
`$this` pre-bound. rdflib's own SPARQL engine spends 5–30 ms parsing and evaluating such a
query; the graph has thousands of focus nodes per constraint. So `MirroredGraph` keeps the same
triples in a pyoxigraph store and answers `query()` there.

Two evaluation modes, same answers:

- bound (the default, used for a proposed addition, where there are a few focus nodes): the
  query runs once per focus node with `$this` passed as a SPARQL substitution;
- batch (`with graph.batch():`, used for the whole graph): the first time a query text is asked,
  it runs once with `$this` free, and the rows are grouped by `?this`; every focus node then gets
  its own rows. This equals the bound evaluation for every query that binds `$this` by a triple
  pattern and projects it (the shapes follow that rule, see shapes/README.md); a query whose rows
  come back without `?this` falls back to bound evaluation.

For a proposed addition pySHACL is given the focus nodes to validate, but it still computes every
shape's full target set (all 3,500 units, all typed nodes …) before keeping the focus nodes.
`with graph.targets_among(nodes):` makes the two kinds of lookup that only target selection uses
(`?s rdf:type C` and `?s p ?o` with subject and object free) see the focus nodes alone, so that
the targets come out already restricted; lookups from a known node (all constraint evaluation)
and the SPARQL mirror see the whole graph.

Additions are applied to both stores by `add_triples` / `remove_triples`, so a long-lived
validator can check a proposed addition in place and take it out again.
"""

import contextlib

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.query import Result

_XSD_STRING = str(XSD.string)


def to_ox(term):
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term):
    """A pyoxigraph term as an rdflib term (plain literals for xsd:string, as rdflib parses them)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"not a pyoxigraph term: {term!r}")


def _quad(triple):
    s, p, o = triple
    return ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())


def _select_result(names, rows):
    res = Result("SELECT")
    res.vars = [Variable(n) for n in names]
    res.bindings = rows
    return res


class MirroredGraph(Graph):
    """An in-memory rdflib Graph whose string SPARQL queries are answered by a pyoxigraph copy."""

    def __init__(self, source=None, share_store=False):
        """A graph holding the triples of `source`: a copy, or (share_store) a view of the same
        rdflib store, for a source nobody else uses (copying 90,000 triples takes seconds)."""
        if source is not None and share_store:
            super().__init__(store=source.store, identifier=source.identifier)
        else:
            super().__init__()
        self.mirror = ox.Store()
        self._batch = None  # {query text: (variable names, {this: [rows]}) or None (not batchable)}
        if source is not None:
            for prefix, namespace in source.namespace_manager.namespaces():
                self.bind(prefix, namespace, override=True, replace=True)
            if not share_store:
                super().__iadd__(source)
            self.mirror.bulk_load(source.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)

    # -- keeping the two stores equal ---------------------------------------------------------

    def add_triples(self, triples):
        """Add triples to both stores (the caller passes only triples not yet in the graph)."""
        for triple in triples:
            Graph.add(self, triple)
            self.mirror.add(_quad(triple))

    def remove_triples(self, triples):
        for triple in triples:
            Graph.remove(self, triple)
            self.mirror.remove(_quad(triple))

    # -- target selection restricted to focus nodes ---------------------------------------------

    @contextlib.contextmanager
    def targets_among(self, nodes):
        focus = set(nodes)
        unrestricted = Graph.triples
        types = {node: set(Graph.objects(self, node, RDF.type)) for node in focus}  # asked for every shape

        def triples(triple):
            s, p, o = triple
            if s is None and isinstance(p, URIRef):
                if p == RDF.type and o is not None:
                    return ((node, p, o) for node in focus if o in types[node])
                if p == RDF.type or o is None:
                    return (t for node in focus for t in unrestricted(self, (node, p, o)))
            return unrestricted(self, triple)

        self.triples = triples  # an instance attribute: rdflib's subjects(), value() … call self.triples
        try:
            yield self
        finally:
            del self.triples

    # -- SPARQL ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self):
        """Within this block the graph must not change: answers are computed once per query text."""
        self._batch = {}
        try:
            yield self
        finally:
            self._batch = None

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if not isinstance(query_object, str) or initNs or kwargs:
            return super().query(query_object, processor, result, initNs, initBindings,
                                 use_store_provided, **kwargs)
        bindings = {str(k): v for k, v in (initBindings or {}).items() if v is not None}
        if self._batch is not None and set(bindings) == {"this"}:
            answer = self._batched(query_object, bindings["this"])
            if answer is not None:
                return answer
        return self._bound(query_object, bindings)

    def _bound(self, text, bindings):
        substitutions = {ox.Variable(name): to_ox(value) for name, value in bindings.items()}
        answer = self.mirror.query(text, substitutions=substitutions)
        if isinstance(answer, ox.QueryBoolean):
            res = Result("ASK")
            res.askAnswer = bool(answer)
            return res
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            return _select_result(names, [_row(solution, names) for solution in answer])
        res = Result("CONSTRUCT")
        g = Graph()
        for triple in answer:
            g.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
        res.graph = g
        return res

    def _batched(self, text, this):
        if text not in self._batch:
            self._batch[text] = self._run_free(text)
        grouped = self._batch[text]
        if grouped is None:
            return None
        names, by_this = grouped
        return _select_result(names, by_this.get(this, []))

    def _run_free(self, text):
        """Rows of the query with $this free, grouped by ?this; None if it cannot be batched."""
        answer = self.mirror.query(text)
        if not isinstance(answer, ox.QuerySolutions):
            return None
        names = [v.value for v in answer.variables]
        if "this" not in names:
            return None
        by_this = {}
        for solution in answer:
            row = _row(solution, names)
            this = row.get(Variable("this"))
            if this is None:
                return None
            by_this.setdefault(this, []).append(row)
        return names, by_this


def _row(solution, names):
    row = {}
    for name in names:
        value = solution[name]
        if value is not None:
            row[Variable(name)] = from_ox(value)
    return row


def _memoise_pyshacl_sparql_check():
    """pySHACL re-checks a SPARQL constraint's text for forbidden constructs (MINUS, VALUES …) with
    backtracking regular expressions before every focus node: 0.2 ms a call, seconds over the
    graph. The check depends only on the text (and on which variables may be pre-bound), so its
    outcome is remembered; a text that fails still raises every time."""
    try:
        from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
    except ImportError:  # pragma: no cover - a pySHACL without this helper
        return
    original = getattr(SPARQLQueryHelper, "check_invalid_sparql", None)
    if original is None or getattr(original, "_smartcity_kg_memo", False):
        return
    passed = set()

    def check_invalid_sparql(self, sparql_text, valuenode=None, extravars=None):
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key in passed:
            return True
        outcome = original(self, sparql_text, valuenode=valuenode, extravars=extravars)
        passed.add(key)
        return outcome

    check_invalid_sparql._smartcity_kg_memo = True
    SPARQLQueryHelper.check_invalid_sparql = check_invalid_sparql


_memoise_pyshacl_sparql_check()

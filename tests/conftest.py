"""Shared fixtures: the real graph, built once per test session."""

import pyoxigraph as ox
import pytest

from smartcity_kg.graph.build import build, load_graph, sorted_ntriples


@pytest.fixture(scope="session")
def graph():
    """The whole graph as an rdflib Graph (ontology, data, derived facts)."""
    return load_graph()


@pytest.fixture(scope="session")
def store(graph):
    """The same graph in a pyoxigraph store, for SPARQL."""
    s = ox.Store()
    s.bulk_load(sorted_ntriples(graph).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return s


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """A full build (dumps, VoID, ontology HTML) into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    build(out)
    return out


def select(store, query):
    """Rows of a SELECT as lists of dicts of Python values (strings, ints, bools, None)."""
    results = store.query(query)
    names = [v.value for v in results.variables]
    rows = []
    for sol in results:
        row = {}
        for n in names:
            term = sol[n]
            row[n] = None if term is None else term.value
        rows.append(row)
    return rows

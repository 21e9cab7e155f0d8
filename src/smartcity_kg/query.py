"""Run SPARQL queries on the graph with pyoxigraph, in process."""

from pathlib import Path

import pyoxigraph as ox

from smartcity_kg.namespaces import QUERY_PREFIXES
from smartcity_kg.resources import input_files

FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
           "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}


class QueryInputError(ValueError):
    """A query that cannot be read or parsed."""


def dump_is_fresh(nt_path):
    nt_path = Path(nt_path)
    if not nt_path.exists():
        return False
    built = nt_path.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in input_files())


def load_store(dist="dist"):
    """A pyoxigraph Store holding the graph: the built N-Triples dump if fresh, else a build in memory."""
    store = ox.Store()
    nt = Path(dist) / "smartcity.nt"
    if dump_is_fresh(nt):
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)
    else:
        from smartcity_kg.graph.build import load_graph, sorted_ntriples

        data = sorted_ntriples(load_graph()).encode("utf-8")
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def read_query(text_or_path):
    """The query text: the file's content if the argument names a file."""
    candidate = Path(text_or_path)
    if len(text_or_path) < 4096 and "\n" not in text_or_path and candidate.suffix in (".rq", ".sparql"):
        if not candidate.is_file():
            raise QueryInputError(f"no such query file: {text_or_path}")
        return candidate.read_text(encoding="utf-8")
    return text_or_path


def serialize_results(results, fmt):
    if isinstance(results, ox.QueryBoolean) or isinstance(results, ox.QuerySolutions):
        return results.serialize(format=FORMATS[fmt])
    return results.serialize(format=ox.RdfFormat.N_TRIPLES)


def run_query_text(text_or_path, fmt="csv", dist="dist", store=None):
    query = read_query(text_or_path)
    store = store or load_store(dist)
    try:
        results = store.query(query, prefixes=QUERY_PREFIXES)
    except SyntaxError as exc:
        raise QueryInputError(f"malformed query: {exc}") from exc
    return serialize_results(results, fmt)

"""How long validation takes: the whole graph, and one proposed expansion, measured in the same run.

    python benchmarks/validate_bench.py [--runs 5]

What each figure includes:

- load: building the graph from the curated tables, its pyoxigraph mirror and the shapes, i.e.
  constructing `Validator()`. Paid once by a long-lived validator (the web API); the command line
  pays it on every call.
- whole graph: `Validator.validate_graph()` on the loaded graph: pySHACL with every shape over every
  target, and the report (labels, messages). The median of the runs after a first, cold one.
- one expansion: `Validator.validate_addition()` of a proposed expansion, the 2014 expansion of the
  Wuhan pilot to 江夏区 as it happened (shapes/examples/valid/wuhan-jiangxia-2014.jsonld), against the
  graph without the two Wuhan expansions: reading the JSON-LD, adding its triples, deriving its
  province, pySHACL on the nodes it touches and the announced counts of its batch, the report, and
  taking the triples out again. The median of the runs after a first one. The same for the 2013
  expansion to 蔡甸区 (Turtle) and for both as CSV rows.

Not a test: timings depend on the machine. The ratio is what the design aims at (at least 20×).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from rdflib import Graph, URIRef

from smartcity_kg.graph.build import load_graph
from smartcity_kg.shapes.validate import Validator

EXAMPLES = Path(__file__).resolve().parents[1] / "shapes" / "examples" / "valid"
PILOTS = [URIRef(f"https://w3id.org/smartcity-kg/id/pilot/{p}") for p in ("2013-wuhan-caidian", "2014-wuhan-jiangxia")]


def timed(fn, runs):
    first_start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - first_start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return first, statistics.median(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first (default 5)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    graph = load_graph()
    without = Graph()
    without += graph
    for pilot in PILOTS:
        without.remove((pilot, None, None))
    del graph
    validator = Validator(graph=without)
    load = time.perf_counter() - start
    print(f"graph: {len(validator.data)} triples (without the two Wuhan expansions); "
          f"shapes: {len(validator.shapes)} triples")
    print(f"load (graph, mirror, shapes; once per Validator): {load:6.2f} s  "
          "(includes copying the graph to take the expansion out)")

    first, whole, report = timed(validator.validate_graph, args.runs)
    print(f"whole graph:   first {first:6.3f} s, median {whole:6.3f} s   [{report.summary()}]")

    results = {}
    for name, fmt in (("wuhan-jiangxia-2014.jsonld", "json-ld"), ("wuhan-caidian-2013.ttl", "turtle"),
                      ("wuhan-expansions.csv", "csv")):
        data = (EXAMPLES / name).read_bytes()
        first, one, report = timed(lambda: validator.validate_addition(data, fmt), args.runs)
        results[name] = one
        print(f"one addition:  first {first:6.3f} s, median {one:6.3f} s   {name} "
              f"[{report.checked_nodes} nodes; {report.summary()}]")

    one = results["wuhan-jiangxia-2014.jsonld"]
    print(f"whole graph / one expansion (wuhan-jiangxia-2014.jsonld): {whole / one:5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

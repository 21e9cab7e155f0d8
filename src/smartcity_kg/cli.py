"""The smartcity-kg command: build, query, validate, serve, panel, map."""

import argparse
import sys

from smartcity_kg import __version__


def cmd_build(args):
    from smartcity_kg.graph.build import build

    written = build(args.out, docs=not args.no_docs, maps=not args.no_map)
    for kind, path in sorted(written.items()):
        print(f"{kind:9} {path}")
    from smartcity_kg.graph.links import format_counts, table_link_counts

    print(format_counts(table_link_counts()))
    return 0


def cmd_query(args):
    from smartcity_kg.query import QueryInputError, run_query_text

    try:
        out = run_query_text(args.query, args.format, dist=args.dist)
    except QueryInputError as exc:
        print(f"smartcity-kg query: {exc}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(out)
    return 0


def cmd_validate(args):
    from smartcity_kg.shapes.validate import run_cli

    return run_cli(args)


def cmd_serve(args):
    from smartcity_kg.api.serve import run_cli

    return run_cli(args)


def cmd_panel(args):
    from smartcity_kg.panel import run_cli

    return run_cli(args)


def cmd_map(args):
    from smartcity_kg.maps import run_cli

    return run_cli(args)


def parser():
    p = argparse.ArgumentParser(prog="smartcity-kg", description=__doc__)
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the graph and write the dumps into dist/")
    b.add_argument("--out", default="dist", help="output folder (default: dist)")
    b.add_argument("--no-docs", action="store_true", help="skip the HTML documentation of the ontology")
    b.add_argument("--no-map", action="store_true", help="skip the landing page's maps (drawn only with the maps extra)")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run a SPARQL query (a .rq file or a query string) and print the results")
    q.add_argument("query", help="a .rq file, or the text of a query")
    q.add_argument("--format", default="csv", choices=["csv", "tsv", "json", "xml"],
                   help="W3C SPARQL results format (default: csv)")
    q.add_argument("--dist", default="dist", help="where the built dumps are (built in memory when absent or stale)")
    q.set_defaults(func=cmd_query)

    v = sub.add_parser("validate", help="check a proposed addition (or, with no file, the whole graph) against the shapes")
    v.add_argument("file", nargs="?", help="a proposed addition: Turtle (.ttl), JSON-LD (.jsonld) or CSV rows (.csv)")
    v.add_argument("--format", default="text", choices=["text", "turtle", "json"],
                   help="text: one line per problem; turtle/json: the standard SHACL report")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("serve", help="serve the SPARQL endpoint and the linked-data pages")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--dist", default="dist", help="where the built dumps are (built when absent or stale)")
    s.add_argument("--query-timeout", type=float, default=10.0, help="seconds a query may run (default: 10)")
    s.set_defaults(func=cmd_serve)

    pa = sub.add_parser("panel", help="write a unit-by-year treatment panel for difference-in-differences designs")
    pa.add_argument("--level", default="prefecture", choices=["prefecture", "county"],
                    help="the units of the panel (default: prefecture)")
    pa.add_argument("--from", dest="year_from", type=int, default=2008, metavar="YEAR", help="first year (default: 2008)")
    pa.add_argument("--to", dest="year_to", type=int, default=2020, metavar="YEAR", help="last year (default: 2020)")
    pa.add_argument("--rule", default="city", choices=["city", "any"],
                    help="city: treated when the unit itself is a pilot; any: when any pilot lies within it "
                         "(default: city)")
    pa.add_argument("--year", dest="year_basis", default="batch", choices=["batch", "announced"],
                    help="batch: the batch's nominal year; announced: the year its list was announced "
                         "(default: batch)")
    pa.add_argument("--reading", default="preferred", choices=["preferred", "alternative"],
                    help="the curated reading of uncertain batch assignments, or the alternative one "
                         "(default: preferred)")
    pa.add_argument("--format", default=None, choices=["csv", "dta", "parquet"],
                    help="output format (default: from the file name, else csv)")
    pa.add_argument("-o", "--output", required=True, help="the panel file to write")
    pa.set_defaults(func=cmd_panel)

    m = sub.add_parser("map", help="draw a map of the pilots (needs the maps extra)")
    m.add_argument("-o", "--output", required=True, help="FILE.svg, FILE.png or FILE.pdf")
    m.add_argument("--level", default="prefecture", choices=["prefecture", "pilot"],
                   help="prefecture: units shaded by first year treated; pilot: every pilot as a point "
                        "(default: prefecture)")
    m.add_argument("--rule", default="city", choices=["city", "any"], help="as for panel (default: city)")
    m.add_argument("--year", dest="year_basis", default="batch", choices=["batch", "announced"],
                   help="as for panel (default: batch)")
    m.add_argument("--reading", default="preferred", choices=["preferred", "alternative"],
                   help="as for panel (default: preferred)")
    m.add_argument("--lang", default="zh", choices=["zh", "en"], help="language of the labels (default: zh)")
    m.set_defaults(func=cmd_map)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""`smartcity-kg serve`: build the dumps when absent or stale, then run the app under uvicorn."""

import logging
import sys
from pathlib import Path

from smartcity_kg.api.settings import Settings, SettingsError

log = logging.getLogger("smartcity_kg.api")
DUMPS = ("smartcity.nt", "smartcity.ttl", "smartcity.jsonld", "void.ttl", "ontology.ttl", "ontology.html")


def dist_is_fresh(dist):
    from smartcity_kg.query import dump_is_fresh

    dist = Path(dist)
    return all((dist / name).exists() for name in DUMPS) and dump_is_fresh(dist / "smartcity.nt")


def ensure_dist(dist):
    if not dist_is_fresh(dist):
        from smartcity_kg.graph.build import build

        print(f"smartcity-kg serve: building the graph into {dist} …", file=sys.stderr, flush=True)
        build(dist)


def _fast_loop():
    try:
        import uvloop  # noqa: F401

        return "uvloop"
    except ImportError:
        return "asyncio"


def _fast_http():
    try:
        import httptools  # noqa: F401

        return "httptools"
    except ImportError:
        return "h11"


def run_cli(args):
    import uvicorn

    from smartcity_kg.api.app import create_app

    try:
        settings = Settings.from_env(host=args.host, port=args.port, dist=Path(args.dist),
                                     query_timeout=args.query_timeout)
    except SettingsError as exc:
        print(f"smartcity-kg serve: {exc}", file=sys.stderr)
        return 2
    ensure_dist(settings.dist)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    app = create_app(settings)
    print(f"smartcity-kg serve: http://{settings.host}:{settings.port}/ (SPARQL at /sparql, "
          f"query timeout {settings.query_timeout:g} s, {settings.workers} query workers)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, loop=_fast_loop(), http=_fast_http(),
                access_log=settings.access_log, log_level="info" if settings.access_log else "warning",
                timeout_graceful_shutdown=3)
    return 0

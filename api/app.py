"""The FastAPI application: it only assembles the routers, middleware and handlers."""

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware

from smartcity_kg import __version__
from smartcity_kg.api import errors
from smartcity_kg.api.request_checks import RequestChecks, refused
from smartcity_kg.api.lifecycle import lifespan_for
from smartcity_kg.api.routes import api_router
from smartcity_kg.api.routes.sparql import fast_path
from smartcity_kg.api.services import Services, package_dir
from smartcity_kg.api.settings import Settings

DESCRIPTION = """The linked open knowledge graph of China's National Smart City Pilot programme (国家智慧城市试点,
2012–2015): a read-only SPARQL 1.1 endpoint, linked-data pages for every IRI, a small REST surface and
validation of proposed additions. See docs/api.md."""


class App(FastAPI):
    """FastAPI with the SPARQL endpoint's hot path (routes/sparql.py) ahead of the middleware stack."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/sparql":
            scope["app"] = self
            if await refused(scope, receive, send, query_string=False):  # the handlers read it strictly
                return
            if await fast_path(scope, receive, send):
                return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    services = services or Services(settings or Settings.from_env())
    app = App(title="smartcity-kg", version=__version__, description=DESCRIPTION,
              lifespan=lifespan_for(services), docs_url=None, redoc_url=None)
    app.state.services = services
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["Content-Type", "Content-Length", "Vary"], max_age=3600)
    app.add_middleware(RequestChecks)
    errors.install(app)
    app.include_router(api_router)
    app.mount("/static", StaticFiles(directory=package_dir("static")), name="static")
    return app

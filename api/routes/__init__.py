"""The routers, one module per concern; app.py includes `api_router`.

sparql (the SPARQL 1.1 Protocol) comes first: it is the hot path.
"""

from fastapi import APIRouter

from smartcity_kg.api.routes import linked_data, pages, rest, service_description, sparql, validate

api_router = APIRouter()
api_router.include_router(sparql.router)
api_router.include_router(service_description.router)
api_router.include_router(linked_data.router)
api_router.include_router(rest.router)
api_router.include_router(validate.router)
api_router.include_router(pages.router)

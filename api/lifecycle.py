"""Start and stop what the server holds: the engine pool (and through it the store), the validator."""

from contextlib import asynccontextmanager

from smartcity_kg.api.services import Services


def lifespan_for(services: Services):
    @asynccontextmanager
    async def lifespan(app):
        app.state.services = services
        await services.open()
        try:
            yield
        finally:
            await services.close()

    return lifespan

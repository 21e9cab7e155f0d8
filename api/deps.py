"""Typed dependencies of the routes."""

from typing import Annotated

from fastapi import Depends, Request

from smartcity_kg.api.services import Services
from smartcity_kg.api.settings import Settings


def get_services(request: Request) -> Services:
    return request.app.state.services


def get_settings(request: Request) -> Settings:
    return request.app.state.services.settings


ServicesDep = Annotated[Services, Depends(get_services)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

"""What the routes share while the server runs: settings, the engine pool, templates, the validator."""

from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from smartcity_kg.api.engine import EnginePool
from smartcity_kg.api.settings import Settings


def package_dir(name):
    return Path(str(files("smartcity_kg.api"))) / name


def make_templates():
    env = Environment(loader=FileSystemLoader(str(package_dir("templates"))),
                      autoescape=select_autoescape(["html", "xml"]), trim_blocks=True, lstrip_blocks=True)
    return env


class Services:
    def __init__(self, settings: Settings, engine=None, validator=None):
        from smartcity_kg.api.validation import ValidatorProcess

        self.settings = settings
        self.engine = engine or EnginePool(settings)
        self.templates = make_templates()
        self.validator = validator or ValidatorProcess(settings)
        # Data derived once from the immutable graph (labels of the vocabulary, landing-page counts …).
        self.memo = {}

    async def open(self):
        await self.engine.open()
        if self.settings.validator_warm:
            self.validator.start()

    async def close(self):
        await self.engine.close()
        self.validator.close()

"""Where the package's data lives: read through importlib.resources, so a wheel works as a checkout."""

from importlib.resources import files
from pathlib import Path


def _dir(package):
    return Path(str(files(package)))


def ontology_file():
    return _dir("smartcity_kg.ontology") / "smartcity.ttl"


def data_dir():
    return _dir("smartcity_kg.graph") / "data"


def seeds_dir():
    return _dir("smartcity_kg.graph") / "sources" / "seeds"


def shapes_dir():
    return _dir("smartcity_kg.shapes")


def queries_dir():
    return _dir("smartcity_kg.queries")


def input_files():
    """Every file the build reads, for change detection."""
    out = [ontology_file()]
    out += sorted(p for p in data_dir().iterdir() if p.suffix in (".csv", ".ttl"))
    return out

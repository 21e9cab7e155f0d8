"""Shared by the validation tests: one Validator over the real graph, and its whole-graph report.

Import the fixtures into a test module (`from conftest_validate import validator, whole_report`).
The objects are cached at module level, so that every test module that imports the fixtures shares
the same Validator (pytest would otherwise build one per module) and the graph is validated once.
"""

import re
from pathlib import Path

import pytest

from smartcity_kg.shapes.validate import Validator

EXAMPLES = Path(__file__).resolve().parents[1] / "shapes" / "examples"
_cache = {}


def shared_validator(graph):
    if "validator" not in _cache:
        _cache["validator"] = Validator(graph=graph)
    return _cache["validator"]


@pytest.fixture(scope="session")
def validator(graph):
    """A Validator over the session's graph (a copy of it: additions never touch the `graph` fixture)."""
    return shared_validator(graph)


@pytest.fixture(scope="session")
def whole_report(validator):
    if "whole" not in _cache:
        _cache["whole"] = validator.validate_graph()
    return _cache["whole"]


def violated(report):
    """The constraints an addition violates: SPARQL constraint names, or property/node shape names."""
    return {r.constraint for r in report.results if r.severity == "Violation"}


def flagged(report, severity):
    return {r.constraint for r in report.results if r.severity == severity}


def expected_failure(path):
    """What an example's first lines say it must fail: a shape or constraint name, or 'read'."""
    head = "\n".join(Path(path).read_text(encoding="utf-8").splitlines()[:6])
    found = re.search(r"fails:\s*(?:scsh:)?([\w-]+)", head)
    return found.group(1) if found else None


def example_files(kind):
    return sorted(p for p in (EXAMPLES / kind).iterdir() if p.is_file())

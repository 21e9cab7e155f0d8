"""The HTML documentation page of the ontology, rendered by pyLODE."""

import logging
import sys
import types
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from smartcity_kg.namespaces import ONTOLOGY
from smartcity_kg.resources import ontology_file


def _import_pylode():
    # pyLODE 3.4 reads its version from a pyproject.toml that its wheel does not ship.
    if "pylode.version" not in sys.modules:
        try:
            import pylode.version  # noqa: F401
        except Exception:
            stub = types.ModuleType("pylode.version")
            stub.__version__ = "3"
            sys.modules["pylode.version"] = stub
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from pylode import OntPub

    # One of pyLODE's modules configures the root logger at DEBUG on import: undo that.
    root.setLevel(level)
    root.handlers[:] = handlers
    return OntPub


def write_ontology_html(path):
    """Render ontology/smartcity.ttl to HTML at `path`."""
    OntPub = _import_pylode()
    g = Graph().parse(ontology_file(), format="turtle")
    # pyLODE reads every skos:ConceptScheme as a document header; keep the schemes out of its view.
    for scheme in list(g.subjects(RDF.type, SKOS.ConceptScheme)):
        g.remove((scheme, RDF.type, SKOS.ConceptScheme))
    # pyLODE prints every title and description of the header side by side: give it one of each.
    onto = URIRef(ONTOLOGY)
    for prop in (DCTERMS.title, DCTERMS.description):
        values = {o.language: str(o) for o in g.objects(onto, prop)}
        g.remove((onto, prop, None))
        g.add((onto, prop, Literal(" / ".join(values[k] for k in sorted(values)))))
    html = OntPub(ontology=g).make_html()
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path

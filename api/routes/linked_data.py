"""Linked data: every IRI of the dataset resolves here, the ontology's IRIs resolve to its docs, the
dumps and the VoID description download.

- /id/{path}: the resource https://w3id.org/smartcity-kg/id/{path}. Browsers get an HTML page, RDF
  clients Turtle, JSON-LD, N-Triples or RDF/XML by Accept (or ?format=ttl|jsonld|nt|rdfxml|html):
  the triples about it and the triples pointing at it.
- /def, /def/{version}: the ontology (pyLODE HTML, or its Turtle and other serialisations);
  /def#Term anchors work for every term.
- /dumps/{file}: the dumps of dist/ (as the VoID's dcat:downloadURL name them); /.well-known/void.
"""

import re
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from smartcity_kg.api.deps import ServicesDep
from smartcity_kg.api.execute import construct_ntriples, select, sparql_iri
from smartcity_kg.api.httputil import ApiError
from smartcity_kg.api.linking import FORMAT_PARAM, MEDIA, convert, local_href
from smartcity_kg.api.negotiation import choose
from smartcity_kg.api.resource_view import build_view, describe_query, labels_by_iri, resource_query, \
    vocabulary_labels_query
from smartcity_kg.api.worker import ONTOLOGY_GRAPH, VOID_GRAPH

router = APIRouter(tags=["Linked data"])

OFFERS = ("text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
RDF_ONLY = OFFERS[1:]
# Besides the distributions the VoID lists (dcat:downloadURL …/dumps/NAME, with their dcat:mediaType).
OTHER_DUMPS = {
    "ontology.ttl": "text/turtle; charset=utf-8",
    "void.ttl": "text/turtle; charset=utf-8",
    "ontology.html": "text/html; charset=utf-8",
    "map-en.svg": "image/svg+xml",
    "map-zh.svg": "image/svg+xml",
}
DCAT = "http://www.w3.org/ns/dcat#"
FORMAT_DOC = "Overrides Accept: html, ttl, jsonld, nt or rdfxml."
RDF_RESPONSES = {200: {"content": {m: {} for m in OFFERS}},
                 404: {"description": "No triple about this IRI"},
                 406: {"description": "No acceptable format"}}


def negotiate(request: Request, fmt, offers=OFFERS):
    if fmt:
        media = FORMAT_PARAM.get(fmt.strip().lower())
        if media is None or media not in offers:
            raise ApiError(406, f"format={fmt[:40]} is not served here; use one of: "
                                + ", ".join(k for k, v in FORMAT_PARAM.items() if v in offers))
        return media
    media = choose(request.headers.get("accept"), offers)
    if media is None:
        raise ApiError(406, "this resource is available as " + ", ".join(offers))
    return media


def alternates(path):
    return ", ".join(f'<{path}?format={f}>; rel="alternate"; type="{m}"'
                     for f, m in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                  ("nt", "application/n-triples"), ("rdfxml", "application/rdf+xml")))


async def vocabulary_labels(services):
    labels = services.memo.get("vocab_labels")
    if labels is None:
        rows = await select(services, vocabulary_labels_query(ONTOLOGY_GRAPH))
        labels = services.memo["vocab_labels"] = labels_by_iri(rows)
    return labels


def dist_file(services, name):
    path = Path(services.settings.dist) / name
    if not path.is_file():
        raise ApiError(404, f"{name} has not been built on this server")
    return path


def rdf_file(services, name, media):
    """A Turtle file of dist/ in the requested RDF format (memoised: the files do not change while serving)."""
    key = ("file", name, media)
    body = services.memo.get(key)
    if body is None:
        data = dist_file(services, name).read_bytes()
        if media == "text/turtle":
            body = data
        else:
            nt = ox.serialize(ox.parse(data, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
            body = convert(nt, media)
        services.memo[key] = body
    return body


@router.get("/id/{path:path}", summary="Resolve a dataset IRI (https://w3id.org/smartcity-kg/id/…)",
            response_class=Response, responses=RDF_RESPONSES)
async def resource(path: str, request: Request, services: ServicesDep,
                   format: str | None = Query(None, description=FORMAT_DOC)):
    settings = services.settings
    if not path:  # the namespace itself: the dataset that holds its resources
        return RedirectResponse("/id/dataset", status_code=303, headers={"Vary": "Accept"})
    iri = settings.id_base + path
    ref = sparql_iri(iri)
    media = negotiate(request, format)
    local = "/id/" + path
    headers = {"Vary": "Accept", "Link": alternates(local)}
    if media != "text/html":
        nt = await construct_ntriples(services, describe_query(ref), default_graphs=[VOID_GRAPH], store_default=True)
        if not nt.strip():
            raise ApiError(404, f"no resource <{iri}> in this dataset")
        return Response(convert(nt, media), media_type=MEDIA[media], headers=headers)
    rows = await select(services, resource_query(ref), default_graphs=[VOID_GRAPH], store_default=True)
    if not rows:
        raise ApiError(404, f"no resource <{iri}> in this dataset")
    view = build_view(iri, rows, await vocabulary_labels(services), settings.public_base)
    describe = f"DESCRIBE <{iri}>"
    html = services.templates.get_template("resource.html").render(
        view=view, local=local, describe=describe, title=view["title"])
    return HTMLResponse(html, headers=headers)


_ANCHOR = re.compile(r'<div class="property entity" id="([^"]+)">(\s*<h3>.*?</h3>\s*<table>\s*<tr>\s*<th>IRI</th>\s*'
                     r'<td>\s*<code>([^<]+)</code>)', re.DOTALL)


def ontology_html(services):
    html = services.memo.get("ontology_html")
    if html is None:
        text = dist_file(services, "ontology.html").read_text(encoding="utf-8")
        term_base = services.settings.def_iri + "#"
        existing = set(re.findall(r'id="([^"]+)"', text))

        def add_anchor(m):
            iri = m.group(3).strip()
            local = iri[len(term_base):] if iri.startswith(term_base) else None
            extra = f'<a id="{local}"></a>' if local and local not in existing else ""
            return f'<div class="property entity" id="{m.group(1)}">{extra}{m.group(2)}'

        text = _ANCHOR.sub(add_anchor, text)
        base = services.settings.public_base
        text = text.replace(f'href="{base}', 'href="/')
        html = services.memo["ontology_html"] = text
    return html


def version_iri(services):
    value = services.memo.get("version_iri")
    if value is None:
        data = dist_file(services, "ontology.ttl").read_bytes()
        value = ""
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE):
            if t.predicate.value == "http://www.w3.org/2002/07/owl#versionIRI":
                value = t.object.value
                break
        services.memo["version_iri"] = value
    return value


def _ontology(request, services, fmt):
    media = negotiate(request, fmt)
    headers = {"Vary": "Accept", "Link": alternates("/def")}
    if media == "text/html":
        return HTMLResponse(ontology_html(services), headers=headers)
    return Response(rdf_file(services, "ontology.ttl", media), media_type=MEDIA[media], headers=headers)


@router.get("/def", summary="The ontology (https://w3id.org/smartcity-kg/def): documentation or RDF",
            response_class=Response, responses=RDF_RESPONSES)
async def ontology(request: Request, services: ServicesDep, format: str | None = Query(None, description=FORMAT_DOC)):
    return _ontology(request, services, format)


@router.get("/def/{version}", summary="A version of the ontology (its owl:versionIRI)", response_class=Response,
            responses=RDF_RESPONSES)
async def ontology_version(version: str, request: Request, services: ServicesDep,
                           format: str | None = Query(None, description=FORMAT_DOC)):
    if services.settings.def_iri + "/" + version != version_iri(services):
        raise ApiError(404, f"this server holds version {version_iri(services).rsplit('/', 1)[-1]} of the ontology, "
                            f"not {version[:40]}")
    return _ontology(request, services, format)


def dump_files(services):
    """{file name: media type} of what /dumps/ serves: the VoID's distributions and the files above."""
    dumps = services.memo.get("dumps")
    if dumps is None:
        by_node = {}
        data = dist_file(services, "void.ttl").read_bytes()
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE):
            if t.predicate.value in (DCAT + "downloadURL", DCAT + "mediaType"):
                by_node.setdefault(t.subject, {})[t.predicate.value[len(DCAT):]] = t.object.value
        dumps = {}
        prefix = services.settings.public_base + "dumps/"
        for found in by_node.values():
            url, media = found.get("downloadURL", ""), found.get("mediaType", "application/octet-stream")
            if url.startswith(prefix) and "/" not in url[len(prefix):]:
                dumps[url[len(prefix):]] = media + ("; charset=utf-8" if media.startswith("text/") else "")
        dumps.update(OTHER_DUMPS)
        services.memo["dumps"] = dumps
    return dumps


@router.get("/dumps/{name}", summary="Download a dump (smartcity.ttl, .nt, .jsonld …), the ontology or the VoID",
            response_class=FileResponse, responses={404: {"description": "No such dump"}})
async def dump(name: str, services: ServicesDep):
    dumps = dump_files(services)
    if name not in dumps:
        raise ApiError(404, f"no dump named {name[:80]!r}; the dumps are: " + ", ".join(sorted(dumps)))
    return FileResponse(dist_file(services, name), media_type=dumps[name])


@router.get("/.well-known/void", summary="The VoID and DCAT description of the dataset", response_class=Response,
            responses={200: {"content": {m: {} for m in RDF_ONLY}}, 406: {"description": "No acceptable format"}})
async def void(request: Request, services: ServicesDep, format: str | None = Query(None, description=FORMAT_DOC)):
    media = negotiate(request, format, RDF_ONLY + ("text/html",))  # Turtle unless text/html is asked for
    if media == "text/html":  # a browser: the dataset's page
        return RedirectResponse("/id/dataset", status_code=303, headers={"Vary": "Accept"})
    return Response(rdf_file(services, "void.ttl", media), media_type=MEDIA[media], headers={"Vary": "Accept"})


def link(iri, services):
    return local_href(iri, services.settings.public_base)

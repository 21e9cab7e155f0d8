"""A small REST surface for the common look-ups, as JSON: pilots filtered by province, batch and kind;
one pilot with its base and expansions; provinces and batches with their counts. Each answer is one
SPARQL query through the same engine pool (and limits) as /sparql."""

import re
from enum import Enum

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from smartcity_kg.api.deps import ServicesDep
from smartcity_kg.api.execute import select, sparql_string
from smartcity_kg.api.httputil import ApiError

router = APIRouter(prefix="/api", tags=["REST"])

SC = "https://w3id.org/smartcity-kg/def#"
PROLOGUE = """PREFIX sc: <https://w3id.org/smartcity-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
KIND_CLASSES = {"new": "NewPilot", "expansion": "ExpansionPilot", "special": "SpecialPilotProject"}
CLASS_KINDS = {SC + cls: kind for kind, cls in KIND_CLASSES.items()}
_SLUG = re.compile(r"[0-9]{4}-[a-z0-9-]+\Z")
_CODE = re.compile(r"[0-9]{6}\Z")


class Kind(str, Enum):
    new = "new"
    expansion = "expansion"
    special = "special"


class Ref(BaseModel):
    iri: str
    name_zh: str | None = None
    name_en: str | None = None
    code: str | None = Field(None, description="GB/T 2260 code (units only)")


class Pilot(BaseModel):
    iri: str
    id: str = Field(description="the part of the IRI after id/pilot/, e.g. 2014-wuhan-jiangxia")
    page: str = Field(description="the resource's page on this server")
    name_zh: str | None = None
    name_en: str | None = None
    batch: int
    kind: Kind
    province: Ref | None = None
    territories: list[Ref] = []
    extends: str | None = Field(None, description="the pilot an expansion extends")


class PilotList(BaseModel):
    count: int
    pilots: list[Pilot]


class PilotDetail(Pilot):
    expansions: list[Ref] = Field([], description="expansion pilots that extend this one")
    announced_in: list[Ref] = []
    sources: list[str] = []


class Province(BaseModel):
    iri: str
    code: str
    name_zh: str | None = None
    name_en: str | None = None
    pilots: dict[str, int] = Field(description="pilots per batch year")


class Batch(BaseModel):
    iri: str
    year: int
    announcement_date: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    pilots: dict[str, int] = Field(description="pilots in the graph per kind")


def _v(row, name):
    term = row.get(name)
    return term["value"] if term else None


def _page(iri, services):
    base = services.settings.public_base
    return "/" + iri[len(base):] if iri.startswith(base) else iri


def _pilot_pattern(where_extra):
    return f"""{PROLOGUE}
SELECT ?pilot ?zh ?en ?year ?class ?province ?pzh ?pen ?pcode ?territory ?tzh ?ten ?tcode ?base WHERE {{
  VALUES ?class {{ sc:NewPilot sc:ExpansionPilot sc:SpecialPilotProject }}
  ?pilot a ?class ; sc:batch/sc:batchYear ?year .
  {where_extra}
  OPTIONAL {{ ?pilot skos:prefLabel ?zh FILTER(LANG(?zh) = "zh") }}
  OPTIONAL {{ ?pilot skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?pilot sc:province ?province . ?province sc:gbCode ?pcode .
    OPTIONAL {{ ?province skos:prefLabel ?pzh FILTER(LANG(?pzh) = "zh") }}
    OPTIONAL {{ ?province skos:prefLabel ?pen FILTER(LANG(?pen) = "en") }} }}
  OPTIONAL {{ ?pilot sc:territory ?territory .
    OPTIONAL {{ ?territory skos:prefLabel ?tzh FILTER(LANG(?tzh) = "zh") }}
    OPTIONAL {{ ?territory skos:prefLabel ?ten FILTER(LANG(?ten) = "en") }}
    OPTIONAL {{ ?territory sc:gbCode ?tcode }} }}
  OPTIONAL {{ ?pilot sc:extends ?base }}
}} ORDER BY ?year ?class ?zh ?pilot"""


def _pilots(rows, services):
    pilots = {}
    for row in rows:
        iri = _v(row, "pilot")
        p = pilots.get(iri)
        if p is None:
            province = None
            if "province" in row:
                province = Ref(iri=_v(row, "province"), name_zh=_v(row, "pzh"), name_en=_v(row, "pen"),
                               code=_v(row, "pcode"))
            p = pilots[iri] = Pilot(iri=iri, id=iri.rsplit("/pilot/", 1)[-1], page=_page(iri, services),
                                    name_zh=_v(row, "zh"), name_en=_v(row, "en"), batch=int(_v(row, "year")),
                                    kind=CLASS_KINDS[_v(row, "class")], province=province, extends=_v(row, "base"))
        territory = _v(row, "territory")
        if territory and all(t.iri != territory for t in p.territories):
            p.territories.append(Ref(iri=territory, name_zh=_v(row, "tzh"), name_en=_v(row, "ten"),
                                     code=_v(row, "tcode")))
    return list(pilots.values())


async def resolve_province(services, value):
    """The IRI of the province named by a code, a zh or en name, or an IRI; ApiError 404 if none."""
    value = value.strip()
    if _CODE.match(value):
        cond = f"?code = {sparql_string(value)}"
    elif value.startswith("http://") or value.startswith("https://"):
        cond = f"STR(?p) = {sparql_string(value)}"
    else:
        lit = sparql_string(value.lower())
        cond = (f"LCASE(STR(?l)) = {lit} || LCASE(STR(?l)) = CONCAT({lit}, \" province\") || "
                f"STRSTARTS(STR(?l), {sparql_string(value)})")
    rows = await select(services, f"""{PROLOGUE}
SELECT DISTINCT ?p WHERE {{ ?p a sc:Province ; sc:gbCode ?code ; skos:prefLabel ?l . FILTER({cond}) }} LIMIT 2""")
    if not rows:
        raise ApiError(404, f"no province matches {value[:60]!r} (give its name in Chinese or English, "
                            "its 6-digit code, or its IRI)")
    if len(rows) > 1:
        raise ApiError(400, f"{value[:60]!r} matches more than one province; be more specific")
    return rows[0]["p"]["value"]


@router.get("/pilots", response_model=PilotList, summary="Pilots, filtered by province, batch and kind")
async def pilots(services: ServicesDep,
                 province: str | None = Query(None, max_length=200, description="湖北省, Hubei, 420000 or an IRI"),
                 batch: int | None = Query(None, ge=2012, le=2014, description="the batch year"),
                 kind: Kind | None = Query(None, description="new, expansion or special")):
    extra = []
    if province:
        extra.append(f"?pilot sc:province <{await resolve_province(services, province)}> .")
    if batch is not None:
        extra.append(f'FILTER(STR(?year) = "{batch}")')
    if kind is not None:
        extra.append(f"FILTER(?class = sc:{KIND_CLASSES[kind.value]})")
    rows = await select(services, _pilot_pattern("\n  ".join(extra)))
    result = _pilots(rows, services)
    return PilotList(count=len(result), pilots=result)


@router.get("/pilots/{pilot_id}", response_model=PilotDetail, summary="One pilot, with its base and expansions",
            responses={404: {"description": "No such pilot"}})
async def pilot(services: ServicesDep,
                pilot_id: str = Path(description="e.g. 2014-wuhan-jiangxia", max_length=120)):
    if not _SLUG.match(pilot_id):
        raise ApiError(404, f"no pilot {pilot_id[:80]!r}: pilot ids look like 2014-wuhan-jiangxia")
    iri = services.settings.id_base + "pilot/" + pilot_id
    rows = await select(services, _pilot_pattern(f"FILTER(?pilot = <{iri}>)"))
    found = _pilots(rows, services)
    if not found:
        raise ApiError(404, f"no pilot {pilot_id!r} in this dataset")
    links = await select(services, f"""{PROLOGUE}
SELECT ?rel ?x ?zh ?en WHERE {{
  {{ ?x sc:extends <{iri}> . BIND("expansion" AS ?rel) }}
  UNION {{ <{iri}> sc:announcedIn ?x . BIND("announced" AS ?rel) }}
  UNION {{ <{iri}> prov:wasDerivedFrom ?x . BIND("source" AS ?rel) }}
  OPTIONAL {{ ?x skos:prefLabel|dcterms:title ?zh FILTER(LANG(?zh) = "zh") }}
  OPTIONAL {{ ?x skos:prefLabel|dcterms:title ?en FILTER(LANG(?en) = "en") }}
}} ORDER BY ?rel ?x""")
    detail = PilotDetail(**found[0].model_dump())
    seen = set()
    for row in links:
        rel, x = _v(row, "rel"), _v(row, "x")
        if (rel, x) in seen:
            continue
        seen.add((rel, x))
        if rel == "expansion":
            detail.expansions.append(Ref(iri=x, name_zh=_v(row, "zh"), name_en=_v(row, "en")))
        elif rel == "announced":
            detail.announced_in.append(Ref(iri=x, name_zh=_v(row, "zh"), name_en=_v(row, "en")))
        else:
            detail.sources.append(x)
    return detail


@router.get("/provinces", response_model=list[Province], summary="Provinces with their pilots per batch")
async def provinces(services: ServicesDep):
    rows = await select(services, f"""{PROLOGUE}
SELECT ?p ?code ?zh ?en ?year (COUNT(DISTINCT ?pilot) AS ?n) WHERE {{
  ?p a sc:Province ; sc:gbCode ?code .
  OPTIONAL {{ ?p skos:prefLabel ?zh FILTER(LANG(?zh) = "zh") }}
  OPTIONAL {{ ?p skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?pilot sc:province ?p ; sc:batch/sc:batchYear ?year }}
}} GROUP BY ?p ?code ?zh ?en ?year ORDER BY ?code""")
    out = {}
    for row in rows:
        iri = _v(row, "p")
        prov = out.setdefault(iri, Province(iri=iri, code=_v(row, "code"), name_zh=_v(row, "zh"),
                                            name_en=_v(row, "en"), pilots={}))
        if "year" in row:
            prov.pilots[_v(row, "year")] = int(_v(row, "n"))
    return list(out.values())


@router.get("/batches", response_model=list[Batch], summary="The batches with their pilots per kind")
async def batches(services: ServicesDep):
    rows = await select(services, f"""{PROLOGUE}
SELECT ?b ?year ?date ?zh ?en ?class (COUNT(DISTINCT ?pilot) AS ?n) WHERE {{
  ?b a sc:Batch ; sc:batchYear ?year .
  OPTIONAL {{ ?b sc:announcementDate ?date }}
  OPTIONAL {{ ?b skos:prefLabel ?zh FILTER(LANG(?zh) = "zh") }}
  OPTIONAL {{ ?b skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ VALUES ?class {{ sc:NewPilot sc:ExpansionPilot sc:SpecialPilotProject }} ?pilot sc:batch ?b ; a ?class }}
}} GROUP BY ?b ?year ?date ?zh ?en ?class ORDER BY ?year""")
    out = {}
    for row in rows:
        iri = _v(row, "b")
        batch = out.setdefault(iri, Batch(iri=iri, year=int(_v(row, "year")), announcement_date=_v(row, "date"),
                                          name_zh=_v(row, "zh"), name_en=_v(row, "en"), pilots={}))
        if "class" in row:
            batch.pilots[CLASS_KINDS[_v(row, "class")]] = int(_v(row, "n"))
    return list(out.values())

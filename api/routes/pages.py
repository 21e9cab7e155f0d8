"""Pages for people: the landing page (what the dataset is, its counts, a chart of pilots per province
and batch, where to go next) and the query page (YASGUI, served from /static, preloaded with the
competency questions of queries/*.rq)."""

import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from markupsafe import Markup
from starlette.responses import FileResponse, HTMLResponse

from smartcity_kg.api.chart import pilots_chart
from smartcity_kg.api.execute import select
from smartcity_kg.api.httputil import STATUS_TEXT
from smartcity_kg.api.linking import local_href
from smartcity_kg.api.services import package_dir
from smartcity_kg.api.worker import VOID_GRAPH
from smartcity_kg.resources import queries_dir

router = APIRouter(tags=["Pages"])

PILOTS_BY_PROVINCE = """PREFIX sc: <https://w3id.org/smartcity-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?province ?zh ?en ?year (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a sc:Pilot ; sc:batch/sc:batchYear ?year .
  OPTIONAL { ?p sc:province ?province .
    OPTIONAL { ?province skos:prefLabel ?zh FILTER(LANG(?zh) = "zh") }
    OPTIONAL { ?province skos:prefLabel ?en FILTER(LANG(?en) = "en") } }
} GROUP BY ?province ?zh ?en ?year"""

COUNTS = f"""PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?class ?n ?triples ?entities ?description WHERE {{ GRAPH <{VOID_GRAPH}> {{
  <{VOID_GRAPH}> void:triples ?triples ; void:entities ?entities .
  OPTIONAL {{ <{VOID_GRAPH}> dcterms:description ?description }}
  OPTIONAL {{ <{VOID_GRAPH}> void:classPartition [ void:class ?class ; void:entities ?n ] }}
}} }}"""

SHOWN_CLASSES = [("Pilot", "pilots", "试点"), ("NewPilot", "new pilots", "新增试点"),
                 ("ExpansionPilot", "expansion pilots", "扩大范围试点"),
                 ("SpecialPilotProject", "special pilot projects", "专项试点"),
                 ("AdministrativeUnit", "administrative units", "行政区划单位"), ("Zone", "zones", "功能区"),
                 ("PolicyDocument", "policy documents", "政策文件"), ("FeaturedCase", "featured cases", "典型案例"),
                 ("Source", "sources", "来源")]


def examples():
    """The competency questions: [{"id", "title", "query"}], title from the first comment line."""
    out = []
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line.lstrip("#").strip())
        description = " ".join(lines) or path.stem
        label, _, rest = description.partition(". ")
        sentence = rest.split(". ")[0].rstrip(".") if rest else description
        out.append({"id": path.stem, "label": label, "title": sentence, "description": description, "query": text})
    return out


def html_error(request: Request, status, message, headers=None):
    services = request.app.state.services
    html = services.templates.get_template("error.html").render(
        title=f"{status} {STATUS_TEXT.get(status, '')}", status=status, reason=STATUS_TEXT.get(status, ""),
        message=message)
    return HTMLResponse(html, status_code=status, headers=headers)


async def landing_data(services):
    data = services.memo.get("landing")
    if data is not None:
        return data
    base = services.settings.public_base
    rows = await select(services, COUNTS)
    counts = {}
    triples = entities = description = None
    for row in rows:
        triples = int(row["triples"]["value"])
        entities = int(row["entities"]["value"])
        if "description" in row:
            description = row["description"]["value"]
        if "class" in row:
            counts[row["class"]["value"].rsplit("#", 1)[-1]] = int(row["n"]["value"])
    provinces, years, unplaced = {}, set(), 0
    for row in await select(services, PILOTS_BY_PROVINCE):
        year, n = row["year"]["value"], int(row["n"]["value"])
        years.add(year)
        if "province" not in row:
            unplaced += n
            continue
        iri = row["province"]["value"]
        prov = provinces.setdefault(iri, {"label": (row.get("zh") or row.get("en") or {"value": iri})["value"],
                                          "en": row["en"]["value"] if "en" in row else None,
                                          "href": local_href(iri, base), "counts": {}})
        prov["counts"][year] = prov["counts"].get(year, 0) + n
    ordered = sorted(provinces.values(), key=lambda p: (-sum(p["counts"].values()), p["label"]))
    years = sorted(years)
    data = {"triples": triples, "entities": entities, "description": description,
            "counts": [(cls, en, zh, counts[cls]) for cls, en, zh in SHOWN_CLASSES if cls in counts],
            "chart": Markup(pilots_chart(ordered, years)), "provinces": len(ordered), "unplaced": unplaced,
            "years": years}
    services.memo["landing"] = data
    return data


@router.get("/", summary="The landing page", response_class=HTMLResponse)
async def landing(request: Request):
    services = request.app.state.services
    from smartcity_kg.api.routes.linked_data import OTHER_DUMPS, dump_files

    data = await landing_data(services)
    dumps = [(name, media.split(";")[0]) for name, media in sorted(dump_files(services).items())
             if name not in OTHER_DUMPS]
    dist = Path(services.settings.dist)
    maps = [name for name in ("map-en.svg", "map-zh.svg") if (dist / name).is_file()]
    html = services.templates.get_template("landing.html").render(
        title="National Smart City Pilots 国家智慧城市试点", data=data, examples=examples(), dumps=dumps, maps=maps)
    return HTMLResponse(html)


@router.get("/query", summary="The query page (YASGUI) with the competency questions as examples",
            response_class=HTMLResponse)
async def query_page(request: Request):
    services = request.app.state.services
    ex = examples()
    html = services.templates.get_template("query.html").render(
        title="Query 查询", examples=ex, examples_json=Markup(json.dumps(ex, ensure_ascii=False).replace("</", "<\\/")))
    return HTMLResponse(html)


@router.get("/docs", summary="This API's OpenAPI description in Swagger UI (served locally)", include_in_schema=False)
async def docs(request: Request):
    return get_swagger_ui_html(openapi_url=request.app.openapi_url, title="smartcity-kg API",
                               swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/swagger-ui/swagger-ui.css",
                               swagger_favicon_url="/static/swagger-ui/favicon-32x32.png")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon():
    return FileResponse(package_dir("static") / "favicon.svg", media_type="image/svg+xml")
